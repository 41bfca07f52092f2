/**
 * d2l 10.3.2's additive attention: a(q, k) = w_vᵀ tanh(W_q q + W_k k), masked softmax over the
 * keys, dropout on the weights, then the weighted sum of the values. The three projections
 * have no bias, as in the book's nn.Linear(…, bias=False).
 *
 * `projectKeys` computes W_k k once per source sentence; `attend` takes the projected keys, so
 * a decoder that attends at every step (Bahdanau's) does not redo it — the numbers are the
 * book's, which recomputes the same product each step.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from '../translation/encoder-decoder';
import { fusedDense } from '../kernels/dense-op';
import { maskedSoftmax, type ValidLens } from './masked-softmax';
import { dropoutWeights, type AttentionOutput } from './attention-output';

export interface AdditiveWeights {
  /** [queryDim, numHiddens] */
  wq: tf.Variable | tf.Tensor2D;
  /** [keyDim, numHiddens] */
  wk: tf.Variable | tf.Tensor2D;
  /** [numHiddens, 1] */
  wv: tf.Variable | tf.Tensor2D;
}

/**
 * W_k k for keys [B, Tk, Dk] → [B, Tk, h], on the kernels' dense op (with a zero bias): the
 * gradient of tfjs-wasm's matMul for W_k is a transposed product that costs more than the
 * whole fused decoder loop.
 */
export function projectKeys(w: AdditiveWeights, keys: tf.Tensor3D): tf.Tensor3D {
  const [B, Tk, Dk] = keys.shape;
  const h = w.wk.shape[1] as number;
  return tf.tidy(() => fusedDense(keys.reshape([B * Tk, Dk]) as tf.Tensor2D, w.wk as tf.Tensor2D, tf.zeros([h])).reshape([B, Tk, h]) as tf.Tensor3D);
}

/**
 * Additive attention with keys already projected.
 * queries [B, Tq, Dq], projectedKeys [B, Tk, h], values [B, Tk, Dv] → context [B, Tq, Dv], weights [B, Tq, Tk].
 */
export function additiveAttend(
  w: AdditiveWeights,
  queries: tf.Tensor3D,
  projectedKeys: tf.Tensor3D,
  values: tf.Tensor3D,
  validLens: ValidLens,
  dropout: number,
  ctx: ForwardContext,
): AttentionOutput {
  const [B, Tq, Dq] = queries.shape;
  const [, Tk, h] = projectedKeys.shape;
  const q = tf.matMul(queries.reshape([B * Tq, Dq]), w.wq).reshape([B, Tq, 1, h]);
  // Every query against every key: [B, Tq, 1, h] + [B, 1, Tk, h] → [B, Tq, Tk, h].
  const features = tf.tanh(tf.add(q, projectedKeys.reshape([B, 1, Tk, h])));
  const scores = tf.matMul(features.reshape([B * Tq * Tk, h]), w.wv).reshape([B, Tq, Tk]);
  const weights = maskedSoftmax(scores, validLens) as tf.Tensor3D;
  return { context: tf.matMul(dropoutWeights(weights, dropout, ctx), values) as tf.Tensor3D, weights };
}

/** The book's AdditiveAttention.forward(queries, keys, values, valid_lens). */
export function additiveAttention(
  w: AdditiveWeights,
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  validLens: ValidLens,
  dropout = 0,
  ctx: ForwardContext = { training: false },
): AttentionOutput {
  return additiveAttend(w, queries, projectKeys(w, keys), values, validLens, dropout, ctx);
}
