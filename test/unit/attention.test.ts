import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { additiveAttention, dotProductAttention, maskedSoftmax } from '../../src/core/attention';
import { Rng } from '../../src/core/util/random';

type M = number[][];
const rand = (rng: Rng, ...shape: number[]): number[] => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
const at = (flat: readonly number[], shape: number[]) => (...i: number[]) => flat[i.reduce((o, x, d) => o * shape[d] + x, 0)];

/** Float64 reference: softmax over the valid keys of one score row, zero elsewhere. */
function softmaxRow(s: number[], valid: number): number[] {
  const m = Math.max(...s.slice(0, valid));
  const e = s.map((x, j) => (j < valid ? Math.exp(x - m) : 0));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

interface Shapes { B: number; Tq: number; Tk: number; Dq: number; Dk: number; Dv: number; h: number }

/** Direct additive attention, w_vᵀ tanh(W_q q + W_k k), in float64 → context flattened [B, Tq, Dv]. */
function additiveDirect(p: Record<'q' | 'k' | 'v' | 'wq' | 'wk' | 'wv', number[]>, s: Shapes, lens: number[]): number[] {
  const q = at(p.q, [s.B, s.Tq, s.Dq]), k = at(p.k, [s.B, s.Tk, s.Dk]), v = at(p.v, [s.B, s.Tk, s.Dv]);
  const wq = at(p.wq, [s.Dq, s.h]), wk = at(p.wk, [s.Dk, s.h]), wv = at(p.wv, [s.h, 1]);
  const out: number[] = [];
  for (let b = 0; b < s.B; b++) for (let i = 0; i < s.Tq; i++) {
    const scores = Array.from({ length: s.Tk }, (_, j) => {
      let sum = 0;
      for (let u = 0; u < s.h; u++) {
        let f = 0;
        for (let d = 0; d < s.Dq; d++) f += q(b, i, d) * wq(d, u);
        for (let d = 0; d < s.Dk; d++) f += k(b, j, d) * wk(d, u);
        sum += Math.tanh(f) * wv(u, 0);
      }
      return sum;
    });
    const w = softmaxRow(scores, lens[b]);
    for (let d = 0; d < s.Dv; d++) out.push(w.reduce((a, wj, j) => a + wj * v(b, j, d), 0));
  }
  return out;
}

/** Direct scaled dot product qᵀk/√d in float64. */
function dotDirect(p: Record<'q' | 'k' | 'v', number[]>, s: Shapes, lens: number[]): number[] {
  const q = at(p.q, [s.B, s.Tq, s.Dq]), k = at(p.k, [s.B, s.Tk, s.Dq]), v = at(p.v, [s.B, s.Tk, s.Dv]);
  const out: number[] = [];
  for (let b = 0; b < s.B; b++) for (let i = 0; i < s.Tq; i++) {
    const scores = Array.from({ length: s.Tk }, (_, j) => {
      let sum = 0;
      for (let d = 0; d < s.Dq; d++) sum += q(b, i, d) * k(b, j, d);
      return sum / Math.sqrt(s.Dq);
    });
    const w = softmaxRow(scores, lens[b]);
    for (let d = 0; d < s.Dv; d++) out.push(w.reduce((a, wj, j) => a + wj * v(b, j, d), 0));
  }
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= eps * (1 + Math.abs(b[i])), `${what}[${i}] ${a[i]} ≉ ${b[i]}`);
};

/** Central differences of the float64 reference's Σ out·R with respect to one parameter. */
function numericGrad<K extends string>(f: (p: Record<K, number[]>) => number[], p: Record<K, number[]>, key: K, R: number[], eps = 1e-5): number[] {
  const loss = (pp: Record<K, number[]>) => f(pp).reduce((a, x, i) => a + x * R[i], 0);
  return p[key].map((_, i) => {
    const plus = { ...p, [key]: p[key].map((x, j) => (j === i ? x + eps : x)) };
    const minus = { ...p, [key]: p[key].map((x, j) => (j === i ? x - eps : x)) };
    return (loss(plus) - loss(minus)) / (2 * eps);
  });
}

