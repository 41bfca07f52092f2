import type * as tf from '@tensorflow/tfjs';
import { dropoutTensor } from '../kernels/dropout-mask';
import type { ForwardContext } from '../translation/encoder-decoder';

/** What an attention pooling returns: the context and the weights that produced it (for the panels). */
export interface AttentionOutput {
  /** [B, Tq, Dv] */
  context: tf.Tensor3D;
  /** [B, Tq, Tk], before dropout: each row sums to 1 over the valid keys */
  weights: tf.Tensor3D;
}

/** The book's self.dropout(self.attention_weights): only while training (Seqlab's counter-based masks); the returned weights stay undropped. */
export function dropoutWeights(weights: tf.Tensor3D, rate: number, ctx: ForwardContext): tf.Tensor3D {
  return dropoutTensor(weights, rate, ctx);
}
