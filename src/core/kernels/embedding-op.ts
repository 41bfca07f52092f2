/**
 * nn.Embedding's lookup as a TensorFlow.js op: rows of a table [V, E] for int32 token ids of
 * any shape → [...ids, E]. The forward is a row gather and the gradient a scatter-add of the
 * output gradient into the rows that were read, both in the current kernel path's C
 * (native/src/embedding_core.h: native addon, wasm SIMD; TypeScript in ./reference.ts).
 * tfjs's own gather costs ~3 ms for 640 rows × 96 on the wasm backend, and its gradient
 * (UnsortedSegmentSum) is O(V · ids) on the cpu backend and missing on wasm, where the
 * language model used to multiply a one-hot [T·B, V] matrix by the table instead.
 * The gradient is dense [V, E] (as PyTorch's nn.Embedding without sparse=True), so tfjs's
 * optimizers take it unchanged; rows no id read are zero. An id outside [0, V) is an error
 * naming it and V (./shape.ts checkEmbedding), on every path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelNotice } from './notices';
import { tsEmbeddingGather, tsEmbeddingScatter } from './reference';
import { currentKernel } from './select';
import { checkEmbedding } from './shape';
import { peekValues, recording, tensorFrom } from './tensor-io';
import type { RecurrentKernel } from './types';

export interface EmbeddingOptions {
  /** run on this kernel instead of the current one (tests, bench) */
  kernel?: RecurrentKernel;
}

/** True when `kernel` (default: the current one) runs the embedding op itself. */
export function hasFusedEmbedding(kernel: RecurrentKernel = currentKernel()): boolean {
  return typeof kernel.embeddingGather === 'function' && typeof kernel.embeddingScatter === 'function';
}

const noticed = new Set<string>();

/** The kernel's gather and scatter, or the TypeScript ones (same numbers: row copies and sums) with a notice. */
export function embeddingOps(kernel: RecurrentKernel): Required<Pick<RecurrentKernel, 'embeddingGather' | 'embeddingScatter'>> {
  if (hasFusedEmbedding(kernel)) return { embeddingGather: kernel.embeddingGather!, embeddingScatter: kernel.embeddingScatter! };
  if (!noticed.has(kernel.path)) {
    noticed.add(kernel.path);
    kernelNotice(`the ${kernel.path} kernel predates the embedding op (rebuild it: npm run build:native / build:kernels); embeddings are gathered in TypeScript`);
  }
  return { embeddingGather: tsEmbeddingGather, embeddingScatter: tsEmbeddingScatter };
}

/** The ids as an Int32Array (a copy: the backward reads them after the tensor may be gone). */
function idValues(ids: tf.Tensor): Int32Array {
  if (ids.dtype !== 'int32') throw new Error(`embedding: token ids must be int32, got ${ids.dtype}`);
  return Int32Array.from(ids.dataSync() as Int32Array);
}

/** rows of table [V, E] for ids (int32, any shape) → [...ids.shape, E]; differentiable in the table. */
export function embeddingLookup(table: tf.Tensor2D | tf.Variable, ids: tf.Tensor, opts: EmbeddingOptions = {}): tf.Tensor {
  if (table.rank !== 2) throw new Error(`embedding: the table must be [V, E], got shape [${table.shape}]`);
  const [V, E] = table.shape as [number, number];
  const idv = idValues(ids);
  checkEmbedding(V, E, table.size, idv);
  const k = embeddingOps(opts.kernel ?? currentKernel());
  const shape = [...ids.shape, E];
  const gather = (t: tf.Tensor) => tensorFrom(k.embeddingGather(V, E, peekValues(t), idv), shape);
  if (!recording()) return gather(table);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: gather(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const dtable = k.embeddingScatter(V, E, idv, peekValues(Array.isArray(dy) ? dy[0] : dy));
      return [tensorFrom(dtable, [V, E])];
    },
  }));
  return op(table);
}
