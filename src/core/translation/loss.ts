import * as tf from '@tensorflow/tfjs';

/**
 * d2l's sequence_mask: entries at positions ≥ valid_len of their row become `value`.
 * X: [B, T, …]; validLen: [B].
 */
export function sequenceMask(X: tf.Tensor, validLen: tf.Tensor1D | readonly number[], value = 0): tf.Tensor {
  return tf.tidy(() => {
    const T = X.shape[1]!;
    const len = Array.isArray(validLen) ? tf.tensor1d(validLen as number[], 'int32') : (validLen as tf.Tensor1D);
    let mask: tf.Tensor = tf.less(tf.range(0, T, 1, 'int32').expandDims(0), len.expandDims(1)); // [B, T]
    while (mask.rank < X.rank) mask = mask.expandDims(-1);
    return tf.where(tf.broadcastTo(mask, X.shape), X, tf.fill(X.shape, value, X.dtype));
  });
}

/**
 * d2l's MaskedSoftmaxCELoss: softmax cross-entropy per token, zero at padding, then the mean
 * over the time axis (all T steps, padding included, as the book's `.mean(dim=1)`).
 * pred: [B, T, V] logits; label: [B, T] int32; returns [B].
 */
export function maskedSoftmaxCELoss(pred: tf.Tensor3D, label: tf.Tensor2D, validLen: readonly number[] | tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const unweighted = tokenCrossEntropy(pred, label);
    const weights = sequenceMask(tf.onesLike(unweighted), validLen);
    return tf.mean(tf.mul(unweighted, weights), 1) as tf.Tensor1D;
  });
}

/** −log softmax(pred)[label] per position: [B, T]. */
export function tokenCrossEntropy(pred: tf.Tensor3D, label: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const V = pred.shape[2];
    const logp = tf.logSoftmax(pred, -1);
    return tf.neg(tf.sum(tf.mul(logp, tf.oneHot(label.toInt(), V)), -1)) as tf.Tensor2D;
  });
}
