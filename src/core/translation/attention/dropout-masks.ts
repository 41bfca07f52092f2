/**
 * tf.dropout's multipliers as an array, the very numbers it would draw for the same seed:
 * tfjs computes floor(U + keep) / keep in float32 with U from randomUniform(shape, 0, 1,
 * 'float32', seed), whose stream is seedrandom's alea seeded with the seed's string
 * (tfjs-core ops/rand_util.ts UniformRandom). Drawn here straight from alea: tf.randomUniform
 * costs ~30× more (~0.6 µs a value, 300 ms of a full-small batch), and the fused decoder loop
 * must drop exactly what the per-op path drops. A unit test compares both with tf.dropout.
 */
import * as seedrandom from 'seedrandom';

export function dropoutMask(n: number, rate: number, seed?: number): Float32Array {
  const keep = Math.fround(1 - rate);
  const random = seedrandom.alea(String(seed ?? Math.random()));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.floor(Math.fround(Math.fround(random()) + keep)) / keep);
  return out;
}
