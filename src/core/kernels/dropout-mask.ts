/**
 * Dropout masks from a counter-based generator: element i of the mask seeded `seed` is kept
 * when hash(seed, i) / 2³² ≥ rate, and kept elements are scaled by 1 / (1 − rate) (inverted
 * dropout, as tf.dropout and nn.Dropout). Counter-based so any path — the per-op tfjs
 * reference, the fused training step — draws the identical mask from the same seed without
 * sharing a stream. The masks differ from tf.dropout's own (run info says so: see
 * ../translation/train.ts DROPOUT_NOTE). The hash is a 32-bit integer mix (lowbias32 by
 * Chris Wellons) of the seed and the counter.
 */

import * as tf from '@tensorflow/tfjs-core';

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Fills `out` (length n) with the mask: 0 for a dropped element, 1 / (1 − rate) for a kept one. */
export function dropoutMask(seed: number, rate: number, out: Float32Array): Float32Array {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  const keep = 1 / (1 - rate);
  const threshold = rate * 4294967296;
  const s = mix32((seed >>> 0) ^ 0x9e3779b9);
  for (let i = 0; i < out.length; i++) out[i] = mix32((s + Math.imul(i, 0x9e3779b9)) >>> 0) >= threshold ? keep : 0;
  return out;
}

/** The next mask's seed: the run's seeded stream while training (reproducible, resumable), else a random one. */
export function nextDropoutSeed(ctx: { nextSeed?: () => number }): number {
  return ctx.nextSeed?.() ?? Math.floor(Math.random() * 4294967296);
}

/** x times the next mask (inverted dropout); every dropout of the translators goes through here. */
export function dropoutTensor<T extends tf.Tensor>(x: T, rate: number, ctx: { training: boolean; nextSeed?: () => number }): T {
  if (!ctx.training || rate === 0) return x;
  const mask = dropoutMask(nextDropoutSeed(ctx), rate, new Float32Array(x.size));
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape))) as T;
}
