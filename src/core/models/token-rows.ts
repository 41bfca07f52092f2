import * as tf from '@tensorflow/tfjs';
import { linear } from './linear';

/**
 * Rows of `table` for token ids = one-hot(ids) · table (the textbook's one-hot input). A gather
 * is far cheaper for large vocabularies, but its gradient needs UnsortedSegmentSum, which the
 * wasm backend lacks; there the explicit one-hot product runs instead (same numbers).
 */
export function tokenRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const hasScatter = tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined;
  if (hasScatter) return tf.gather(table, ids);
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const rows = linear(tf.oneHot(flat, table.shape[0]).toFloat() as tf.Tensor2D, table);
  return tf.reshape(rows, [...ids.shape, table.shape[1]]);
}
