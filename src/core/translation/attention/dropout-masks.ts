/**
 * tf.dropout's multipliers as an array, the very numbers it would draw: tfjs computes
 * floor(U + keep) / keep in float32 with U = randomUniform(shape, 0, 1, 'float32', seed), so the
 * fused decoder loop drops exactly what the per-op path drops for the same seed.
 */
import * as tf from '@tensorflow/tfjs';

export function dropoutMask(n: number, shape: number[], rate: number, seed?: number): Float32Array {
  const keep = Math.fround(1 - rate);
  const u = tf.tidy(() => tf.randomUniform(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.floor(Math.fround(u[i] + keep)) / keep);
  return out;
}
