/**
 * What a run is called and what it reports, in one place for the status bar, the Runs tree,
 * tooltips, notifications and the dashboard: a language model reports perplexity, a translator
 * its loss (and BLEU); both show elapsed and remaining time. Pure (zod types only), so the
 * webviews use it too.
 */
import type { RunRecord } from './runs';

/** "GRU", "2-layer LSTM" for language models, "Seq2seq" for translators. */
export function runKindLabel(r: RunRecord): string {
  if (r.kind === 'translator') return 'Seq2seq';
  return r.model.cell.toUpperCase();
}

/** The metric's name as shown beside its value: "ppl" / "loss". */
export function metricShort(r: RunRecord): string {
  return r.metric === 'perplexity' ? 'ppl' : 'loss';
}

/** The metric's full name: "perplexity" / "loss". */
export function metricName(r: RunRecord): string {
  return r.metric === 'loss' ? 'loss' : 'perplexity';
}

/** Whether the run holds data out for validation (a language model's split below 1, a translator's held-out fraction above 0). */
export function hasValidation(r: RunRecord): boolean {
  if (r.kind === 'translator') return typeof r.hyper.validFraction === 'number' && r.hyper.validFraction > 0;
  return !(typeof r.hyper.split === 'number' && r.hyper.split >= 1);
}

/** The latest value with its name, e.g. "validation ppl 5.870" or "loss 0.041". */
export function latestMetric(r: RunRecord): string {
  if (r.latest === null) return '';
  const last = r.history[r.history.length - 1];
  const which = last?.valid != null ? 'validation ' : '';
  return `${which}${metricShort(r)} ${r.latest.toFixed(r.latest < 10 ? 3 : 1)}`;
}

export interface RunTiming {
  /** Training time of the finished epochs. */
  elapsedMs: number;
  /** Estimated from the recent time per epoch (with evaluation); null before two epochs or once finished. */
  remainingMs: number | null;
}

export function runTiming(r: RunRecord): RunTiming {
  const h = r.history;
  const elapsedMs = h.reduce((s, p) => s + (p.time ?? 0), 0);
  const left = r.epochs - r.epoch;
  if (left <= 0 || h.length === 0) return { elapsedMs, remainingMs: null };
  // Spacing of the last few epochs as the host received them (includes validation and samples);
  // across a pause or resume the spacing is meaningless, so only close neighbours count.
  const recent = h.slice(-6);
  const gaps: number[] = [];
  for (let i = 1; i < recent.length; i++) {
    const a = recent[i - 1], b = recent[i];
    if (a.at !== undefined && b.at !== undefined && b.epoch === a.epoch + 1) gaps.push(b.at - a.at);
  }
  const perEpoch = gaps.length ? gaps.reduce((s, g) => s + g, 0) / gaps.length : elapsedMs / h.length;
  return { elapsedMs, remainingMs: perEpoch > 0 ? perEpoch * left : null };
}

/** "850 ms", "12 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** "1 min 20 s elapsed · about 2 min 10 s left" (or just the elapsed time). */
export function timingText(r: RunRecord): string {
  const t = runTiming(r);
  if (t.elapsedMs <= 0) return '';
  return `${formatDuration(t.elapsedMs)} elapsed${t.remainingMs !== null && ['running', 'paused'].includes(r.status) ? ` · about ${formatDuration(t.remainingMs)} left` : ''}`;
}
