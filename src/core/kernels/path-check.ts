/**
 * Start-up numerics check of a kernel path: a GRU and an LSTM step (dense and token-id input,
 * forward and every gradient, big enough that two-thread paths split it), the fused dense
 * layer and the cross-entropy must agree with the TypeScript reference. A path that fails is
 * not used (select.ts says so); relaxed SIMD leaves fused or unfused multiply-add to the
 * hardware, so the tolerance is 1e-4 of each array's largest value.
 */
import { tsKernel } from './reference';
import { tsXent } from './xent-ts';
import type { RecurrentKernel } from './types';

/** null when `k` agrees with the reference, else what differed. */
export function pathDisagreement(k: RecurrentKernel): string | null {
  let seed = 7;
  const rnd = (n: number, sc: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 2 * sc);
  const near = (what: string, a: Float32Array | null, b: Float32Array | null): string | null => {
    if (!a || !b) return a === b ? null : `${what} missing`;
    if (a.length !== b.length) return `${what} has ${a.length} values, not ${b.length}`;
    let scale = 1e-3;
    for (const v of b) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-4 * scale)) return `${what}[${i}] is ${a[i]}, the reference ${b[i]}`;
    return null;
  };
  try {
    for (const [kind, ids] of [['gru', false], ['lstm', true]] as const) {
      const T = 3, B = 20, I = 7, H = 40, N = (kind === 'gru' ? 3 : 4) * H;
      const x = ids ? Int32Array.from({ length: T * B }, (_, i) => (i * 3) % I) : rnd(T * B * I, 1);
      const h0 = rnd(B * H, 0.5), c0 = kind === 'lstm' ? rnd(B * H, 0.5) : null;
      const w = { wx: rnd(I * N, 0.5), wh: rnd(H * N, 0.5), b: rnd(N, 0.2) };
      const dhs = rnd(T * B * H, 1);
      const a = k.forward(kind, { T, B, I, H }, x, h0, c0, w);
      const r = tsKernel.forward(kind, { T, B, I, H }, x, h0, c0, w);
      const bad = near(`${kind} hs`, a.hs, r.hs) ?? near(`${kind} cT`, a.cT, r.cT);
      if (bad) return bad;
      const ga = k.backward(a.cache!, dhs, null, null);
      const gr = tsKernel.backward(r.cache!, dhs, null, null);
      for (const key of ['dx', 'dh0', 'dc0', 'dwx', 'dwh', 'db'] as const) {
        const d = near(`${kind} ${key}`, ga[key], gr[key]);
        if (d) return d;
      }
    }
    const d = { N: 30, D: 20, V: 13 };
    const A = rnd(d.N * d.D, 1), W = rnd(d.D * d.V, 0.5), b = rnd(d.V, 0.1), dy = rnd(d.N * d.V, 1);
    if (k.dense && tsKernel.dense) {
      const bad = near('dense y', k.dense(d, A, W, b), tsKernel.dense(d, A, W, b));
      if (bad) return bad;
    }
    if (k.denseBackward && tsKernel.denseBackward) {
      const ga = k.denseBackward(d, A, W, dy), gr = tsKernel.denseBackward(d, A, W, dy);
      const bad = near('dense da', ga.da, gr.da) ?? near('dense dw', ga.dw, gr.dw) ?? near('dense db', ga.db, gr.db);
      if (bad) return bad;
    }
    if (k.softmaxXent) {
      const y = Int32Array.from({ length: d.N }, (_, i) => (i * 5) % d.V);
      const ga = k.softmaxXent(d.N, d.V, dy, y), gr = tsXent(d.N, d.V, dy, y);
      const bad = near('xent grad', ga.grad, gr.grad) ?? near('xent stat', ga.stat, gr.stat);
      if (bad) return bad;
    }
    return null;
  } catch (e) {
    return `it failed: ${(e as Error).message}`;
  }
}
