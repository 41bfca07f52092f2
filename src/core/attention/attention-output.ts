import * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from '../translation/encoder-decoder';

/** What an attention pooling returns: the context and the weights that produced it (for the panels). */
export interface AttentionOutput {
  /** [B, Tq, Dv] */
  context: tf.Tensor3D;
  /** [B, Tq, Tk], before dropout: each row sums to 1 over the valid keys */
  weights: tf.Tensor3D;
}

/** The book's self.dropout(self.attention_weights): only while training; the returned weights stay undropped. */
export function dropoutWeights(weights: tf.Tensor3D, rate: number, ctx: ForwardContext): tf.Tensor3D {
  if (!ctx.training || rate === 0) return weights;
  return tf.dropout(weights, rate, undefined, ctx.nextSeed?.()) as tf.Tensor3D;
}
