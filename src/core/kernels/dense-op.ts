/**
 * The fused dense layer as a TensorFlow.js op: logits = A·W + b in one kernel call (the LM's
 * output layer over all T·B rows), and its gradient dA = dY·Wᵀ, dW = Aᵀ·dY, db = Σ dY in one
 * more, on whichever kernel path is current (see ./select.ts; C in native/src/dense_core.h).
 * On the wasm and cpu tfjs backends this replaces a matMul, an add and their gradients
 * (transposes, two matMuls, a sum: ~4 ms of a training step at the textbook's shapes).
 * Built with tf.customGrad, so tf.variableGrads and the optimizers work unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { currentKernel } from './select';
import { f32Weights, readValues, recording, release, tensorFrom } from './tensor-io';
import type { DenseDims, RecurrentKernel } from './types';

export interface FusedDenseOptions {
  /** run on this kernel instead of the current one (tests, bench) */
  kernel?: RecurrentKernel;
}

/** True when `kernel` (default: the current one) runs the fused dense layer itself. */
export function hasFusedDense(kernel: RecurrentKernel = currentKernel()): boolean {
  return typeof kernel.dense === 'function' && typeof kernel.denseBackward === 'function';
}

/**
 * a [N, D] · w [D, V] + b [V] → [N, V]. Kernels without the dense layer get the plain tfjs
 * ops (same numbers within float rounding).
 */
export function fusedDense(a: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | tf.Tensor, opts: FusedDenseOptions = {}): tf.Tensor2D {
  if (a.rank !== 2) throw new Error(`fusedDense: a must be [N, D], got shape [${a.shape}]`);
  const [N, D] = a.shape;
  if (w.rank !== 2 || w.shape[0] !== D) throw new Error(`fusedDense: w must be [${D}, V], got shape [${w.shape}]`);
  const V = w.shape[1];
  if (b.size !== V) throw new Error(`fusedDense: b must have ${V} entries, got shape [${b.shape}]`);
  const kernel = opts.kernel ?? currentKernel();
  if (!hasFusedDense(kernel)) return tf.tidy(() => tf.add(tf.matMul(a, w), b) as tf.Tensor2D);
  const dims: DenseDims = { N, D, V };

  if (!recording()) {
    // Inference (generation, evaluation): weights read once per tensor (see f32Weights).
    const av = readValues(a);
    const y = kernel.dense!(dims, av, f32Weights(w), f32Weights(b), { fixedWeights: true });
    release(av);
    return tensorFrom(y, [N, V]);
  }

  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    // read once: the backward reuses these arrays (the tape keeps the op's inputs unchanged)
    const av = readValues(a);
    const wv = readValues(w);
    const bv = readValues(b);
    const value = tensorFrom<tf.Rank.R2>(kernel.dense!(dims, av, wv, bv), [N, V]);
    release(bv);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const dyv = readValues(Array.isArray(dy) ? dy[0] : dy);
      const g = kernel.denseBackward!(dims, av, wv, dyv);
      release(av, wv, dyv);
      return [tensorFrom(g.da, [N, D]), tensorFrom(g.dw, [D, V]), tensorFrom(g.db, b.shape)];
    };
    return { value, gradFunc };
  });
  return op(a, w, b) as tf.Tensor2D;
}
