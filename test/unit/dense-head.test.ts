/**
 * The fused dense layer (the LM's output layer, native/src/dense_core.h + the TS reference):
 * on every kernel path that loads here, forward and all gradients equal the plain tfjs ops on
 * awkward shapes (one row, widths not multiples of the SIMD / panel widths, many rows); no
 * tensor leaks; an LM trained with the fused head follows the same losses as with tfjs ops.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { fusedDense, hasFusedDense } from '../../src/core/kernels/dense-op';
import { currentKernel, useKernelPath } from '../../src/core/kernels/select';
import { tsKernel } from '../../src/core/kernels/reference';
import type { RecurrentKernel } from '../../src/core/kernels/types';
import { defaultFusedHead, RecurrentLM } from '../../src/core/models/rnn-lm';
import { crossEntropy } from '../../src/core/training/lm-trainer';
import { gradClipping } from '../../src/core/training/grad-clipping';
import { Rng } from '../../src/core/util/random';
import { availableKernelsForTest } from './kernels-helpers';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

let seed = 777;
function rand(shape: number[], scale = 1): tf.Tensor {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return tf.randomUniform(shape, -scale, scale, 'float32', seed);
}

function close(a: tf.Tensor | Float32Array, b: tf.Tensor | Float32Array, tol: number, what: string): void {
  const x = a instanceof Float32Array ? a : (a.dataSync() as Float32Array);
  const y = b instanceof Float32Array ? b : (b.dataSync() as Float32Array);
  assert.equal(x.length, y.length, `${what}: length`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    assert.ok(Number.isFinite(x[i]), `${what}: non-finite value at ${i}`);
    maxAbs = Math.max(maxAbs, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  assert.ok(maxAbs <= tol * Math.max(1, scale), `${what}: max |diff| ${maxAbs} (scale ${scale})`);
}

// N = 1, V and D not multiples of 4 / 8 / 16, V = 28 (the textbook's vocabulary), many rows.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 5, 3], [1, 256, 28], [2, 7, 17], [7, 13, 28], [33, 19, 5], [65, 37, 45], [300, 100, 33], [1120, 256, 28], [1201, 33, 61],
];

test('kernel dense / denseBackward equal the plain tfjs products on every path', async () => {
  const kernels = await availableKernelsForTest();
  assert.ok(kernels.every((k) => hasFusedDense(k)), `paths without the dense layer: ${kernels.filter((k) => !hasFusedDense(k)).map((k) => k.path)}`);
  for (const [N, D, V] of SHAPES) {
    tf.tidy(() => {
      const a = rand([N, D]) as tf.Tensor2D, w = rand([D, V], 0.5) as tf.Tensor2D, b = rand([V]) as tf.Tensor1D, dy = rand([N, V]) as tf.Tensor2D;
      const y = tf.add(tf.matMul(a, w), b);
      const da = tf.matMul(dy, w, false, true), dw = tf.matMul(a, dy, true, false), db = tf.sum(dy, 0);
      const av = a.dataSync() as Float32Array, wv = w.dataSync() as Float32Array;
      for (const k of kernels) {
        // two-thread kernels run the head on one thread by default; also check their split
        const splittable = k as RecurrentKernel & { denseSplitMinWork?: number };
        const modes = splittable.denseSplitMinWork !== undefined ? [Infinity, 0] : [Infinity];
        for (const minWork of modes) {
          if (splittable.denseSplitMinWork !== undefined) splittable.denseSplitMinWork = minWork;
          const what = `${k.path}${minWork === 0 ? ' (split)' : ''} N=${N} D=${D} V=${V}`;
          const dims = { N, D, V };
          try {
            close(k.dense!(dims, av, wv, b.dataSync() as Float32Array), y, 1e-5, `${what} y`);
            const g = k.denseBackward!(dims, av, wv, dy.dataSync() as Float32Array);
            close(g.da, da, 1e-5, `${what} dA`);
            // K = N reduction: float sums of up to 1,201 terms
            close(g.dw, dw, 1e-5, `${what} dW`);
            close(g.db, db, 1e-5, `${what} db`);
          } finally {
            if (splittable.denseSplitMinWork !== undefined) splittable.denseSplitMinWork = Infinity;
          }
        }
      }
    });
  }
});

test('fusedDense: value and variableGrads equal tf.matMul + add on every path', async () => {
  const kernels = await availableKernelsForTest();
  for (const [N, D, V] of SHAPES) {
    const wv = tf.variable(rand([D, V], 0.5)), bv = tf.variable(rand([V]));
    const a = rand([N, D]) as tf.Tensor2D, r = rand([N, V]);
    const loss = (f: (x: tf.Tensor2D) => tf.Tensor) => () => {
      const x = tf.tanh(a) as tf.Tensor2D; // a tensor produced on the tape, so its gradient flows
      return tf.sum(tf.mul(tf.square(f(x)), r)) as tf.Scalar;
    };
    const ref = tf.variableGrads(loss((x) => tf.add(tf.matMul(x, wv), bv)), [wv, bv]);
    const refDa = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.add(tf.matMul(x, wv), bv)), r)))(tf.tanh(a));
    for (const k of kernels) {
      const what = `${k.path} N=${N} D=${D} V=${V}`;
      tf.tidy(() => {
        close(fusedDense(a, wv as tf.Tensor as tf.Tensor2D, bv, { kernel: k }), tf.add(tf.matMul(a, wv), bv), 1e-5, `${what} value`);
        const got = tf.variableGrads(loss((x) => fusedDense(x, wv as tf.Tensor as tf.Tensor2D, bv, { kernel: k })), [wv, bv]);
        close(got.value, ref.value, 1e-5, `${what} loss`);
        close(got.grads[wv.name], ref.grads[wv.name], 1e-4, `${what} dW`);
        close(got.grads[bv.name], ref.grads[bv.name], 1e-4, `${what} db`);
        const gotDa = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.square(fusedDense(x as tf.Tensor2D, wv as tf.Tensor as tf.Tensor2D, bv, { kernel: k })), r)))(tf.tanh(a));
        close(gotDa, refDa, 1e-4, `${what} dA`);
      });
    }
    tf.dispose([wv, bv, a, r, ref.value, refDa, ...Object.values(ref.grads)]);
  }
});

test('fusedDense falls back to tfjs ops on a kernel without the dense layer, and checks shapes', () => {
  const bare: RecurrentKernel = { path: 'ts', forward: tsKernel.forward, backward: tsKernel.backward };
  assert.equal(hasFusedDense(bare), false);
  tf.tidy(() => {
    const a = rand([3, 4]) as tf.Tensor2D, w = rand([4, 5]) as tf.Tensor2D, b = rand([5]);
    close(fusedDense(a, w, b, { kernel: bare }), tf.add(tf.matMul(a, w), b), 1e-6, 'fallback');
    assert.throws(() => fusedDense(a, rand([3, 5]) as tf.Tensor2D, b), /w must be \[4, V\]/);
    assert.throws(() => fusedDense(a, w, rand([4])), /b must have 5 entries/);
    assert.throws(() => tsKernel.dense!({ N: 3, D: 4, V: 5 }, new Float32Array(11), new Float32Array(20), new Float32Array(5)), /a must be \[3, 4\]/);
  });
});

test('no tensor leaks over 100 training steps (and 50 inference calls) with the fused head', async () => {
  for (const k of await availableKernelsForTest()) {
    const w = tf.variable(rand([9, 28], 0.3)), b = tf.variable(tf.zeros([28]));
    const a = rand([70, 9]) as tf.Tensor2D;
    const labels = tf.tensor1d(Array.from({ length: 70 }, (_, i) => (i * 5) % 28), 'int32');
    const opt = tf.train.sgd(0.1);
    let before = 0;
    for (let s = 0; s < 100; s++) {
      if (s === 5) before = tf.memory().numTensors;
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(fusedDense(a, w as tf.Tensor as tf.Tensor2D, b, { kernel: k }), labels), [w, b]);
        value.dataSync();
        opt.applyGradients(grads);
      });
    }
    assert.equal(tf.memory().numTensors, before, `${k.path}: tensors leaked`);
    const n0 = tf.memory().numTensors;
    for (let s = 0; s < 50; s++) tf.tidy(() => void fusedDense(tf.slice(a, [s % 70, 0], [1, 9]) as tf.Tensor2D, w as tf.Tensor as tf.Tensor2D, b, { kernel: k }).dataSync());
    assert.equal(tf.memory().numTensors, n0, `${k.path}: inference leaked`);
    tf.dispose([w, b, a, labels]);
    opt.dispose();
  }
});

test('an LM trained 20 steps with the fused head follows the tfjs-ops head (1e-4 relative), on every path', async () => {
  const T = 12, B = 6, V = 28, H = 40;
  const X = tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % V), [T, B], 'int32');
  const Y = tf.tensor1d(Array.from({ length: T * B }, (_, i) => (i * 13 + 1) % V), 'int32');
  const train = (head: 'fused' | 'ops') => {
    const m = new RecurrentLM({ kind: 'gru', impl: 'fused', vocabSize: V, hidden: H, layers: 1, bidirectional: false, embedding: 0, seed: 3 });
    // weights larger than d2l's 0.01 init, so the head's products matter to the loss
    const rng = new Rng(5);
    m.loadWeights(new Map(Object.entries(m.namedWeights()).map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from({ length: t.size }, () => rng.normal(0, 0.3)) }])));
    const opt = tf.train.sgd(1);
    const losses: number[] = [];
    for (let s = 0; s < 20; s++) {
      tf.tidy(() => {
        const st = m.beginState(B);
        const { value, grads } = tf.variableGrads(() => crossEntropy(m.forward(X, st, { head }).logits, Y), m.variables());
        losses.push(value.dataSync()[0]);
        opt.applyGradients(gradClipping(grads, 1).grads);
      });
    }
    m.dispose();
    opt.dispose();
    return losses;
  };
  const saved = currentKernel().path;
  try {
    for (const k of await availableKernelsForTest()) {
      assert.ok(await useKernelPath(k.path));
      const ref = train('ops');
      // count the kernel's dense calls, to be sure the fused head ran on this path
      const calls = { fwd: 0, bwd: 0 };
      const spy = k as { dense?: RecurrentKernel['dense']; denseBackward?: RecurrentKernel['denseBackward'] };
      const own = { dense: Object.getOwnPropertyDescriptor(k, 'dense'), denseBackward: Object.getOwnPropertyDescriptor(k, 'denseBackward') };
      const [fwd, bwd] = [k.dense!.bind(k), k.denseBackward!.bind(k)];
      Object.defineProperty(k, 'dense', { configurable: true, writable: true, value: (...a: Parameters<typeof fwd>) => (calls.fwd++, fwd(...a)) });
      Object.defineProperty(k, 'denseBackward', { configurable: true, writable: true, value: (...a: Parameters<typeof bwd>) => (calls.bwd++, bwd(...a)) });
      let got: number[];
      try {
        got = train('fused');
      } finally {
        for (const name of ['dense', 'denseBackward'] as const) {
          if (own[name]) Object.defineProperty(k, name, own[name]);
          else delete spy[name];
        }
      }
      assert.deepEqual(calls, { fwd: 20, bwd: 20 }, `${k.path}: fused head kernel calls`);
      const worst = Math.max(...got.map((v, i) => Math.abs(v - ref[i]) / Math.abs(ref[i])));
      if (process.env.SEQLAB_TEST_VERBOSE) console.log(`${k.path}: losses ${ref[0]} → ${ref[19]}, max relative difference ${worst}`);
      assert.ok(worst <= 1e-4, `${k.path}: max relative loss difference ${worst}`);
      assert.ok(ref[19] < ref[0], `${k.path}: the model learns (${ref[0]} → ${ref[19]})`);
      // the default: fused on compiled paths, tfjs ops on the TS reference path
      assert.equal(defaultFusedHead('fused'), k.path !== 'ts', `${k.path}: default head`);
      assert.equal(defaultFusedHead('scratch'), false);
    }
  } finally {
    await useKernelPath(saved);
    tf.dispose([X, Y]);
  }
});

test('fixed weights: a kernel that keeps its packed copy gives the same rows on every call, and a new weight array is packed anew', async () => {
  const kernels = await availableKernelsForTest();
  for (const k of kernels) {
    const [N, D, V] = [3, 37, 301];
    const a = Float32Array.from({ length: N * D }, (_, i) => Math.sin(i));
    const w1 = Float32Array.from({ length: D * V }, (_, i) => Math.cos(i) * 0.1);
    const w2 = Float32Array.from(w1, (x) => x * -2);
    const b = Float32Array.from({ length: V }, (_, i) => i / V);
    const plain1 = Float32Array.from(k.dense!({ N, D, V }, a, w1, b));
    const plain2 = Float32Array.from(k.dense!({ N, D, V }, a, w2, b));
    for (let rep = 0; rep < 3; rep++) {
      assert.deepEqual(Float32Array.from(k.dense!({ N, D, V }, a, w1, b, { fixedWeights: true })), plain1, `${k.path}: w1, call ${rep}`);
      assert.deepEqual(Float32Array.from(k.dense!({ N, D, V }, a, w2, b, { fixedWeights: true })), plain2, `${k.path}: w2, call ${rep}`);
    }
  }
});
