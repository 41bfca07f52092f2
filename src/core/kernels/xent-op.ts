/**
 * Mean softmax cross-entropy of logits [N, V] against labels [N] as one TensorFlow.js op with
 * its gradient (softmax − one-hot) / N computed in the same pass. On the wasm and cpu
 * backends the oneHot / logSoftmax / mul / sum / mean chain and its gradient cost a dozen
 * dispatches and ~4 ms per training step at the textbook's shapes; this pass costs ~0.03 ms
 * in the current kernel's C (native/src/dense_core.h xent_rows) and ~0.5 ms in the
 * TypeScript loop below (kernels without it). Rows are reduced in float64 (the composite op
 * rounds each step to float32: differences ~1e-7). A label outside [0, V) is an error on
 * every path (./shape.ts checkXent), not a silent zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer-pool';
import { checkLabels } from './shape';
import { tsXent, xentLoss } from './xent-ts';
import { currentKernel } from './select';
import { readValues, release, tensorFrom } from './tensor-io';
import type { RecurrentKernel } from './types';

export { tsXent, xentLoss } from './xent-ts';

export function fusedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, opts: { kernel?: RecurrentKernel } = {}): tf.Scalar {
  const [N, V] = logits.shape;
  const y = Int32Array.from(labels.dataSync() as ArrayLike<number>);
  checkLabels(V, y);
  const kernel = opts.kernel ?? currentKernel();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const l = readValues(args[0] as tf.Tensor);
    const { grad, stat } = kernel.softmaxXent ? kernel.softmaxXent(N, V, l, y) : tsXent(N, V, l, y);
    const loss = xentLoss(N, V, l, y, stat);
    release(l);
    bufferPool.give(stat);
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.mul(tensorFrom(grad, [N, V]), Array.isArray(dy) ? dy[0] : dy)],
    };
  });
  return op(logits) as tf.Scalar;
}
