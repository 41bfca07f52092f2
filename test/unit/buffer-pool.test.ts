/**
 * Recycled kernel arrays (src/core/kernels/buffer-pool.ts, tensor-io.ts): the pool hands back
 * only what it gave out, once; on the wasm backend (where tensors copy) read and written
 * arrays go back to it, on the cpu backend (where a tensor keeps its array) they never do;
 * and training steps on every kernel path give the same gradients whatever ran in between
 * (with the pool poisoning given arrays, a recycled array still in use shows up as NaN).
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { BufferPool, bufferPool, sizeClass } from '../../src/core/kernels/buffer-pool';
import { readValues, release, tensorFrom } from '../../src/core/kernels/tensor-io';
import { fusedRecurrent } from '../../src/core/kernels/tfjs-op';
import { fusedDense } from '../../src/core/kernels/dense-op';
import type { CellKind, RecurrentKernel } from '../../src/core/kernels/types';
import { GATES } from '../../src/core/kernels/types';
import { crossEntropy } from '../../src/core/training/lm-trainer';
import { availableKernelsForTest } from './kernels-helpers';

describe('BufferPool', () => {
  test('sizes that change every step share class-sized arrays: n-float views of one array, no new allocation', () => {
    const pool = new BufferPool();
    assert.equal(sizeClass(60), 60, 'small sizes are exact');
    for (const n of [1025, 5000, 123457, 4_570_000]) {
      const c = sizeClass(n);
      assert.ok(c >= n && c <= n * 1.125 + 1, `class of ${n}: ${c}`);
    }
    const first = pool.take(150_000);
    assert.equal(first.length, 150_000);
    pool.give(first);
    const before = pool.allocations;
    // a translator's kept rows × hidden size: a different count every batch, within one class
    for (const n of [150_001, 149_000, 151_234, 150_000]) {
      const a = pool.take(n);
      assert.equal(a.length, n, 'the view has the asked length');
      assert.equal(a.buffer, first.buffer, 'over the same memory');
      a.fill(1);
      pool.give(a);
      pool.give(a); // twice: still once in the pool
    }
    assert.equal(pool.allocations, before, 'no fresh allocation');
    const x = pool.take(150_500), y = pool.take(150_500);
    assert.notEqual(x.buffer, y.buffer, 'a given array is handed out once');
  });

  test('gives back what it handed out, once, and ignores foreign arrays', () => {
    const pool = new BufferPool();
    const a = pool.take(10);
    a.fill(3);
    pool.give(a, a, new Float32Array(10), null);
    assert.equal(pool.heldBytes, 40);
    assert.equal(pool.take(10), a, 'the given array comes back');
    assert.notEqual(pool.take(10), a, 'only once');
    assert.equal(pool.heldBytes, 0);
    const b = pool.take(4);
    pool.give(b);
    assert.notEqual(pool.take(5), b, 'sizes are not mixed');
    assert.deepEqual([...pool.copyOf([1, 2, 3])], [1, 2, 3]);
  });

  test('poisoned, it fills taken and given arrays with NaN', () => {
    const pool = new BufferPool();
    pool.poison = true;
    const a = pool.take(3);
    assert.ok(a.every(Number.isNaN));
    a.fill(1);
    pool.give(a);
    assert.ok(a.every(Number.isNaN));
  });

  test('keeps at most 8 arrays of a size', () => {
    const pool = new BufferPool();
    const xs = Array.from({ length: 12 }, () => pool.take(256));
    pool.give(...xs);
    assert.equal(pool.heldBytes, 8 * 256 * 4);
  });
});

describe('tensor-io', () => {
  after(async () => {
    await initBackend({ backend: 'cpu' });
  });

  test('wasm backend: reads are copies, tensors copy, and both arrays are recycled', async () => {
    await initBackend({ backend: 'wasm' });
    assert.equal(tf.getBackend(), 'wasm');
    const t = tf.tensor1d([1, 2, 3, 4]);
    const v = readValues(t);
    v[0] = 99;
    assert.deepEqual([...t.dataSync()], [1, 2, 3, 4], 'writing the read copy leaves the tensor alone');
    release(v);
    assert.equal(bufferPool.take(4), v, 'a released read goes back to the pool');
    const out = bufferPool.take(3);
    out.set([5, 6, 7]);
    const u = tensorFrom(out, [3]);
    assert.equal(bufferPool.take(3), out, 'the tensor copied it, so it is free at once');
    out.fill(0);
    assert.deepEqual([...u.dataSync()], [5, 6, 7]);
    tf.dispose([t, u]);
  });

  test('cpu backend: a tensor keeps its array, so nothing is recycled', async () => {
    await initBackend({ backend: 'cpu' });
    const out = bufferPool.take(3);
    out.set([5, 6, 7]);
    const u = tensorFrom(out, [3]);
    assert.notEqual(bufferPool.take(3), out);
    const v = readValues(u);
    release(v);
    assert.notEqual(bufferPool.take(3), v);
    assert.deepEqual([...u.dataSync()], [5, 6, 7]);
    u.dispose();
  });
});

const V = 11, B = 3, T = 5, H = 7;

function weights(kind: CellKind, seed: number) {
  const G = GATES[kind];
  const r = (shape: number[], s: number) => tf.variable(tf.randomUniform(shape, -0.5, 0.5, 'float32', seed + s));
  return { wx: r([V, G * H], 1), wh: r([H, G * H], 2), b: r([G * H], 3), wq: r([H, V], 4), bq: r([V], 5) };
}

/** Loss and all gradients of one fused-LM step on token batch `shift`. */
function step(kind: CellKind, kernel: RecurrentKernel, p: ReturnType<typeof weights>, shift: number): Float32Array[] {
  return tf.tidy(() => {
    const X = tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 7 + shift) % V), [T, B], 'int32');
    const Y = tf.tensor1d(Array.from({ length: T * B }, (_, i) => (i * 5 + shift) % V), 'int32');
    const h0 = tf.fill([B, H], 0.1 * shift) as tf.Tensor2D;
    const c0 = kind === 'lstm' ? (tf.fill([B, H], -0.1 * shift) as tf.Tensor2D) : null;
    const { value, grads } = tf.variableGrads(() => {
      const { hs } = fusedRecurrent(kind, X, h0, c0, p.wx as tf.Tensor2D, p.wh as tf.Tensor2D, p.b, { kernel, inputSize: V });
      return crossEntropy(fusedDense(tf.reshape(hs, [T * B, H]) as tf.Tensor2D, p.wq as tf.Tensor2D, p.bq, { kernel }), Y);
    });
    return [value, ...Object.keys(grads).sort().map((k) => grads[k])].map((g) => Float32Array.from(g.dataSync()));
  });
}

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * scale, `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

test('wasm backend: steps equal the cpu backend (which recycles nothing) and do not depend on what ran between (every kernel path, RNN/GRU/LSTM)', async () => {
  const kernels = await availableKernelsForTest();
  const kinds = ['rnn', 'gru', 'lstm'] as CellKind[];
  const reference = new Map<string, Float32Array[]>();
  await initBackend({ backend: 'cpu' });
  for (const kernel of kernels) {
    for (const kind of kinds) {
      const p = weights(kind, 11);
      reference.set(`${kernel.path} ${kind}`, step(kind, kernel, p, 1));
      tf.dispose(Object.values(p));
    }
  }
  await initBackend({ backend: 'wasm' });
  bufferPool.poison = true;
  try {
    for (const kernel of kernels) {
      for (const kind of kinds) {
        const what = `${kernel.path} ${kind}`;
        const p = weights(kind, 11);
        const before = tf.memory().numTensors;
        const first = step(kind, kernel, p, 1);
        first.forEach((a, i) => close(a, reference.get(what)![i], `${what}: result ${i} vs cpu`));
        for (let i = 0; i < 3; i++) step(kind, kernel, p, 2 + i);
        const allocated = bufferPool.allocations;
        const again = step(kind, kernel, p, 1);
        if (kernel.path !== 'ts') assert.equal(bufferPool.allocations, allocated, `${what}: a warm step allocates no new arrays`);
        first.forEach((a, i) => assert.deepEqual(again[i], a, `${what}: result ${i} changed`));
        assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
        tf.dispose(Object.values(p));
      }
    }
  } finally {
    bufferPool.poison = false;
    await initBackend({ backend: 'cpu' });
  }
});
