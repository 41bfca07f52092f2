/**
 * PyTorch's GRU variant (weights with bhn; kind 3 of native/src/rnn_core.h) on every fused
 * path: forward states and every gradient, db_hn included, equal the TypeScript reference, on
 * shapes with ragged panels, dense and token-id inputs, and cases large enough for the second
 * thread (results must not depend on which thread ran which piece). A path that does not load
 * here is skipped with the reason.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernel } from '../../src/core/kernels/reference';
import { disposeKernels, getKernel } from '../../src/core/kernels/select';
import type { KernelPath, RecurrentKernel } from '../../src/core/kernels/types';

after(() => disposeKernels());

const CASES = [
  { T: 3, B: 2, I: 5, H: 7, ids: false },
  { T: 4, B: 3, I: 9, H: 20, ids: true },
  { T: 5, B: 40, I: 9, H: 40, ids: false },
  { T: 4, B: 70, I: 28, H: 33, ids: true },
];

function rng(seed: number) {
  return (n: number, scale: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 2 * scale);
}

function run(k: RecurrentKernel, c: (typeof CASES)[number]): Record<string, Float32Array> {
  const { T, B, I, H, ids } = c;
  const N = 3 * H;
  const rnd = rng(5);
  const x = ids ? Int32Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % I) : rnd(T * B * I, 1);
  const h0 = rnd(B * H, 0.5);
  const w = { wx: rnd(I * N, 0.4), wh: rnd(H * N, 0.4), b: rnd(N, 0.2), bhn: rnd(H, 0.5) };
  const f = k.forward('gru', { T, B, I, H }, x, h0, null, w);
  const hs = Float32Array.from(f.hs);
  const g = k.backward(f.cache!, rnd(T * B * H, 1), rnd(B * H, 1), null);
  assert.ok(g.dbhn, `${k.path} returns db_hn`);
  return { hs, dh0: g.dh0, dwx: g.dwx, dwh: g.dwh, db: g.db, dbhn: g.dbhn!, ...(g.dx ? { dx: g.dx } : {}) };
}

for (const path of ['wasm-simd', 'wasm-simd-threads', 'native'] as KernelPath[]) {
  test(`PyTorch's GRU on ${path} equals the reference kernel (forward, BPTT, db_hn)`, async (t) => {
    const k = await getKernel(path);
    if (!k) return t.skip(`the ${path} kernel does not load on this machine`);
    assert.equal(k.resetAfter, true);
    for (const c of CASES) {
      const want = run(tsKernel, c);
      const got = run(k, c);
      for (const [name, a] of Object.entries(want)) {
        const b = got[name];
        assert.ok(b, `${name} missing`);
        let d = 0, m = 0;
        for (let i = 0; i < a.length; i++) {
          d = Math.max(d, Math.abs(a[i] - b[i]));
          m = Math.max(m, Math.abs(a[i]));
        }
        assert.ok(d <= 2e-5 * Math.max(m, 1), `${JSON.stringify(c)} ${name}: off by ${d} (scale ${m})`);
      }
    }
  });
}
