/**
 * d2l 10.3.3's scaled dot-product attention: a(q, k) = qᵀk / √d, masked softmax over the keys,
 * dropout on the weights, the weighted sum of the values. No parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from '../translation/encoder-decoder';
import { maskedSoftmax, type ValidLens } from './masked-softmax';
import { dropoutWeights, type AttentionOutput } from './attention-output';

/** queries [B, Tq, d], keys [B, Tk, d], values [B, Tk, Dv] → context [B, Tq, Dv], weights [B, Tq, Tk]. */
export function dotProductAttention(
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  validLens?: ValidLens,
  dropout = 0,
  ctx: ForwardContext = { training: false },
): AttentionOutput {
  const d = queries.shape[2];
  const scores = tf.div(tf.matMul(queries, keys, false, true), Math.sqrt(d));
  const weights = maskedSoftmax(scores, validLens) as tf.Tensor3D;
  return { context: tf.matMul(dropoutWeights(weights, dropout, ctx), values) as tf.Tensor3D, weights };
}