describe('attention scoring (d2l 10.3)', () => {
  before(async () => {
    await initBackend({ backend: 'cpu' });
  });

  test('masked softmax: exactly zero past each valid length, rows sum to 1 (per row and per query)', () => {
    const rng = new Rng(3);
    const X = tf.tensor3d(rand(rng, 2, 2, 4), [2, 2, 4]);
    const w = maskedSoftmax(X, [2, 3]).arraySync() as number[][][];
    for (const [b, valid] of [[0, 2], [1, 3]]) for (const row of w[b]) {
      row.slice(valid).forEach((x) => assert.equal(x, 0));
      row.slice(0, valid).forEach((x) => assert.ok(x > 0));
      assert.ok(Math.abs(row.reduce((a, x) => a + x, 0) - 1) < 1e-6);
    }
    const w2 = maskedSoftmax(X, [[1, 3], [2, 4]]).arraySync() as number[][][];
    assert.deepEqual(w2[0][0].slice(1), [0, 0, 0]);
    assert.equal(w2[0][1][3], 0);
    assert.deepEqual(w2[1][0].slice(2), [0, 0]);
    assert.ok(w2[1][1].every((x) => x > 0));
    // No valid lengths: a plain softmax.
    close(maskedSoftmax(X).dataSync(), tf.softmax(X).dataSync(), 1e-7, 'plain');
    // Padding scores do not matter at all.
    const moved = maskedSoftmax(tf.tensor3d((X.arraySync() as M[]).map((r, b) => r.map((row) => row.map((x, j) => (j >= [2, 3][b] ? 1e4 : x)))), [2, 2, 4]), [2, 3]);
    assert.deepEqual(Array.from(moved.dataSync()), Array.from(maskedSoftmax(X, [2, 3]).dataSync()));
  });

  test("the book's examples: uniform weights over equal keys give [2, 3, 4, 5] and [10, 11, 12, 13]", () => {
    const rng = new Rng(0);
    const values = tf.tensor3d([...Array.from({ length: 40 }, (_, i) => i), ...Array.from({ length: 40 }, (_, i) => i)], [2, 10, 4]);
    const keys = tf.ones([2, 10, 2]) as tf.Tensor3D;
    const expected = [2, 3, 4, 5, 10, 11, 12, 13];
    const w = { wq: tf.tensor2d(rand(rng, 20, 8), [20, 8]), wk: tf.tensor2d(rand(rng, 2, 8), [2, 8]), wv: tf.tensor2d(rand(rng, 8, 1), [8, 1]) };
    const add = additiveAttention(w, tf.tensor3d(rand(rng, 2, 1, 20), [2, 1, 20]), keys, values, [2, 6]);
    close(add.context.dataSync(), expected, 1e-5, 'additive');
    const dot = dotProductAttention(tf.tensor3d(rand(rng, 2, 1, 2), [2, 1, 2]), keys, values, [2, 6]);
    close(dot.context.dataSync(), expected, 1e-5, 'dot product');
    assert.deepEqual(Array.from(dot.weights.dataSync()).slice(0, 10).map((x) => +x.toFixed(6)), [0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('additive attention equals the direct computation, and its gradients the numerical ones', () => {
    const s: Shapes = { B: 2, Tq: 3, Tk: 4, Dq: 3, Dk: 2, Dv: 3, h: 5 };
    const rng = new Rng(11);
    const p = { q: rand(rng, s.B, s.Tq, s.Dq), k: rand(rng, s.B, s.Tk, s.Dk), v: rand(rng, s.B, s.Tk, s.Dv), wq: rand(rng, s.Dq, s.h), wk: rand(rng, s.Dk, s.h), wv: rand(rng, s.h, 1) };
    const lens = [2, 4];
    const R = rand(rng, s.B, s.Tq, s.Dv);
    const T = {
      q: tf.tensor3d(p.q, [s.B, s.Tq, s.Dq]), k: tf.tensor3d(p.k, [s.B, s.Tk, s.Dk]), v: tf.tensor3d(p.v, [s.B, s.Tk, s.Dv]),
      wq: tf.tensor2d(p.wq, [s.Dq, s.h]), wk: tf.tensor2d(p.wk, [s.Dk, s.h]), wv: tf.tensor2d(p.wv, [s.h, 1]),
    };
    const out = additiveAttention({ wq: T.wq, wk: T.wk, wv: T.wv }, T.q, T.k, T.v, lens);
    close(out.context.dataSync(), additiveDirect(p, s, lens), 1e-5, 'context');
    const keys = ['q', 'k', 'v', 'wq', 'wk', 'wv'] as const;
    const grads = tf.grads((q, k, v, wq, wk, wv) =>
      tf.sum(tf.mul(additiveAttention({ wq: wq as tf.Tensor2D, wk: wk as tf.Tensor2D, wv: wv as tf.Tensor2D }, q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, lens).context, tf.tensor(R, [s.B, s.Tq, s.Dv]))),
    )(keys.map((key) => T[key]));
    keys.forEach((key, i) => close(grads[i].dataSync(), numericGrad((pp) => additiveDirect(pp, s, lens), p, key, R), 1e-3, `∂/∂${key}`));
    // Keys past the valid length get no gradient at all.
    const gk = grads[1].arraySync() as M[];
    assert.ok(gk[0].slice(2).flat().every((x) => x === 0));
  });

  test('scaled dot-product attention equals the direct computation, and its gradients the numerical ones', () => {
    const s: Shapes = { B: 2, Tq: 2, Tk: 5, Dq: 4, Dk: 4, Dv: 3, h: 0 };
    const rng = new Rng(12);
    const p = { q: rand(rng, s.B, s.Tq, s.Dq), k: rand(rng, s.B, s.Tk, s.Dq), v: rand(rng, s.B, s.Tk, s.Dv) };
    const lens = [5, 3];
    const R = rand(rng, s.B, s.Tq, s.Dv);
    const T = { q: tf.tensor3d(p.q, [s.B, s.Tq, s.Dq]), k: tf.tensor3d(p.k, [s.B, s.Tk, s.Dq]), v: tf.tensor3d(p.v, [s.B, s.Tk, s.Dv]) };
    close(dotProductAttention(T.q, T.k, T.v, lens).context.dataSync(), dotDirect(p, s, lens), 1e-5, 'context');
    const keys = ['q', 'k', 'v'] as const;
    const grads = tf.grads((q, k, v) => tf.sum(tf.mul(dotProductAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, lens).context, tf.tensor(R, [s.B, s.Tq, s.Dv]))))(keys.map((k) => T[k]));
    keys.forEach((key, i) => close(grads[i].dataSync(), numericGrad((pp) => dotDirect(pp, s, lens), p, key, R), 1e-3, `∂/∂${key}`));
  });

  test('dropout acts on the weights while training only, and the returned weights are the undropped ones', () => {
    const rng = new Rng(5);
    const q = tf.tensor3d(rand(rng, 1, 2, 4), [1, 2, 4]), k = tf.tensor3d(rand(rng, 1, 6, 4), [1, 6, 4]), v = tf.tensor3d(rand(rng, 1, 6, 3), [1, 6, 3]);
    const evalOut = dotProductAttention(q, k, v, [6], 0.5, { training: false });
    const trainOut = dotProductAttention(q, k, v, [6], 0.5, { training: true, nextSeed: () => 7 });
    assert.deepEqual(Array.from(trainOut.weights.dataSync()), Array.from(evalOut.weights.dataSync()));
    assert.notDeepEqual(Array.from(trainOut.context.dataSync()), Array.from(evalOut.context.dataSync()));
  });
});
