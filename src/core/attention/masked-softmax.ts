/**
 * d2l 10.3's masked_softmax: a softmax over the last axis that gives exactly zero weight to
 * the key positions at or past each row's valid length (padding). Like the book, masked
 * scores are replaced by −10⁶ before the softmax, so exp underflows to 0 in float32.
 */
import * as tf from '@tensorflow/tfjs';

/** The book's replacement for masked scores. */
export const MASKED_SCORE = -1e6;

/**
 * Valid lengths, as in the book: none (plain softmax), one per batch row ([B], shared by
 * every query of that row), or one per query ([B, Tq]).
 */
export type ValidLens = readonly number[] | readonly (readonly number[])[] | tf.Tensor1D | tf.Tensor2D | null | undefined;

/** The [B, Tq] (or [B] for 2-D scores) valid lengths as an int32 tensor, or null for none. */
function lensTensor(validLens: ValidLens): tf.Tensor | null {
  if (validLens === null || validLens === undefined) return null;
  if (validLens instanceof tf.Tensor) return validLens.toInt();
  const arr = validLens as unknown[];
  return Array.isArray(arr[0]) ? tf.tensor2d(arr as number[][], undefined, 'int32') : tf.tensor1d(arr as number[], 'int32');
}

/**
 * scores: [B, Tk] (one query per row) or [B, Tq, Tk]; validLens per row or per query.
 * Returns the attention weights, same shape, each row summing to 1 over its valid keys.
 */
export function maskedSoftmax(scores: tf.Tensor, validLens?: ValidLens): tf.Tensor {
  return tf.tidy(() => {
    const lens = lensTensor(validLens);
    if (!lens) return tf.softmax(scores, -1);
    const Tk = scores.shape[scores.rank - 1];
    // [.., 1] lengths against [Tk] positions → a mask shaped like the scores (d2l's repeat_interleave).
    let len = lens;
    while (len.rank < scores.rank) len = len.expandDims(-1);
    const mask = tf.broadcastTo(tf.less(tf.range(0, Tk, 1, 'int32'), len), scores.shape);
    return tf.softmax(tf.where(mask, scores, tf.fill(scores.shape, MASKED_SCORE)), -1);
  });
}
