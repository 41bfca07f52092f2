/**
 * d2l's grad_clipping (global norm over every parameter, scaled to θ when above it) and Adam's
 * update, PyTorch's defaults (β 0.9 / 0.999, ε 1e-8), over all parameters in one pass each —
 * the translator's fused training step (../translation/seq2seq/fused-step.ts) calls it once per
 * step where tfjs's optimizer costs ~10 dispatches per variable. The same formula, in the same
 * order, as tf.train.adam (tfjs-core adam_optimizer.ts), so a run can move between the two:
 *   m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²
 *   p += −lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * with β₁ᵗ, β₂ᵗ accumulated by multiplication in float32 from β₁, β₂ (as tfjs's accBeta1/2).
 */

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

/** Σ g² of one array (its own function: V8 keeps each loop monomorphic and tight). */
function sumSquares(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return s;
}

/** ‖g‖ over every array (accumulated in float64). */
export function globalNorm(grads: readonly Float32Array[]): number {
  let s = 0;
  for (const g of grads) s += sumSquares(g);
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
 */
export function fusedAdamClip(params: Float32Array[], grads: readonly Float32Array[], s: AdamState, lr: number, theta: number, epsilon = 1e-8): number {
  const norm = globalNorm(grads);
  const scale = theta > 0 && norm > theta && Number.isFinite(norm) ? Math.fround(theta / norm) : 1;
  const a = lr / Math.fround(1 - s.accBeta1), ib2 = 1 / Math.fround(1 - s.accBeta2);
  for (let k = 0; k < params.length; k++) adamArray(params[k], grads[k], s.m[k], s.v[k], scale, s.beta1, s.beta2, a, ib2, epsilon);
  s.iterations++;
  s.accBeta1 = Math.fround(s.accBeta1 * s.beta1);
  s.accBeta2 = Math.fround(s.accBeta2 * s.beta2);
  return norm;
}
