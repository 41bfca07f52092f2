/** A fused loss pass's gradients are of the mean over its N rows (./masked-xent.ts rescales them to Σ / divisor). */
import type { DenseGrads } from './types';

/** Multiplies dense gradients in place: s = N / divisor turns the mean's gradient into that of Σ / divisor. */
export function scaleGrads(g: DenseGrads, s: number): DenseGrads {
  if (s !== 1) for (const a of [g.da, g.dw, g.db]) for (let i = 0; i < a.length; i++) a[i] *= s;
  return g;
}
