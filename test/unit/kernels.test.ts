/**
 * Fused recurrent kernels: every kernel path equals a per-step tfjs implementation of the
 * textbook's cells (forward values and all gradients), on awkward shapes; finite-difference
 * gradient check; no tensor leaks. Speed targets live in bench/lm.ts, never here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { fusedRecurrent } from '../../src/core/kernels/tfjs-op';
import { tsKernel } from '../../src/core/kernels/reference';
import { GATES, type CellKind, type RecurrentKernel } from '../../src/core/kernels/types';
import { availableKernelsForTest, type KernelCase } from './kernels-helpers';

const KINDS: CellKind[] = ['rnn', 'gru', 'lstm'];

// ------------------------------------------------------------------ tfjs reference (per-step ops)

function refLayer(
  kind: CellKind,
  xs: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D | null,
  wx: tf.Tensor2D,
  wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { hs: tf.Tensor3D; hT: tf.Tensor2D; cT: tf.Tensor2D | null } {
  const H = h0.shape[1];
  const T = xs.shape[0];
  const col = (m: tf.Tensor2D, g: number) => m.slice([0, g * H], [-1, H]) as tf.Tensor2D;
  const bg = (g: number) => b.slice([g * H], [H]);
  let h = h0;
  let c = c0;
  const outs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const x = xs.slice([t, 0, 0], [1, -1, -1]).squeeze([0]) as tf.Tensor2D;
    const pre = (g: number, hin: tf.Tensor2D) => x.matMul(col(wx, g)).add(hin.matMul(col(wh, g))).add(bg(g)) as tf.Tensor2D;
    if (kind === 'rnn') {
      h = pre(0, h).tanh();
    } else if (kind === 'gru') {
      const z = pre(0, h).sigmoid();
      const r = pre(1, h).sigmoid();
      const ht = pre(2, r.mul(h) as tf.Tensor2D).tanh();
      h = z.mul(h).add(tf.scalar(1).sub(z).mul(ht)) as tf.Tensor2D;
    } else {
      const i = pre(0, h).sigmoid();
      const f = pre(1, h).sigmoid();
      const o = pre(2, h).sigmoid();
      const g = pre(3, h).tanh();
      c = f.mul(c!).add(i.mul(g)) as tf.Tensor2D;
      h = o.mul(c.tanh()) as tf.Tensor2D;
    }
    outs.push(h);
  }
  return { hs: tf.stack(outs) as tf.Tensor3D, hT: h, cT: c };
}

// ------------------------------------------------------------------ helpers

let seed = 12345;
function rand(shape: number[], scale = 0.5): tf.Tensor {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return tf.randomUniform(shape, -scale, scale, 'float32', seed);
}

function close(a: tf.Tensor | Float32Array, b: tf.Tensor | Float32Array, tol: number, what: string): void {
  const x = a instanceof Float32Array ? a : a.dataSync();
  const y = b instanceof Float32Array ? b : b.dataSync();
  assert.equal(x.length, y.length, `${what}: length`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  assert.ok(maxAbs <= tol * Math.max(1, scale), `${what}: max |diff| ${maxAbs} (scale ${scale})`);
}

type Case = KernelCase & { layers: number };

/** Loss = Σ w1⊙hs + Σ w2⊙hT (+ Σ w3⊙cT) over a stack of layers; returns value and all grads. */
function runCase(cs: Case, layerFn: 'fused' | 'ref', kernel: RecurrentKernel | undefined, params: tf.Tensor[], data: tf.Tensor[]) {
  const { kind, layers, ids, I } = cs;
  const [x, h0, c0, w1, w2, w3] = data;
  const f = (...ps: tf.Tensor[]) => {
    let inp: tf.Tensor = x;
    let loss = tf.scalar(0);
    for (let l = 0; l < layers; l++) {
      const [wx, wh, b] = ps.slice(3 * l, 3 * l + 3) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      let r;
      if (layerFn === 'fused') {
        r = fusedRecurrent(kind, inp as tf.Tensor3D, h0 as tf.Tensor2D, kind === 'lstm' ? (c0 as tf.Tensor2D) : null, wx, wh, b, { kernel, inputSize: I });
      } else {
        const xin = l === 0 && ids ? (tf.oneHot(inp as tf.Tensor2D, I).toFloat() as tf.Tensor3D) : (inp as tf.Tensor3D);
        r = refLayer(kind, xin, h0 as tf.Tensor2D, kind === 'lstm' ? (c0 as tf.Tensor2D) : null, wx, wh, b);
      }
      loss = loss.add(r.hs.mul(w1).sum()).add(r.hT.mul(w2).sum());
      if (r.cT) loss = loss.add(r.cT.mul(w3).sum());
      inp = r.hs;
    }
    return loss as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)(params);
  return { value, grads };
}

