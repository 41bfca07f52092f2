/**
 * The fused output layer + loss (src/core/kernels/head-loss-op.ts, native/src/lm_head_core.h):
 * on every kernel path that has it, its loss and the gradients of A, W and b equal the two ops
 * it replaces (fusedDense then fusedCrossEntropy) and the tfjs composite; with N = 1, N across
 * several row blocks and not a multiple of them, V not a multiple of 8 or 16; outside
 * variableGrads (evaluation) the loss alone; a label outside the vocabulary is an error naming
 * it. A path without it is skipped with the reason.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { fusedDense } from '../../src/core/kernels/dense-op';
import { hasFusedHeadLoss, headCrossEntropy } from '../../src/core/kernels/head-loss-op';
import { getKernel, kernelInfo, PATH_ORDER } from '../../src/core/kernels/select';
import { tsKernel } from '../../src/core/kernels/reference';
import type { HeadXentResult, KernelPath, RecurrentKernel } from '../../src/core/kernels/types';
import { fusedCrossEntropy } from '../../src/core/kernels/xent-op';
import { Rng } from '../../src/core/util/random';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

async function kernelOrReason(path: KernelPath): Promise<RecurrentKernel | string> {
  if (path === 'ts') return tsKernel;
  const k = await getKernel(path);
  if (!k) return kernelInfo().notes.find((n) => n.startsWith(`${path}:`)) ?? `${path}: did not load`;
  return hasFusedHeadLoss(k) ? k : `${path}: no fused output layer + loss on this path (it runs fusedDense and fusedCrossEntropy)`;
}

type Loss = (a: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, y: tf.Tensor1D) => tf.Scalar;

function lossAndGrads(f: Loss, N: number, D: number, V: number, seed: number) {
  const rng = new Rng(seed);
  const r = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal(0, s));
  const a = tf.tensor2d(r(N * D, 1), [N, D]), w = tf.tensor2d(r(D * V, 0.3), [D, V]), b = tf.tensor1d(r(V, 0.2));
  const y = tf.tensor1d(Int32Array.from({ length: N }, (_, i) => (i * 13 + 5) % V), 'int32');
  const out = tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, q: tf.Tensor, c: tf.Tensor) => tf.mul(f(x as tf.Tensor2D, q as tf.Tensor2D, c as tf.Tensor1D, y), 0.75) as tf.Scalar)([a, w, b]);
    return { loss: value.dataSync()[0], grads: grads.map((g) => Float32Array.from(g.dataSync())), plain: f(a, w, b, y).dataSync()[0] };
  });
  tf.dispose([a, w, b, y]);
  return out;
}

// the last two span several of the native kernel's vocabulary chunks (lm_head_core.h HC_COLS = 256), one of them partial
const SHAPES: [number, number, number][] = [[1, 5, 3], [7, 16, 29], [130, 20, 33], [64, 33, 17], [200, 48, 250], [90, 20, 601], [3, 8, 1030]];

for (const path of PATH_ORDER) {
  test(`${path}: loss and gradients equal fusedDense → fusedCrossEntropy and the tfjs composite`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    for (const [N, D, V] of SHAPES) {
      const what = `${path} N=${N} D=${D} V=${V}`;
      const fused = lossAndGrads((a, w, b, y) => headCrossEntropy(a, w, b, y, { kernel: k }), N, D, V, N + V);
      const twoOps = lossAndGrads((a, w, b, y) => fusedCrossEntropy(fusedDense(a, w, b, { kernel: k }), y, { kernel: k }), N, D, V, N + V);
      const composite = lossAndGrads((a, w, b, y) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, V), tf.add(tf.matMul(a, w), b)) as tf.Scalar, N, D, V, N + V);
      for (const ref of [twoOps, composite]) {
        assert.ok(Math.abs(fused.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss), `${what}: loss ${fused.loss} vs ${ref.loss}`);
        assert.ok(Math.abs(fused.plain - ref.plain) <= 1e-5 * Math.abs(ref.plain), `${what}: loss outside the tape ${fused.plain} vs ${ref.plain}`);
        fused.grads.forEach((g, i) => {
          const scale = Math.max(...ref.grads[i].map(Math.abs));
          for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j] - ref.grads[i][j]) <= 2e-5 * scale, `${what}: grad ${'AWb'[i]}[${j}] ${g[j]} vs ${ref.grads[i][j]}`);
        });
      }
    }
  });

  test(`${path}: a label outside the vocabulary is an error naming it`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    for (const bad of [-1, 3, 999]) {
      const msg = `Label ${bad} (row 1) is outside the vocabulary of size 3, so the cross-entropy loss is undefined.`;
      assert.throws(() => tf.tidy(() => headCrossEntropy(tf.ones([2, 4]) as tf.Tensor2D, tf.ones([4, 3]) as tf.Tensor2D, tf.zeros([3]), tf.tensor1d([0, bad], 'int32'), { kernel: k })), { message: msg });
      assert.throws(() => k.headXent!({ N: 2, D: 4, V: 3 }, new Float32Array(8), new Float32Array(12), new Float32Array(3), Int32Array.from([0, bad]), true), { message: msg });
    }
  });
}

test('native: the vocabulary\'s pieces on both threads equal one thread within rounding, and bit for bit on every repetition', async (t) => {
  const k = await getKernel('native');
  if (!k) return t.skip(kernelInfo().notes.find((n) => n.startsWith('native:')) ?? 'native: did not load');
  const split = k as RecurrentKernel & { headSplitMinWork: number; threads: number };
  if (split.threads < 2) return t.skip('native: loaded with one thread');
  // V over three chunks of lm_head_core.h HC_COLS (256): three pieces (addon.c HEAD_PIECES caps them at 4), the last one partial
  const N = 200, D = 24, V = 601;
  const rng = new Rng(4);
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 1));
  const a = r(N * D), w = r(D * V), b = r(V);
  const y = Int32Array.from({ length: N }, (_, i) => (i * 5) % V);
  const was = split.headSplitMinWork;
  const near = (x: Float32Array, ref: Float32Array, what: string) => ref.forEach((v, i) => assert.ok(Math.abs(x[i] - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${what}[${i}] ${x[i]} vs ${v}`));
  try {
    split.headSplitMinWork = Infinity;
    const one = k.headXent!({ N, D, V }, a, w, b, y, true);
    split.headSplitMinWork = 0;
    const first: HeadXentResult = k.headXent!({ N, D, V }, a, w, b, y, true);
    assert.deepEqual(first.picked, one.picked);
    near(first.stat, one.stat, 'stat');
    for (const f of ['da', 'dw', 'db'] as const) near(first.grads![f], one.grads![f], f);
    const lossOnly = k.headXent!({ N, D, V }, a, w, b, y, false);
    assert.deepEqual(lossOnly.stat, first.stat, 'the loss without gradients: the same stats');
    // the helper thread claims whichever pieces it reaches first: results must not depend on it
    for (let rep = 0; rep < 30; rep++) {
      const two: HeadXentResult = k.headXent!({ N, D, V }, a, w, b, y, true);
      assert.deepEqual(two.stat, first.stat);
      for (const f of ['da', 'dw', 'db'] as const) assert.deepEqual(two.grads![f], first.grads![f], `${f}, repetition ${rep}`);
    }
  } finally {
    split.headSplitMinWork = was;
  }
});
