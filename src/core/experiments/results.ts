/**
 * The results folder next to an experiment file, `<name>.seqlab-results/`, written the same way
 * by the extension and by `seqlab run`:
 *
 *   <run>/config.json    the run's resolved config (defaults filled in)
 *   <run>/metrics.json   one row per epoch, as the training worker reports it
 *   <run>/metrics.csv    the same rows as a table
 *   <run>/result.json    status, best validation perplexity / loss / BLEU, final checkpoint path
 *   summary.md / summary.csv / summary.json   one row per run of the experiment
 *
 * Files are written atomically, so a killed run never leaves half a file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/fs';
import type { EpochMetrics } from '../../protocol/training';
import type { ExpandedRun, Value } from './expand';
import { experimentBaseName } from './format';
import type { ParsedExperiment } from './parse';

export const RESULTS_SUFFIX = '.seqlab-results';

export function resultsDirFor(experimentFile: string): string {
  return join(dirname(experimentFile), `${experimentBaseName(experimentFile)}${RESULTS_SUFFIX}`);
}

export const RUN_RESULT_FILES = ['config.json', 'metrics.json', 'metrics.csv', 'result.json'] as const;
export const SUMMARY_FILES = ['summary.md', 'summary.csv', 'summary.json'] as const;

export const Best = z.object({
  /** Lowest validation perplexity (language models with a validation split). */
  valPerplexity: z.number().nullable(),
  /** Lowest training loss (cross-entropy per token; the translator's d2l loss). */
  loss: z.number().nullable(),
  /** Highest held-out BLEU (translators with a held-out fraction). */
  bleu: z.number().nullable(),
});
export type Best = z.infer<typeof Best>;

export const RunResult = z.object({
  name: z.string(),
  entry: z.string(),
  kind: z.enum(['lm', 'mt']),
  swept: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  status: z.enum(['done', 'stopped', 'failed']),
  epochs: z.number().int(),
  best: Best,
  checkpoint: z.string().nullable(),
  error: z.string().nullable(),
  finished: z.string(),
});
export type RunResult = z.infer<typeof RunResult>;

export interface RunOutcome {
  status: RunResult['status'];
  history: readonly EpochMetrics[];
  checkpoint: string | null;
  error?: string | null;
}

function minOf(xs: (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.min(...v) : null;
}

export function bestOf(history: readonly EpochMetrics[]): Best {
  const bleu = history.map((h) => h.extra?.bleu).filter((x): x is number => typeof x === 'number');
  return { valPerplexity: minOf(history.map((h) => h.valPerplexity)), loss: minOf(history.map((h) => h.loss)), bleu: bleu.length ? Math.max(...bleu) : null };
}

const BASE_COLUMNS = ['epoch', 'loss', 'perplexity', 'valPerplexity', 'tokensPerSecond', 'elapsedMs', 'gradNorm'] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function metricsCsv(history: readonly EpochMetrics[]): string {
  const extra = [...new Set(history.flatMap((h) => Object.keys(h.extra ?? {})))].sort();
  const rows = history.map((h) => [...BASE_COLUMNS.map((c) => h[c]), ...extra.map((k) => h.extra?.[k])].map(csvCell).join(','));
  return [[...BASE_COLUMNS, ...extra].join(','), ...rows].join('\n') + '\n';
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** Writes one run's folder (replacing an earlier result of the same run). */
export function writeRunResult(resultsDir: string, run: ExpandedRun, outcome: RunOutcome): RunResult {
  const dir = join(resultsDir, run.slug);
  mkdirSync(dir, { recursive: true });
  const result: RunResult = {
    name: run.label,
    entry: run.entry,
    kind: run.kind,
    swept: run.swept as Record<string, Value>,
    status: outcome.status,
    epochs: outcome.history.length ? outcome.history[outcome.history.length - 1].epoch : 0,
    best: bestOf(outcome.history),
    checkpoint: outcome.checkpoint,
    error: outcome.error ?? null,
    finished: new Date().toISOString(),
  };
  writeFileAtomic(join(dir, 'config.json'), json(run.config));
  writeFileAtomic(join(dir, 'metrics.json'), json(outcome.history));
  writeFileAtomic(join(dir, 'metrics.csv'), metricsCsv(outcome.history));
  writeFileAtomic(join(dir, 'result.json'), json(result));
  return result;
}

/** A run's stored result, or undefined when it has none (not run yet, or an unreadable file). */
export function readRunResult(resultsDir: string, run: Pick<ExpandedRun, 'slug'>): RunResult | undefined {
  const file = join(resultsDir, run.slug, 'result.json');
  if (!existsSync(file)) return undefined;
  try {
    const r = RunResult.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export interface SummaryRow {
  run: string;
  status: RunResult['status'] | 'pending';
  epochs: number;
  best: Best;
  checkpoint: string | null;
  swept: Record<string, Value>;
}

const fixed = (v: number | null, digits = 3) => (v === null ? '' : v.toFixed(digits));

/** Rewrites the summary from the runs' result files, in the experiment's order. */
export function writeSummary(resultsDir: string, exp: ParsedExperiment): SummaryRow[] {
  mkdirSync(resultsDir, { recursive: true });
  const rows: SummaryRow[] = exp.runs.map((run) => {
    const r = readRunResult(resultsDir, run);
    return { run: run.label, status: r?.status ?? 'pending', epochs: r?.epochs ?? 0, best: r?.best ?? { valPerplexity: null, loss: null, bleu: null }, checkpoint: r?.checkpoint ?? null, swept: run.swept };
  });
  const head = ['run', 'status', 'epochs', 'best validation perplexity', 'best loss', 'best BLEU', 'checkpoint'];
  const cells = rows.map((r) => [r.run, r.status, String(r.epochs), fixed(r.best.valPerplexity), fixed(r.best.loss, 4), fixed(r.best.bleu), r.checkpoint ?? '']);
  const md = [
    `# ${exp.name}`,
    '',
    ...(exp.experiment.description ? [exp.experiment.description, ''] : []),
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i >= 2 && i <= 5 ? '---:' : '---')).join(' | ')} |`,
    ...cells.map((c) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
  ].join('\n');
  writeFileAtomic(join(resultsDir, 'summary.md'), md);
  writeFileAtomic(join(resultsDir, 'summary.csv'), [head, ...cells].map((c) => c.map(csvCell).join(',')).join('\n') + '\n');
  writeFileAtomic(join(resultsDir, 'summary.json'), json({ experiment: exp.name, runs: rows }));
  return rows;
}
