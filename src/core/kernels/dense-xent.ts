/** Shared by the kernels' denseXent (./types.ts): xent_rows' gradient is of the mean over N rows. */
import type { DenseGrads } from './types';

/** Multiplies dense gradients in place: s = N / divisor turns the mean's gradient into that of Σ / divisor. */
export function scaleGrads(g: DenseGrads, s: number): DenseGrads {
  if (s !== 1) for (const a of [g.da, g.dw, g.db]) for (let i = 0; i < a.length; i++) a[i] *= s;
  return g;
}
