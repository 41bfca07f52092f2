/**
 * How a recurrent layer is computed — chosen here and nowhere else. Three strategies compute
 * the same function from the same packed weights (so checkpoints do not depend on them):
 *   - 'fused':   the fused whole-sequence kernel op (../../kernels/tfjs-op.ts); the fastest.
 *   - 'scratch': the per-step reference cells of the textbook's equations (../cells.ts); records gates.
 *   - 'layers':  tf.layers simpleRNN / gru / lstm, the textbook's "concise" path.
 * A run's strategy can differ from the configured one only through `chooseStrategy`, which says
 * why; the run reports it (the `ready` event's `computation`, the checkpoint's config.json).
 */
import { SeqlabError } from '../../util/errors';

export type Impl = 'scratch' | 'fused' | 'layers';
export const IMPLS: readonly Impl[] = ['scratch', 'fused', 'layers'];

export const STRATEGY_LABELS: Readonly<Record<Impl, string>> = {
  fused: 'fused kernel',
  scratch: 'per-step reference cells',
  layers: 'tf.layers',
};

/** What the gradient multipliers of a window do (see ForwardOptions.gradScales). */
export type GradScaling = 'none' | 'cuts' | 'reweighted';

export function gradScaling(scales: readonly number[] | undefined): GradScaling {
  if (!scales || scales.every((s) => s === 1)) return 'none';
  return scales.every((s) => s === 0 || s === 1) ? 'cuts' : 'reweighted';
}

export interface StrategyChoice {
  /** The strategy that computes. */
  strategy: Impl;
  /** The strategy the config asked for. */
  configured: Impl;
  /** Why they differ (one sentence); absent when they do not. */
  reason?: string;
}

/**
 * The strategy for a computation: the configured one, unless recording gates (only the
 * reference cells expose them) or reweighted gradients (randomised truncation scales each step
 * by 1/π, which the fused kernel cannot) need the reference cells. The layers strategy trains
 * with full BPTT only.
 */
export function chooseStrategy(configured: Impl, needs: { record?: boolean; scaling?: GradScaling } = {}): StrategyChoice {
  if (configured === 'layers' && needs.scaling && needs.scaling !== 'none') {
    throw new SeqlabError('The layers implementation trains with full BPTT only; use --impl scratch or fused for truncation.');
  }
  if (needs.record && configured !== 'scratch') {
    return { strategy: 'scratch', configured, reason: 'recording gates runs the per-step reference cells (same weights)' };
  }
  if (configured === 'fused' && needs.scaling === 'reweighted') {
    return {
      strategy: 'scratch',
      configured,
      reason: 'randomised truncation reweights every step’s gradient by 1/π, which the fused kernel cannot, so this run trains on the per-step reference cells',
    };
  }
  return { strategy: configured, configured };
}

/** One phrase for run info: "fused kernel", or "per-step reference cells (fused kernel configured: …)". */
export function describeStrategy(c: StrategyChoice): string {
  const label = STRATEGY_LABELS[c.strategy];
  return c.reason ? `${label} (${STRATEGY_LABELS[c.configured]} configured; ${c.reason})` : label;
}
