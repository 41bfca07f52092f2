import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { CELLS, GATE_NAMES, scaleGradient, splitGates, type CellKind, type CellState } from '../../src/core/models/cells';
import { Rng } from '../../src/core/util/random';
import { linear } from '../../src/core/models/linear';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

const G: Record<CellKind, number> = { rnn: 1, gru: 3, lstm: 4 };
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function rand(rng: Rng, shape: number[], std = 0.5): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, () => rng.normal(0, std)), shape);
}

/** A 3-step unrolled cell and a loss mixing every output, as a function of (wx, wh, b, h0). */
function unrolled(kind: CellKind, xs: tf.Tensor2D[], c0: tf.Tensor2D | null, R: tf.Tensor2D) {
  return (wx: tf.Tensor, wh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor): tf.Scalar => {
    const whs = splitGates(wh as tf.Tensor2D, kind);
    let st: CellState = { h: h0 as tf.Tensor2D, c: c0 };
    let loss: tf.Tensor = tf.scalar(0);
    for (const x of xs) {
      const out = CELLS[kind](tf.add(tf.matMul(x, wx as tf.Tensor2D), b) as tf.Tensor2D, st, whs);
      loss = tf.add(loss, tf.sum(tf.mul(out.h, R)));
      if (out.c) loss = tf.add(loss, tf.sum(tf.mul(out.c, tf.mul(R, 0.5))));
      st = out;
    }
    return loss as tf.Scalar;
  };
}

describe('scratch cells', () => {
  for (const kind of ['rnn', 'gru', 'lstm'] as const) {
    test(`${kind}: gradients match central differences on tiny shapes`, () => {
      const rng = new Rng(7);
      const B = 2, I = 3, H = 2, N = G[kind] * H;
      const xs = [0, 1, 2].map(() => rand(rng, [B, I], 1) as tf.Tensor2D);
      const c0 = kind === 'lstm' ? (rand(rng, [B, H]) as tf.Tensor2D) : null;
      const R = rand(rng, [B, H], 1) as tf.Tensor2D;
      const params = [rand(rng, [I, N]), rand(rng, [H, N]), rand(rng, [N], 0.1), rand(rng, [B, H])];
      const f = unrolled(kind, xs, c0, R);
      const analytic = tf.grads((...p: tf.Tensor[]) => f(p[0], p[1], p[2], p[3]))(params).map((g) => g.dataSync());
      const eps = 1e-2;
      let worst = 0;
      params.forEach((p, k) => {
        const base = p.dataSync().slice();
        for (let i = 0; i < base.length; i++) {
          const at = (delta: number) => {
            const d = base.slice();
            d[i] += delta;
            const args = params.map((q, j) => (j === k ? tf.tensor(d, p.shape) : q));
            return tf.tidy(() => f(args[0], args[1], args[2], args[3]).dataSync()[0]);
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          worst = Math.max(worst, Math.abs(numeric - analytic[k][i]) / Math.max(1, Math.abs(numeric)));
        }
      });
      assert.ok(worst < 2e-3, `largest relative gradient error ${worst}`);
    });
  }

  test('rnn step is tanh(X W_xh + H W_hh + b) (hand-computed vector)', () => {
    // B = 1, I = 1, H = 1: tanh(2·0.5 + 0.5·(−1) + 0.25) = tanh(0.75)
    const out = CELLS.rnn(tf.tensor2d([[2 * 0.5 + 0.25]]), { h: tf.tensor2d([[0.5]]), c: null }, [tf.tensor2d([[-1]])]);
    assert.ok(Math.abs(out.h.dataSync()[0] - Math.tanh(0.75)) < 1e-6);
  });

  test('gru step follows the textbook equations, reset applied before the product', () => {
    // H = 1; xw = [x_z, x_r, x_h]; wh = [w_z, w_r, w_h]; h = 0.8
    const [xz, xr, xh, wz, wr, wh, h] = [0.3, -0.2, 0.5, 0.7, -0.4, 1.5, 0.8];
    const out = CELLS.gru(tf.tensor2d([[xz, xr, xh]]), { h: tf.tensor2d([[h]]), c: null }, [tf.tensor2d([[wz]]), tf.tensor2d([[wr]]), tf.tensor2d([[wh]])]);
    const z = sigmoid(xz + h * wz);
    const r = sigmoid(xr + h * wr);
    const ht = Math.tanh(xh + r * h * wh);
    assert.ok(Math.abs(out.h.dataSync()[0] - (z * h + (1 - z) * ht)) < 1e-6);
    assert.ok(Math.abs(out.gates.z.dataSync()[0] - z) < 1e-6);
    assert.ok(Math.abs(out.gates.r.dataSync()[0] - r) < 1e-6);
    assert.ok(Math.abs(out.gates['h̃'].dataSync()[0] - ht) < 1e-6);
  });

  test('lstm step follows the textbook equations and returns every gate', () => {
    const [xi, xf, xo, xc] = [0.1, 0.9, -0.3, 0.4];
    const [h, c] = [0.5, -0.6];
    const w = [0.2, -0.1, 0.3, 0.8];
    const out = CELLS.lstm(tf.tensor2d([[xi, xf, xo, xc]]), { h: tf.tensor2d([[h]]), c: tf.tensor2d([[c]]) }, w.map((v) => tf.tensor2d([[v]])));
    const i = sigmoid(xi + h * w[0]);
    const f = sigmoid(xf + h * w[1]);
    const o = sigmoid(xo + h * w[2]);
    const ct = Math.tanh(xc + h * w[3]);
    const cNew = f * c + i * ct;
    assert.ok(Math.abs(out.c!.dataSync()[0] - cNew) < 1e-6);
    assert.ok(Math.abs(out.h.dataSync()[0] - o * Math.tanh(cNew)) < 1e-6);
    assert.deepEqual(Object.keys(out.gates), [...GATE_NAMES.lstm]);
  });

  test('scaleGradient is the identity forward and scales (or cuts) the gradient', () => {
    const x = tf.tensor1d([1, 2, 3]);
    for (const s of [0, 0.5, 2]) {
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(scaleGradient(a, s), a)))(x);
      // d/da sum(a·a) with the first factor's gradient scaled by s: (s + 1)·a
      assert.deepEqual(Array.from(g.dataSync()), [1, 2, 3].map((v) => (s + 1) * v));
    }
  });
});

describe('linear (matMul with explicit-transpose gradients for wasm)', () => {
  test('value and gradients equal tf.matMul on the wasm backend', async () => {
    await initBackend({ backend: 'wasm' });
    try {
      assert.equal(tf.getBackend(), 'wasm');
      const rng = new Rng(2);
      const a = rand(rng, [5, 3]) as tf.Tensor2D;
      const b = rand(rng, [3, 4]) as tf.Tensor2D;
      const R = rand(rng, [5, 4]);
      const f = (mm: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x as tf.Tensor2D, y as tf.Tensor2D), R)))([a, b]);
      const [ga, gb] = f(linear);
      const [ra, rb] = f((x, y) => tf.matMul(x, y));
      const close = (p: tf.Tensor, q: tf.Tensor) => Array.from(p.dataSync()).every((v, i) => Math.abs(v - q.dataSync()[i]) < 1e-5);
      assert.ok(close(linear(a, b), tf.matMul(a, b)) && close(ga, ra) && close(gb, rb));
    } finally {
      await initBackend({ backend: 'cpu' });
    }
  });
});
