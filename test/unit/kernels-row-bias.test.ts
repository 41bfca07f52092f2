/**
 * The recurrent kernels' per-row input term (`rowBias`, native/src/rnn_core.h xb/dxb): a sequence
 * whose input is [x_t, c] with c constant over time gives the same hidden states and gradients
 * when c's share of W_x is projected once per row (rowBias = c·W_c) and the kernel reads x_t only —
 * the seq2seq decoder's context (d2l 10.7) without concatenating it to every step. Every kernel
 * path, every cell kind (and PyTorch's GRU), batch 1, sizes not a multiple of 8. A path absent on
 * this machine is skipped with the reason it did not load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getKernel, kernelInfo, PATH_ORDER } from '../../src/core/kernels/select';
import { tsKernel } from '../../src/core/kernels/reference';
import { GATES, type CellKind, type CellWeights, type KernelPath, type RecurrentKernel } from '../../src/core/kernels/types';
import { Rng } from '../../src/core/util/random';

async function kernelOrReason(path: KernelPath): Promise<RecurrentKernel | string> {
  if (path === 'ts') return tsKernel;
  const k = await getKernel(path);
  return k ?? (kernelInfo().notes.find((n) => n.startsWith(`${path}:`)) ?? `${path}: did not load`);
}

/** C[M, N] = A[M, K]·B[K, N] (float64 sums) */
function matmul(M: number, K: number, N: number, a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      c[i * N + j] = s;
    }
  return c;
}

function close(got: Float32Array, want: Float32Array, what: string, tol = 2e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  assert.ok(worst <= tol, `${what}: worst relative difference ${worst}`);
}

const CASES: { kind: CellKind; resetAfter?: boolean; T: number; B: number; E: number; C: number; H: number }[] = [
  { kind: 'gru', T: 5, B: 3, E: 7, C: 9, H: 11 },
  { kind: 'gru', T: 1, B: 1, E: 3, C: 5, H: 17 },
  { kind: 'gru', T: 12, B: 40, E: 32, C: 64, H: 64 }, // large enough to split across threads
  { kind: 'gru', resetAfter: true, T: 4, B: 2, E: 5, C: 6, H: 9 },
  { kind: 'lstm', T: 4, B: 3, E: 6, C: 7, H: 10 },
  { kind: 'rnn', T: 6, B: 2, E: 4, C: 3, H: 13 },
];

for (const path of PATH_ORDER) {
  test(`${path}: a per-row input term equals a constant input concatenated to every step`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    const rng = new Rng(11);
    for (const c of CASES) {
      if (c.resetAfter && !k.resetAfter) continue; // this path has no PyTorch GRU (kernels-reset-after covers which do)
      const { kind, T, B, E, C, H } = c;
      const what = `${path} ${kind}${c.resetAfter ? ' (PyTorch)' : ''} T${T} B${B} E${E} C${C} H${H}`;
      const N = GATES[kind] * H, I = E + C;
      const r = (n: number, s = 0.5) => Float32Array.from({ length: n }, () => rng.normal(0, s));
      const wx = r(I * N, 0.3), wh = r(H * N, 0.3), b = r(N, 0.1);
      const w: CellWeights = { wx, wh, b, ...(c.resetAfter ? { bhn: r(H, 0.1) } : {}) };
      const x = r(T * B * E), ctx = r(B * C), h0 = r(B * H), c0 = kind === 'lstm' ? r(B * H) : null;
      const dhs = r(T * B * H), dhT = r(B * H), dcT = kind === 'lstm' ? r(B * H) : null;

      // reference: [x_t, c] at every step through the whole W_x
      const xc = new Float32Array(T * B * I);
      for (let n = 0; n < T * B; n++) {
        xc.set(x.subarray(n * E, (n + 1) * E), n * I);
        xc.set(ctx.subarray((n % B) * C, (n % B + 1) * C), n * I + E);
      }
      const ref = k.forward(kind, { T, B, I, H }, xc, h0, c0, w);
      const refB = k.backward(ref.cache!, dhs, dhT, dcT);

      // the context's rows of W_x projected once: rowBias = c·W_c
      const wE = wx.slice(0, E * N), wC = wx.slice(E * N);
      const got = k.forward(kind, { T, B, I: E, H }, x, h0, c0, { ...w, wx: wE }, { rowBias: matmul(B, C, N, ctx, wC) });
      close(got.hs, ref.hs, `${what}: hs`);
      const g = k.backward(got.cache!, dhs, dhT, dcT);
      assert.ok(g.drowBias, `${what}: the gradient of the row term is returned`);
      close(g.dwx, refB.dwx.subarray(0, E * N), `${what}: dW_x of x's rows`);
      // dW_c = cᵀ·drowBias, and dc = drowBias·W_cᵀ = the context's columns of dx summed over t
      const ctxT = new Float32Array(C * B);
      for (let i = 0; i < B; i++) for (let j = 0; j < C; j++) ctxT[j * B + i] = ctx[i * C + j];
      close(matmul(C, B, N, ctxT, g.drowBias), refB.dwx.subarray(E * N), `${what}: dW_x of the context's rows`);
      const wCT = new Float32Array(N * C);
      for (let i = 0; i < C; i++) for (let j = 0; j < N; j++) wCT[j * C + i] = wC[i * N + j];
      const dctx = matmul(B, N, C, g.drowBias, wCT);
      const want = new Float32Array(B * C);
      for (let n = 0; n < T * B; n++) for (let j = 0; j < C; j++) want[(n % B) * C + j] += refB.dx![n * I + E + j];
      close(dctx, want, `${what}: the context's gradient`);
      const dxE = new Float32Array(T * B * E);
      for (let n = 0; n < T * B; n++) dxE.set(refB.dx!.subarray(n * I, n * I + E), n * E);
      close(g.dx!, dxE, `${what}: dx`);
      close(g.dh0, refB.dh0, `${what}: dh0`);
      close(g.dwh, refB.dwh, `${what}: dW_h`);
      close(g.db, refB.db, `${what}: db`);
      if (refB.dbhn) close(g.dbhn!, refB.dbhn, `${what}: db_hn`);
      if (refB.dc0) close(g.dc0!, refB.dc0, `${what}: dc0`);
      // without a row term, no such gradient
      const plain = k.forward(kind, { T, B, I: E, H }, x, h0, c0, { ...w, wx: wE });
      assert.equal(k.backward(plain.cache!, dhs, dhT, dcT).drowBias, undefined, `${what}: no row term, no gradient`);
    }
    assert.throws(() => k.forward('gru', { T: 2, B: 2, I: 3, H: 4 }, new Float32Array(12), new Float32Array(8), null, { wx: new Float32Array(36), wh: new Float32Array(48), b: new Float32Array(12) }, { rowBias: new Float32Array(5) }), { message: 'fused recurrent: rowBias needs B·N = 24 entries, got 5' });
  });
}
