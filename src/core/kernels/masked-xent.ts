/**
 * The translator's output layer and d2l's MaskedSoftmaxCELoss as one op: logits = A·W + b over
 * the positions that count (t < valid_len), softmax cross-entropy per position, each weighted
 * by `weight` (the book's mean over all T steps: 1 / T), summed. Padding positions are left out
 * before the dense layer, so they cost nothing and contribute exactly nothing (zero rows of dA,
 * nothing to dW, db). Logits never become a tfjs tensor: the kept rows go through the language
 * model's fused output layer + loss (RecurrentKernel.headXent, native/src/lm_head_core.h; its
 * TypeScript twin in ./reference.ts on kernels without it).
 *
 *   loss = Σ_{kept n} weight · (log Σ_j exp(L_nj) − L_n,y_n)
 *   dL/dlogits_n = weight · (softmax(L_n) − onehot(y_n))
 * One kernel call does forward, xent and backward in row blocks: no V-sized array per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer-pool';
import { checkLabels } from './shape';
import { currentKernel } from './select';
import { readValues, release, tensorFrom } from './tensor-io';
import { tsHeadXent } from './reference';
import { scaleGrads } from './dense-xent';
import { meanLoss } from './head-loss-op';
import type { RecurrentKernel } from './types';

/** Which of N positions count: their row indices (ascending) and labels. */
export interface KeptRows {
  rows: Int32Array;
  labels: Int32Array;
}

/**
 * Positions with t < validLen[b], labelled Y[b][t] (Y batch-major [B, T]), as rows of a
 * time-major [T, B] grid (row t·B + b) or a batch-major [B, T] one (row b·T + t).
 */
export function keptRows(Y: readonly (readonly number[])[], validLen: readonly number[], T: number, order: 'time-major' | 'batch-major'): KeptRows {
  const B = validLen.length;
  let M = 0;
  for (let b = 0; b < B; b++) M += Math.min(T, Math.max(0, validLen[b]));
  const rows = new Int32Array(M), labels = new Int32Array(M);
  let m = 0;
  const put = (b: number, t: number) => {
    if (t >= validLen[b]) return;
    rows[m] = order === 'time-major' ? t * B + b : b * T + t;
    labels[m++] = Y[b][t];
  };
  if (order === 'time-major') for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) put(b, t);
  else for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) put(b, t);
  return { rows, labels };
}

/** The loss and its gradients: dA [N, D] with zero rows at padding, dW [D, V], db [V] (pooled arrays, the caller's). */
export interface MaskedXentResult {
  loss: number;
  da: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

/**
 * a [N, D] (every row, row-major), w [D, V], b [V]; `kept` the rows that count, `weight` each
 * one's weight in the loss (1 / T for the book's mean over T steps).
 */
export function maskedDenseXent(kernel: RecurrentKernel, N: number, D: number, V: number, a: Float32Array, w: Float32Array, b: Float32Array, kept: KeptRows, weight: number): MaskedXentResult {
  checkLabels(V, kept.labels);
  const M = kept.rows.length;
  const da = bufferPool.take(N * D).fill(0);
  if (M === 0) return { loss: 0, da, dw: bufferPool.take(D * V).fill(0), db: bufferPool.take(V).fill(0) };
  const ak = bufferPool.take(M * D);
  for (let m = 0; m < M; m++) for (let j = 0, o = kept.rows[m] * D; j < D; j++) ak[m * D + j] = a[o + j];
  const divisor = 1 / weight;
  // the LM's head pass (lm_head_core.h): the mean over the M kept rows, rescaled to Σ / divisor
  const pass = (kernel.headXent ?? tsHeadXent)({ N: M, D, V }, ak, w, b, kept.labels, true);
  const loss = meanLoss(M, pass) * (M / divisor);
  const g = scaleGrads(pass.grads!, M / divisor);
  for (let m = 0; m < M; m++) for (let j = 0, o = kept.rows[m] * D; j < D; j++) da[o + j] = g.da[m * D + j];
  bufferPool.give(ak, g.da, pass.stat, pass.picked);
  return { loss, da, dw: g.dw, db: g.db };
}

/**
 * The same as a TensorFlow.js op: hidden [N, D], w [D, V], b [V] → the scalar loss, with its
 * gradients through tf.customGrad (for models trained through tfjs, e.g. the attention one).
 */
export function maskedDenseCrossEntropy(hidden: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, kept: KeptRows, weight: number, opts: { kernel?: RecurrentKernel } = {}): tf.Scalar {
  const [N, D] = hidden.shape;
  const V = w.shape[1];
  if (w.shape[0] !== D || b.size !== V) throw new Error(`maskedDenseCrossEntropy: w must be [${D}, V] and b [V], got [${w.shape}] and [${b.shape}]`);
  const kernel = opts.kernel ?? currentKernel();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    const av = readValues(hidden), wv = readValues(w), bv = readValues(b);
    // the gradients come with the loss (one kernel call); gradFunc only scales them by dy
    const r = maskedDenseXent(kernel, N, D, V, av, wv, bv, kept, weight);
    release(av, wv, bv);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const up = (Array.isArray(dy) ? dy[0] : dy).dataSync()[0];
      if (up !== 1) scaleGrads(r, up);
      return [tensorFrom(r.da, [N, D]), tensorFrom(r.dw, [D, V]), tensorFrom(r.db, [V])];
    };
    return { value: tf.scalar(r.loss), gradFunc };
  });
  return op(hidden, w, b) as tf.Scalar;
}