function makeCase(cs: Case) {
  const { kind, T, B, I, H, ids, layers } = cs;
  const N = GATES[kind] * H;
  const params: tf.Tensor[] = [];
  for (let l = 0; l < layers; l++) {
    const inSize = l === 0 ? I : H;
    params.push(rand([inSize, N], 0.6), rand([H, N], 0.6), rand([N], 0.3));
  }
  const x = ids ? tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 5 + 3) % I), [T, B], 'int32') : rand([T, B, I], 1);
  const data = [x, rand([B, H], 0.8), rand([B, H], 0.8), rand([T, B, H], 1), rand([B, H], 1), rand([B, H], 1)];
  return { params, data };
}

const CASES: Case[] = [];
for (const kind of KINDS) {
  CASES.push({ kind, T: 1, B: 1, I: 3, H: 5, ids: false, layers: 1 });
  CASES.push({ kind, T: 4, B: 3, I: 7, H: 6, ids: false, layers: 1 });
  CASES.push({ kind, T: 5, B: 2, I: 11, H: 9, ids: true, layers: 1 });
  CASES.push({ kind, T: 3, B: 5, I: 4, H: 13, ids: false, layers: 2 });
  CASES.push({ kind, T: 6, B: 33, I: 28, H: 19, ids: true, layers: 2 });
  CASES.push({ kind, T: 2, B: 4, I: 20, H: 35, ids: true, layers: 1 });
}

tf.setBackend('cpu');

test('the tfjs op on every kernel path equals the per-step tfjs reference (forward and all gradients)', async () => {
  await tf.ready();
  const kernels = await availableKernelsForTest();
  for (const kernel of kernels) {
    for (const cs of CASES) {
      const label = `${kernel.path} ${cs.kind} T${cs.T} B${cs.B} I${cs.I} H${cs.H}${cs.ids ? ' ids' : ''} L${cs.layers}`;
      tf.tidy(() => {
        const { params, data } = makeCase(cs);
        const ref = runCase(cs, 'ref', undefined, params, data);
        const got = runCase(cs, 'fused', kernel, params, data);
        close(got.value, ref.value, 2e-5, `${label} loss`);
        ref.grads.forEach((g, i) => close(got.grads[i], g, 2e-5, `${label} grad ${i}`));
      });
    }
  }
});

test('fused op forward outputs equal the reference, hT and cT included', () => {
  for (const kind of KINDS) {
    tf.tidy(() => {
      const T = 3, B = 2, I = 5, H = 7;
      const N = GATES[kind] * H;
      const x = rand([T, B, I], 1) as tf.Tensor3D;
      const h0 = rand([B, H]) as tf.Tensor2D;
      const c0 = rand([B, H]) as tf.Tensor2D;
      const wx = rand([I, N]) as tf.Tensor2D, wh = rand([H, N]) as tf.Tensor2D, b = rand([N]) as tf.Tensor1D;
      const cc = kind === 'lstm' ? c0 : null;
      const a = fusedRecurrent(kind, x, h0, cc, wx, wh, b, { kernel: tsKernel });
      const r = refLayer(kind, x, h0, cc, wx, wh, b);
      assert.deepEqual(a.hs.shape, [T, B, H]);
      assert.deepEqual(a.hT.shape, [B, H]);
      close(a.hs, r.hs, 1e-5, `${kind} hs`);
      close(a.hT, r.hT, 1e-5, `${kind} hT`);
      if (kind === 'lstm') close(a.cT!, r.cT!, 1e-5, 'lstm cT');
      else assert.equal(a.cT, null);
    });
  }
});

