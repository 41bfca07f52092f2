/**
 * What both translators' incremental decoders share when they decode on raw arrays instead of
 * tfjs ops: the weights read once (cached by tensor data, ../kernels/tensor-io.ts f32Weights,
 * so a trained-on model is re-read only after its weights change), the GRU stack run by the
 * kernel for a batch of n hypotheses at one time step, the dense output layer and a row-wise
 * log-softmax. A beam step over tfjs ops dispatched ~40 ops (tensor creation, tiles, concat,
 * the fused op's wrapping, matMul, logSoftmax, dataSync) per step; this runs the same kernel
 * calls without any (see ./seq2seq/step.ts, ./attention/step.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { f32Weights } from '../kernels/tensor-io';
import { bufferPool } from '../kernels/buffer-pool';
import { currentKernel } from '../kernels/select';
import { kernelFor } from '../kernels/tfjs-op';
import { tsDense } from '../kernels/reference';
import { BEAM_K_MAX, type CellWeights, type RecurrentKernel } from '../kernels/types';
import { topIndices } from '../decoding/beam';
import type { StepOutput, StepRequest } from '../decoding/types';
import type { GruWeights } from './gru';

/** Decoder state of one hypothesis: one hidden vector [H] per layer, bottom first. */
export type HiddenState = Float32Array[];

/** A decoder's GRU layers and output layer as arrays. */
export interface DecoderArrays {
  H: number;
  V: number;
  /** [V, E] */
  embedding: Float32Array;
  E: number;
  layers: CellWeights[];
  /** [H, V] */
  denseW: Float32Array;
  /** [V] */
  denseB: Float32Array;
  kernel: RecurrentKernel;
}

export function decoderArrays(d: { embedding: tf.Variable; layers: GruWeights[]; denseW: tf.Variable; denseB: tf.Variable }): DecoderArrays {
  const [V, E] = d.embedding.shape as [number, number];
  const H = d.denseW.shape[0] as number;
  const layers = d.layers.map((l): CellWeights => ({ wx: f32Weights(l.wx), wh: f32Weights(l.wh), b: f32Weights(l.b), ...(l.bhn ? { bhn: f32Weights(l.bhn) } : {}) }));
  // PyTorch-style GRUs (imported models) go to the kernel that computes them, as fusedRecurrent does.
  const kernel = kernelFor(currentKernel(), layers.some((l) => l.bhn !== undefined));
  return { H, V, E, embedding: f32Weights(d.embedding), layers, denseW: f32Weights(d.denseW), denseB: f32Weights(d.denseB), kernel };
}

/** Rows `tokens` of the embedding table, [n, E], written at column `offset` of rows `width` wide. */
export function embedRows(a: DecoderArrays, tokens: readonly number[], out: Float32Array, width: number, offset: number): void {
  const { E, embedding } = a;
  tokens.forEach((tok, i) => out.set(embedding.subarray(tok * E, (tok + 1) * E), i * width + offset));
}

/**
 * One time step of the GRU stack for n hypotheses (no dropout: inference). input [n, I0];
 * returns the top layer's output [n, H] and each hypothesis' new per-layer states.
 */
export function gruStep(a: DecoderArrays, input: Float32Array, states: readonly HiddenState[]): { top: Float32Array; states: HiddenState[] } {
  const n = states.length;
  const { H, layers, kernel } = a;
  const next: HiddenState[] = states.map(() => []);
  let x = input;
  for (let l = 0; l < layers.length; l++) {
    const h0 = new Float32Array(n * H);
    states.forEach((s, i) => h0.set(s[l], i * H));
    const r = kernel.forward('gru', { T: 1, B: n, I: x.length / n, H }, x, h0, null, layers[l], { cache: false });
    for (let i = 0; i < n; i++) next[i].push(r.hT.slice(i * H, (i + 1) * H));
    // the kernel's pooled outputs go back once read: a beam step would otherwise allocate them
    bufferPool.give(r.hT, l > 0 ? x : null);
    x = r.hs;
  }
  return { top: x, states: next };
}

/** y [n, V] = x [n, D] · W [D, V] + b on the kernel (its dense op, else the TypeScript reference). */
export function denseRows(kernel: RecurrentKernel, n: number, D: number, V: number, x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const dims = { N: n, D, V };
  if (kernel.decoderDense) return kernel.decoderDense(dims, x, w, b);
  return kernel.dense ? kernel.dense(dims, x, w, b, { fixedWeights: true }) : tsDense(dims, x, w, b);
}

/** log softmax of each row of logits [n, V], in place; returns the rows as views. */
export function logSoftmaxRows(logits: Float32Array, n: number, V: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * V, (i + 1) * V);
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (row[j] > max) max = row[j];
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(row[j] - max);
    const shift = max + Math.log(sum);
    for (let j = 0; j < V; j++) row[j] -= shift;
    rows.push(row);
  }
  return rows;
}

/** Step results from the output layer: the log-probability rows and, when asked for, each row's best tokens. */
export type OutputScores = Pick<StepOutput<HiddenState>, 'logProbs' | 'best'> & {
  /** the pooled array the rows are views of: the step gives it back at its next call (StepFn's contract) */
  logits: Float32Array;
};

/**
 * The output layer and its log-probabilities for the top layer's outputs [n, H], and with
 * `want.best` each row's best tokens. On a kernel with beamRows (native/src/beam_core.h) one
 * C pass per row finds the top logits and the exponentials' sum, leaving JavaScript one
 * subtraction per entry (same formula as logSoftmaxRows; the sum's exp is float, ~1e-7 relative,
 * where Math.exp is double). Selecting by logit is selecting by log P, except where rounding
 * x − logsumexp makes two log P equal: k + 1 are selected, the k re-ordered by (log P, id) as
 * topIndices orders them, and a row whose k-th and (k+1)-th log P are equal is selected again
 * by topIndices, so `best` is always exactly topIndices(row, k).
 */
export function outputScores(a: DecoderArrays, top: Float32Array, n: number, want: StepRequest = {}): OutputScores {
  const { V, kernel } = a;
  const logits = denseRows(kernel, n, a.H, V, top, a.denseW, a.denseB);
  const k = Math.min(want.best ?? 0, V);
  const K = Math.min(k + 1, V);
  bufferPool.give(top);
  if (!(k >= 1 && K <= BEAM_K_MAX) || !kernel.beamRows) return { logProbs: logSoftmaxRows(logits, n, V), logits };
  const r = kernel.beamRows(n, V, K, logits);
  const rows: Float32Array[] = [];
  const ids = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * V, (i + 1) * V);
    const shift = r.max[i] + Math.log(r.sum[i]);
    for (let j = 0; j < V; j++) row[j] -= shift;
    rows.push(row);
    const t = r.top.subarray(i * K, i * K + K);
    if (!Number.isFinite(shift) || (K > k && !(row[t[k - 1]] > row[t[k]]))) {
      ids.set(topIndices(row, k), i * k);
      continue;
    }
    // insertion sort of the k by log P (larger first), then id (lower first)
    const o = i * k;
    for (let q = 0; q < k; q++) {
      const id = t[q], v = row[id];
      let j = q;
      while (j > 0 && (row[ids[o + j - 1]] < v || (row[ids[o + j - 1]] === v && ids[o + j - 1] > id))) {
        ids[o + j] = ids[o + j - 1];
        j--;
      }
      ids[o + j] = id;
    }
  }
  return { logProbs: rows, best: { k, ids }, logits };
}
