/**
 * The language model's output layer and its loss as one TensorFlow.js op: the mean softmax
 * cross-entropy of A[N, D]·W[D, V] + b against labels [N], with the gradients of A, W and b
 * computed in the same kernel pass (native/src/lm_head_core.h; TypeScript in ./reference.ts).
 * The logits [N, V] never become a tensor: at a word vocabulary (V = 4,580, N = 1,120) they
 * and their gradient are 20 MB each, and fusedDense → fusedCrossEntropy → the dense backward
 * moved them between tfjs and the kernels four times and ran the GEMMs memory-bound (~280 ms
 * of a ~390 ms step on the native path). Same numbers as those two ops (dW and db summed in
 * row blocks: rounding differences ~1e-7). A label outside [0, V) is an error naming it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer-pool';
import { fusedDense } from './dense-op';
import { kernelNotice } from './notices';
import { currentKernel } from './select';
import { checkLabels } from './shape';
import { peekValues, recording, tensorFrom } from './tensor-io';
import type { DenseDims, HeadXentResult, RecurrentKernel } from './types';
import { fusedCrossEntropy } from './xent-op';

/** True when `kernel` (default: the current one) runs the head and loss as one op. */
export function hasFusedHeadLoss(kernel: RecurrentKernel = currentKernel()): boolean {
  return typeof kernel.headXent === 'function';
}

const noticed = new Set<string>();

/** The mean loss from a pass's per-row stats: Σ (max + log Σexp − logit of the label) / N. */
export function meanLoss(N: number, r: HeadXentResult): number {
  let total = 0;
  for (let n = 0; n < N; n++) total += r.stat[2 * n] + Math.log(r.stat[2 * n + 1]) - r.picked[n];
  return total / N;
}

/**
 * Mean softmax cross-entropy of a·w + b against `labels` (int32 [N]); differentiable in a, w
 * and b. Kernels without the fused pass (an addon built before it) run fusedDense and
 * fusedCrossEntropy instead, with a notice.
 */
export function headCrossEntropy(a: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | tf.Tensor, labels: tf.Tensor1D, opts: { kernel?: RecurrentKernel } = {}): tf.Scalar {
  const kernel = opts.kernel ?? currentKernel();
  if (!hasFusedHeadLoss(kernel)) {
    if (!noticed.has(kernel.path)) {
      noticed.add(kernel.path);
      kernelNotice(`the ${kernel.path} kernel has no fused output layer + loss (an addon or wasm module built before it: npm run build:native / build:kernels); they run as two ops, fusedDense and fusedCrossEntropy`);
    }
    return fusedCrossEntropy(fusedDense(a, w, b, { kernel }), labels, { kernel });
  }
  const [N, D] = a.shape;
  const V = w.shape[1];
  if (w.shape[0] !== D || b.size !== V || labels.size !== N) throw new Error(`head loss: a [${a.shape}], w [${w.shape}], b [${b.shape}] and labels [${labels.shape}] do not fit`);
  const y = Int32Array.from(labels.dataSync() as ArrayLike<number>);
  checkLabels(V, y);
  const dims: DenseDims = { N, D, V };
  // the kernel reads a, w and b at once: views of the wasm heap, no copies
  const pass = (grads: boolean) => kernel.headXent!(dims, peekValues(a), peekValues(w), peekValues(b), y, grads);
  if (!recording()) {
    const r = pass(false);
    const loss = meanLoss(N, r);
    bufferPool.give(r.stat, r.picked);
    return tf.scalar(loss);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    const r = pass(true);
    const loss = meanLoss(N, r);
    bufferPool.give(r.stat, r.picked);
    const g = r.grads!;
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const s = (Array.isArray(dy) ? dy[0] : dy).dataSync()[0];
        const out = [tensorFrom(g.da, [N, D]), tensorFrom(g.dw, [D, V]), tensorFrom(g.db, b.shape)];
        if (s === 1) return out;
        return out.map((t) => tf.tidy(() => tf.mul(t, s)));
      },
    };
  });
  return op(a, w, b) as tf.Scalar;
}
