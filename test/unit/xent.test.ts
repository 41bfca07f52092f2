/**
 * Softmax cross-entropy (src/core/kernels/xent-op.ts, dense_core.h xent_rows): every kernel
 * path that has it agrees with the TypeScript loop and with tfjs's composite op (oneHot ·
 * logSoftmax) in value and gradient, on widths that are not multiples of the SIMD widths;
 * labels outside the vocabulary are an error naming the label and the vocabulary size (they
 * used to count as zero loss while dividing by N); non-finite logits give a NaN loss, so
 * training reports divergence.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { fusedCrossEntropy, tsXent, xentLoss } from '../../src/core/kernels/xent-op';
import { Rng } from '../../src/core/util/random';
import { availableKernelsForTest } from './kernels-helpers';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

function composite(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

function lossAndGrad(f: (l: tf.Tensor2D, y: tf.Tensor1D) => tf.Scalar, l: Float32Array, y: Int32Array, N: number, V: number) {
  return tf.tidy(() => {
    const labels = tf.tensor1d(y, 'int32');
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => f(x as tf.Tensor2D, labels))(tf.tensor2d(l, [N, V]));
    return { loss: value.dataSync()[0], grad: Float32Array.from(grad.dataSync()) };
  });
}

function close(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

test('every kernel path equals the TypeScript loop and the composite op (V = 2, 3, 28, 33, 70)', async () => {
  const rng = new Rng(5);
  const kernels = await availableKernelsForTest();
  assert.ok(kernels.some((k) => k.path.startsWith('wasm') && k.softmaxXent), 'the wasm kernels have the C loop');
  for (const kernel of kernels) {
    for (const V of [2, 3, 28, 33, 70]) {
      const N = 13;
      const l = Float32Array.from({ length: N * V }, () => rng.normal(0, 3));
      const y = Int32Array.from({ length: N }, (_, i) => (i * 5) % V);
      const what = `${kernel.path} V=${V}`;
      const ts = tsXent(N, V, l, y);
      if (kernel.softmaxXent) {
        const k = kernel.softmaxXent(N, V, l, y);
        close(k.grad, ts.grad, 1e-7, `${what} grad vs ts`);
        close(k.stat, ts.stat, 1e-5, `${what} stat vs ts`);
        assert.ok(Math.abs(xentLoss(N, V, l, y, k.stat) - xentLoss(N, V, l, y, ts.stat)) < 1e-6, `${what} loss`);
      }
      const fused = lossAndGrad((a, b) => fusedCrossEntropy(a, b, { kernel }), l, y, N, V);
      const ref = lossAndGrad(composite, l, y, N, V);
      assert.ok(Math.abs(fused.loss - ref.loss) <= 1e-5 * Math.max(1, Math.abs(ref.loss)), `${what}: loss ${fused.loss} vs ${ref.loss}`);
      close(fused.grad, ref.grad, 1e-6, `${what} grad vs composite`);
    }
  }
});

test('a label outside the vocabulary is an error on every path, naming the label and the vocabulary size', async () => {
  for (const kernel of await availableKernelsForTest()) {
    for (const bad of [-1, 3, 1000]) {
      const l = Float32Array.from([0, 1, 2, 2, 0, 1]);
      const y = Int32Array.from([0, bad]);
      const msg = `Label ${bad} (row 1) is outside the vocabulary of size 3, so the cross-entropy loss is undefined.`;
      assert.throws(() => tf.tidy(() => fusedCrossEntropy(tf.tensor2d(l, [2, 3]), tf.tensor1d(y, 'int32'), { kernel })), { message: msg }, kernel.path);
      if (kernel.softmaxXent) assert.throws(() => kernel.softmaxXent!(2, 3, l, y), { message: msg }, `${kernel.path} softmaxXent`);
      assert.throws(() => tsXent(2, 3, l, y), { message: msg });
    }
  }
});

test('non-finite logits give a NaN loss on every path', async () => {
  for (const kernel of await availableKernelsForTest()) {
    for (const bad of [NaN, Infinity]) {
      const l = Float32Array.from([0, 1, bad, 2, 0, 1]);
      const loss = tf.tidy(() => fusedCrossEntropy(tf.tensor2d(l, [2, 3]), tf.tensor1d([0, 1], 'int32'), { kernel }).dataSync()[0]);
      assert.ok(Number.isNaN(loss), `${kernel.path} ${bad}: loss ${loss}`);
    }
  }
});