test('finite-difference gradient check of the TS kernel on tiny shapes', () => {
  for (const kind of KINDS) {
    const T = 3, B = 2, I = 3, H = 4;
    const N = GATES[kind] * H;
    let s = 7;
    const r = (n: number, sc: number) => Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2 * sc);
    const x = r(T * B * I, 1), h0 = r(B * H, 0.5), c0 = kind === 'lstm' ? r(B * H, 0.5) : null;
    const w = { wx: r(I * N, 0.5), wh: r(H * N, 0.5), b: r(N, 0.2) };
    const wt = r(T * B * H, 1);
    const loss = () => {
      const f = tsKernel.forward(kind, { T, B, I, H }, x, h0, c0, w, { cache: false });
      let v = 0;
      for (let i = 0; i < wt.length; i++) v += wt[i] * f.hs[i];
      return v;
    };
    const f = tsKernel.forward(kind, { T, B, I, H }, x, h0, c0, w);
    const g = tsKernel.backward(f.cache!, wt, null, null);
    const checks: [string, Float32Array, Float32Array][] = [
      ['wx', w.wx, g.dwx], ['wh', w.wh, g.dwh], ['b', w.b, g.db], ['x', x, g.dx!], ['h0', h0, g.dh0],
    ];
    if (c0) checks.push(['c0', c0, g.dc0!]);
    for (const [name, p, dp] of checks) {
      for (let i = 0; i < p.length; i += Math.max(1, Math.floor(p.length / 7))) {
        const old = p[i];
        const eps = 1e-2;
        p[i] = old + eps;
        const up = loss();
        p[i] = old - eps;
        const dn = loss();
        p[i] = old;
        const num = (up - dn) / (2 * eps);
        assert.ok(Math.abs(num - dp[i]) <= 2e-3 + 2e-2 * Math.abs(num), `${kind} d${name}[${i}]: numeric ${num} vs analytic ${dp[i]}`);
      }
    }
  }
});

test('no tensor leaks over 1,000 training steps with variableGrads + SGD', async () => {
  const kernels = await availableKernelsForTest();
  for (const kernel of kernels) {
    for (const kind of KINDS) {
      const T = 3, B = 2, I = 5, H = 4, N = GATES[kind] * H;
      const wx = tf.variable(rand([I, N])), wh = tf.variable(rand([H, N])), b = tf.variable(rand([N]));
      const ids = tf.tensor2d([0, 1, 2, 3, 4, 0], [T, B], 'int32');
      const h0 = tf.zeros([B, H]) as tf.Tensor2D;
      const opt = tf.train.sgd(0.1);
      const steps = kernel.path === 'ts' ? 1000 : 300;
      let before = 0;
      for (let s = 0; s < steps; s++) {
        if (s === 5) before = tf.memory().numTensors;
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const r = fusedRecurrent(kind, ids, h0, kind === 'lstm' ? h0 : null, wx as tf.Tensor2D, wh as tf.Tensor2D, b, { kernel });
            return r.hs.square().mean().add(r.hT.sum()) as tf.Scalar;
          });
          opt.applyGradients(grads);
        });
      }
      assert.equal(tf.memory().numTensors, before, `${kernel.path} ${kind}: tensors leaked`);
      // inference path (no tape) does not leak either
      const n0 = tf.memory().numTensors;
      for (let s = 0; s < 50; s++) {
        tf.tidy(() => {
          fusedRecurrent(kind, ids, h0, kind === 'lstm' ? h0 : null, wx as tf.Tensor2D, wh as tf.Tensor2D, b, { kernel });
        });
      }
      assert.equal(tf.memory().numTensors, n0);
      tf.dispose([wx, wh, b, ids, h0]);
      opt.dispose();
    }
  }
});

test('bad shapes are rejected with a clear message', () => {
  tf.tidy(() => {
    const x = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    const h0 = tf.zeros([3, 5]) as tf.Tensor2D;
    assert.throws(() => fusedRecurrent('gru', x, h0, null, tf.zeros([4, 10]) as tf.Tensor2D, tf.zeros([5, 15]) as tf.Tensor2D, tf.zeros([15]) as tf.Tensor1D), /wx must be/);
    assert.throws(() => fusedRecurrent('lstm', x, h0, null, tf.zeros([4, 20]) as tf.Tensor2D, tf.zeros([5, 20]) as tf.Tensor2D, tf.zeros([20]) as tf.Tensor1D), /LSTM needs c0/);
    const ids = tf.tensor2d([[0, 1, 9]], [1, 3], 'int32');
    assert.throws(() => fusedRecurrent('rnn', ids, h0, null, tf.zeros([4, 5]) as tf.Tensor2D, tf.zeros([5, 5]) as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D), /token id 9/);
  });
});
