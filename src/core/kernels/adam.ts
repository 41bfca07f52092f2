/**
 * d2l's grad_clipping (global norm over every parameter, scaled to θ when above it) and Adam's
 * update, PyTorch's defaults (β 0.9 / 0.999, ε 1e-8), over all parameters in one pass each —
 * the translator's fused training step (../translation/seq2seq/fused-step.ts) calls it once per
 * step where tfjs's optimizer costs ~10 dispatches per variable. The same formula, in the same
 * order, as tf.train.adam (tfjs-core adam_optimizer.ts), so a run can move between the two:
 *   m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²
 *   p += −lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * with β₁ᵗ, β₂ᵗ accumulated by multiplication in float32 from β₁, β₂ (as tfjs's accBeta1/2).
 * Arithmetic is float64 (JavaScript's), rounded to float32 where m, v and p are stored; the C
 * version (native/src/adam_core.h) computes the same expressions in double, so its results
 * have the same bits.
 */
import { kernelNotice } from './notices';
import { currentKernel } from './select';
import type { RecurrentKernel } from './types';

export class AdamState {
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** steps taken */
  iterations = 0;
  /** β₁ᵗ and β₂ᵗ before the next step (float32, as tfjs keeps them) */
  accBeta1: number;
  accBeta2: number;

  constructor(
    sizes: readonly number[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  /** Back to step 0 (zero moments). */
  reset(): void {
    for (const a of [...this.m, ...this.v]) a.fill(0);
    this.iterations = 0;
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
  }
}

/**
 * Elements per chunk of the global norm's sum (native/src/adam_core.h ADAM_CHUNK): the kernels
 * split the work into chunks both threads claim and add the chunks' sums in chunk order, so
 * this loop sums the same way and the norm has the same bits on every path.
 */
export const NORM_CHUNK = 16384;

/**
 * Σ g² of g[lo, hi) in eight lanes (element lo + i goes to lane i mod 8), added as
 * ((0+1)+(2+3))+((4+5)+(6+7)), as adam_core.h's adam_sumsq. Each g² is exact in float64.
 */
function sumSquares(g: Float32Array, lo: number, hi: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let i = lo;
  for (; i + 8 <= hi; i += 8) {
    const x0 = g[i], x1 = g[i + 1], x2 = g[i + 2], x3 = g[i + 3], x4 = g[i + 4], x5 = g[i + 5], x6 = g[i + 6], x7 = g[i + 7];
    s0 += x0 * x0; s1 += x1 * x1; s2 += x2 * x2; s3 += x3 * x3;
    s4 += x4 * x4; s5 += x5 * x5; s6 += x6 * x6; s7 += x7 * x7;
  }
  const r = hi - i;
  if (r > 0) s0 += g[i] * g[i];
  if (r > 1) s1 += g[i + 1] * g[i + 1];
  if (r > 2) s2 += g[i + 2] * g[i + 2];
  if (r > 3) s3 += g[i + 3] * g[i + 3];
  if (r > 4) s4 += g[i + 4] * g[i + 4];
  if (r > 5) s5 += g[i + 5] * g[i + 5];
  if (r > 6) s6 += g[i + 6] * g[i + 6];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

/** ‖g‖ over every array (float64, chunk sums added in order: see NORM_CHUNK). */
export function globalNorm(grads: readonly Float32Array[]): number {
  let s = 0;
  for (const g of grads) for (let lo = 0; lo < g.length; lo += NORM_CHUNK) s += sumSquares(g, lo, Math.min(g.length, lo + NORM_CHUNK));
  return Math.sqrt(s);
}

/** One array's update; a = lr / (1 − β₁ᵗ), ib2 = 1 / (1 − β₂ᵗ). */
function adamArray(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, scale: number, b1: number, b2: number, a: number, ib2: number, eps: number): void {
  const c1 = 1 - b1, c2 = 1 - b2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * scale;
    const mi = m[i] * b1 + gi * c1;
    const vi = v[i] * b2 + gi * gi * c2;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (a * mi) / (Math.sqrt(vi * ib2) + eps);
  }
}

/**
 * Clips `grads` to the global norm θ (θ ≤ 0: no clipping) and applies one Adam step to
 * `params`. Returns the norm before clipping. A non-finite norm leaves the gradients as they
 * are (the caller reports the diverged loss). Gradient arrays are read, never written.
 *
 * On the kernel's adamClip when it has one (native/src/adam_core.h on the native and wasm
 * paths: both threads, the same bits as the loops here), else these loops (the ts path; a
 * native or wasm build from before adamClip says so once in the kernel notices). The kernel may
 * replace params[k], s.m[k] and s.v[k] by arrays of the same contents it keeps (the wasm path:
 * views of its heap), so index the lists again after a call rather than keep their arrays.
 */
export function fusedAdamClip(params: Float32Array[], grads: readonly Float32Array[], s: AdamState, lr: number, theta: number, epsilon = 1e-8, kernel: RecurrentKernel = currentKernel()): number {
  const a = lr / Math.fround(1 - s.accBeta1), ib2 = 1 / Math.fround(1 - s.accBeta2);
  let norm: number;
  if (kernel.adamClip) norm = kernel.adamClip(params, grads, s.m, s.v, { theta, beta1: s.beta1, beta2: s.beta2, a, ib2, epsilon });
  else {
    if (kernel.path !== 'ts' && !noticed.has(kernel.path)) {
      noticed.add(kernel.path);
      kernelNotice(`the ${kernel.path} kernel predates adamClip (rebuild it: npm run build:native / build:kernels); clipping and Adam run in TypeScript (the same numbers, slower)`);
    }
    norm = globalNorm(grads);
    const scale = clipScale(norm, theta);
    for (let k = 0; k < params.length; k++) adamArray(params[k], grads[k], s.m[k], s.v[k], scale, s.beta1, s.beta2, a, ib2, epsilon);
  }
  s.iterations++;
  s.accBeta1 = Math.fround(s.accBeta1 * s.beta1);
  s.accBeta2 = Math.fround(s.accBeta2 * s.beta2);
  return norm;
}

/** kernel paths whose missing adamClip was reported */
const noticed = new Set<string>();

/** d2l's grad_clipping factor θ / ‖g‖ (float32) when the norm is finite and above θ > 0, else 1 (adam_core.h adam_norm_scale). */
function clipScale(norm: number, theta: number): number {
  return theta > 0 && norm > theta && Number.isFinite(norm) ? Math.fround(theta / norm) : 1;
}
