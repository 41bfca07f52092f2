import * as tf from '@tensorflow/tfjs';

/**
 * d2l's grad_clipping: if the global norm ‖g‖ of all gradients exceeds θ, scale them all by
 * θ / ‖g‖. Returns the clipped gradients (new tensors; the inputs are disposed) and the norm
 * before clipping. θ = 0 turns clipping off but still reports the norm.
 */
export function gradClipping(grads: tf.NamedTensorMap, theta: number): { grads: tf.NamedTensorMap; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))).dataSync()[0]);
  if (theta <= 0 || norm <= theta || !Number.isFinite(norm)) return { grads, norm };
  const scale = theta / norm;
  const clipped: tf.NamedTensorMap = {};
  for (const n of names) {
    clipped[n] = tf.mul(grads[n], scale);
    grads[n].dispose();
  }
  return { grads: clipped, norm };
}
