/** Softmax cross-entropy in TypeScript (kernels without dense_core.h xent_rows), and the loss from its stats. */
import { bufferPool } from './buffer-pool';
import { checkXent } from './shape';
import type { XentResult } from './types';

/** The TypeScript version of dense_core.h xent_rows. */
export function tsXent(N: number, V: number, l: Float32Array, y: Int32Array): XentResult {
  checkXent(N, V, l, y);
  const grad = bufferPool.take(N * V);
  const stat = bufferPool.take(2 * N);
  for (let n = 0, o = 0; n < N; n++, o += V) {
    const label = y[n];
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, l[o + j]);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += grad[o + j] = Math.exp(l[o + j] - max);
    // softmax / N in float32, minus one-hot / N
    const scale = 1 / (sum * N);
    for (let j = 0; j < V; j++) grad[o + j] *= scale;
    grad[o + label] -= 1 / N;
    stat[2 * n] = max;
    stat[2 * n + 1] = sum;
  }
  return { grad, stat };
}

/** The mean loss from the per-row stats: Σ (max + log Σexp − logit of the label) / N. */
export function xentLoss(N: number, V: number, l: Float32Array, y: Int32Array, stat: Float32Array): number {
  let total = 0;
  for (let n = 0; n < N; n++) total += stat[2 * n] + Math.log(stat[2 * n + 1]) - l[n * V + y[n]];
  return total / N;
}
