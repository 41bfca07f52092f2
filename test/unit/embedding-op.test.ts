/**
 * The kernel embedding op (src/core/kernels/embedding-op.ts, native/src/embedding_core.h):
 * on every kernel path, its rows equal tf.gather and its table gradient equals tf.gather's
 * (tfjs's UnsortedSegmentSum on the cpu backend), with repeated ids, a batch of one, a
 * vocabulary and width that are not multiples of 8, and ids of rank 1 and 2; out-of-range ids
 * are an error naming the id and V on every path, and nothing is silently zero. A path absent on
 * this machine is skipped with the reason it did not load.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { embeddingLookup, hasFusedEmbedding } from '../../src/core/kernels/embedding-op';
import { getKernel, kernelInfo, PATH_ORDER } from '../../src/core/kernels/select';
import { tsKernel } from '../../src/core/kernels/reference';
import type { NativeKernel } from '../../src/core/kernels/native-kernel';
import type { KernelPath, RecurrentKernel } from '../../src/core/kernels/types';
import { Rng } from '../../src/core/util/random';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

async function kernelOrReason(path: KernelPath): Promise<RecurrentKernel | string> {
  if (path === 'ts') return tsKernel;
  const k = await getKernel(path);
  return k ?? (kernelInfo().notes.find((n) => n.startsWith(`${path}:`)) ?? `${path}: did not load`);
}

/** value and table gradient of sum(lookup(table, ids) ⊙ weights): weights make every row's gradient distinct */
function valueAndGrad(lookup: (t: tf.Tensor2D, i: tf.Tensor) => tf.Tensor, table: Float32Array, V: number, E: number, ids: Int32Array, shape: number[]) {
  return tf.tidy(() => {
    const t = tf.tensor2d(table, [V, E]);
    const i = tf.tensor(ids, shape, 'int32');
    const w = tf.tensor(Float32Array.from({ length: ids.length * E }, (_, k) => Math.sin(k + 1)), [...shape, E]);
    const value = Float32Array.from(lookup(t, i).dataSync());
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(lookup(x as tf.Tensor2D, i), w)))(t);
    return { value, grad: Float32Array.from(grad.dataSync()), shape: lookup(t, i).shape };
  });
}

const CASES: { what: string; V: number; E: number; shape: number[]; ids: (V: number) => number[] }[] = [
  { what: 'repeated ids, [T, B] = [4, 3]', V: 13, E: 5, shape: [4, 3], ids: (V) => [0, 1, 1, 12, 0, 0, 7, 7, 7, 3, V - 1, 2] },
  { what: 'batch 1, [T, B] = [6, 1]', V: 29, E: 17, shape: [6, 1], ids: () => [5, 5, 28, 0, 5, 11] },
  { what: 'a vector of ids, V = 201, E = 32', V: 201, E: 32, shape: [40], ids: (V) => Array.from({ length: 40 }, (_, k) => (k * 37) % V) },
  { what: 'one id', V: 3, E: 1, shape: [1], ids: () => [2] },
];

for (const path of PATH_ORDER) {
  test(`${path}: rows and table gradient equal tf.gather's`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    assert.ok(hasFusedEmbedding(k), `${path} runs the embedding op itself`);
    const rng = new Rng(3);
    for (const c of CASES) {
      const table = Float32Array.from({ length: c.V * c.E }, () => rng.normal(0, 1));
      const ids = Int32Array.from(c.ids(c.V));
      const ref = valueAndGrad((x, i) => tf.gather(x, i), table, c.V, c.E, ids, c.shape);
      const got = valueAndGrad((x, i) => embeddingLookup(x, i, { kernel: k }), table, c.V, c.E, ids, c.shape);
      assert.deepEqual(got.shape, [...c.shape, c.E], `${path} ${c.what}: shape`);
      assert.deepEqual(got.value, ref.value, `${path} ${c.what}: rows are copies`);
      for (let j = 0; j < ref.grad.length; j++) {
        assert.ok(Math.abs(got.grad[j] - ref.grad[j]) <= 1e-6 * Math.max(1, Math.abs(ref.grad[j])), `${path} ${c.what}: grad[${j}] ${got.grad[j]} vs ${ref.grad[j]}`);
      }
      // rows nobody read have exactly zero gradient
      const read = new Set(ids);
      for (let v = 0; v < c.V; v++) if (!read.has(v)) for (let j = 0; j < c.E; j++) assert.equal(got.grad[v * c.E + j], 0, `${path} ${c.what}: row ${v}`);
    }
  });

  test(`${path}: an id outside the vocabulary is an error naming the id and V`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    for (const bad of [-1, 4, 100000]) {
      const msg = `Embedding: token id ${bad} (position 1) is outside the vocabulary of size 4.`;
      assert.throws(() => tf.tidy(() => embeddingLookup(tf.ones([4, 3]) as tf.Tensor2D, tf.tensor1d([0, bad], 'int32'), { kernel: k })), { message: msg });
      // the kernel's own entry points check too (they also guard the C)
      assert.throws(() => k.embeddingGather!(4, 3, new Float32Array(12), Int32Array.from([0, bad])), { message: msg });
      assert.throws(() => k.embeddingScatter!(4, 3, Int32Array.from([0, bad]), new Float32Array(6)), { message: msg });
      // and the addon's C, called directly, refuses it and writes nothing
      const addon = (k as Partial<NativeKernel>).addon;
      if (addon?.embedding) {
        const out = new Float32Array(6).fill(7);
        assert.throws(() => addon.embedding!(1, Int32Array.from([2, 3, 4]), [new Float32Array(12), Int32Array.from([0, bad]), out]), { message: msg });
        assert.deepEqual(out, new Float32Array(6).fill(7));
      }
    }
  });
}

test('the wasm backend: the op gives the cpu backend\'s rows and gradient (no UnsortedSegmentSum there)', async () => {
  const V = 37, E = 9, shape = [5, 2];
  const rng = new Rng(8);
  const table = Float32Array.from({ length: V * E }, () => rng.normal(0, 1));
  const ids = Int32Array.from([1, 1, 36, 0, 5, 5, 5, 20, 1, 2]);
  const kernels = [tsKernel, ...(await Promise.all(['wasm-simd', 'native'].map((p) => getKernel(p as KernelPath)))).filter((k): k is RecurrentKernel => k !== null)];
  const onCpu = kernels.map((kernel) => valueAndGrad((x, i) => embeddingLookup(x, i, { kernel }), table, V, E, ids, shape));
  await initBackend({ backend: 'wasm' });
  try {
    assert.equal(tf.getBackend(), 'wasm');
    kernels.forEach((kernel, n) => {
      const onWasm = valueAndGrad((x, i) => embeddingLookup(x, i, { kernel }), table, V, E, ids, shape);
      assert.deepEqual(onWasm.value, onCpu[n].value, kernel.path);
      assert.deepEqual(onWasm.grad, onCpu[n].grad, kernel.path);
    });
  } finally {
    await initBackend({ backend: 'cpu' });
  }
});
