import { Rng } from '../util/random';
import { SeqlabError } from '../util/errors';

/** d2l 8.1: x_t = sin(0.01 t) + N(0, 0.2) for t = 1…T. */
export function noisySine(T = 1000, seed = 0, noise = 0.2): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(T);
  for (let t = 1; t <= T; t++) x[t - 1] = Math.sin(0.01 * t) + rng.normal(0, noise);
  return x;
}

/** τ-lag features: row i is x[i…i+τ−1], its label x[i+τ]; T − τ rows. */
export function lagFeatures(x: Float32Array, tau: number): { features: Float32Array[]; labels: Float32Array } {
  if (!Number.isInteger(tau) || tau < 1 || tau >= x.length) throw new SeqlabError(`τ must be a whole number from 1 to ${x.length - 1}, got ${tau}.`);
  const n = x.length - tau;
  const features = Array.from({ length: n }, (_, i) => x.slice(i, i + tau));
  return { features, labels: x.slice(tau) };
}
