/**
 * From an experiment file's runs to the runs that train: every run entry × the grid of its
 * sweep (top-level and its own, the first key outermost) × the seeds, with `--set` overrides
 * applied to every run first. Each expanded run carries the keys it was given (what the Runs
 * view and the CLI pass on) and its resolved config (defaults filled, every value checked,
 * what the results folder records).
 */
import { isAbsolute, resolve } from 'node:path';
import { SeqlabError } from '../util/errors';
import type { Experiment, ExperimentRun } from './format';
import { RUN_KINDS, type RunKind } from './run-configs';

export type Value = string | number | boolean | null;
export type JsonPath = (string | number)[];

/** A problem with the file: where (a JSON path into it) and one sentence. */
export interface ExperimentProblem {
  path: JsonPath;
  message: string;
  /** syntax = not JSON; schema = the format's schema (what the editor's JSON support also shows); run = a run's resolved config. */
  source?: 'syntax' | 'schema' | 'run';
}

export interface ExpandedRun {
  /** The run entry's name (the `name` key, or `run N`). */
  entry: string;
  /** Index of the entry in `runs`. */
  index: number;
  kind: RunKind;
  /** Human name: entry name (when several entries), swept values, seed — what legends show. */
  label: string;
  /** Folder-safe form of the label, unique in the experiment. */
  slug: string;
  /** The swept values of this grid point (and `seed` when there are several seeds). */
  swept: Record<string, Value>;
  /** The keys the file (sweep point, seed, overrides) gives this run. */
  given: Record<string, Value>;
  /** The full config with defaults, validated by the run kind. */
  config: Record<string, unknown>;
}

export interface ExpandOptions {
  /** Keep only the runs whose entry name, label or slug is this. */
  only?: string;
  /** key → value set in every run that has the key (a swept key stops being swept). */
  set?: Record<string, Value>;
}

function entryName(run: ExperimentRun, index: number): string {
  return run.name ?? `run ${index + 1}`;
}

export function kindOf(run: { job?: unknown }): RunKind {
  return run.job === 'mt' ? 'mt' : 'lm';
}

function formatValue(v: Value): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function slugOf(label: string): string {
  return label.replace(/ · /g, '_').replace(/\s+/g, '-').replace(/[^A-Za-z0-9._=+-]/g, '-');
}

/** Cartesian product of the sweep lists, first key outermost. */
function grid(sweep: [string, Value[]][]): Record<string, Value>[] {
  let points: Record<string, Value>[] = [{}];
  for (const [k, values] of sweep) points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  return points;
}

/**
 * Expands the (schema-valid) experiment. Returns the runs and the problems found while
 * resolving them; a run whose config is invalid is left out and reported at its entry.
 */
export function expandExperiment(exp: Experiment, opts: ExpandOptions = {}): { runs: ExpandedRun[]; problems: ExperimentProblem[] } {
  const problems: ExperimentProblem[] = [];
  const set = opts.set ?? {};
  const topSweep = Object.entries((exp.sweep ?? {}) as Record<string, Value[] | undefined>).filter((e): e is [string, Value[]] => e[1] !== undefined);
  const seeds = exp.seeds ?? [];
  const kinds = exp.runs.map((r) => kindOf(r));
  for (const [k] of topSweep) {
    if (!kinds.some((kind) => k in RUN_KINDS[kind].shape)) problems.push({ source: 'run', path: ['sweep', k], message: `No run has a setting "${k}" to sweep.` });
  }
  for (const k of Object.keys(set)) {
    if (!kinds.some((kind) => k in RUN_KINDS[kind].shape)) throw new SeqlabError(`--set ${k}: no run of this experiment has a setting "${k}".`, 'usage');
  }
  const names = new Set<string>();
  const runs: ExpandedRun[] = [];
  exp.runs.forEach((run, index) => {
    const kind = kinds[index];
    const shape = RUN_KINDS[kind].shape;
    const entry = entryName(run, index);
    if (names.has(entry)) problems.push({ source: 'run', path: ['runs', index, 'name'], message: `Two runs are named "${entry}"; give each run its own name.` });
    names.add(entry);
    const { name: _n, sweep: own, ...base } = run as Record<string, unknown> & { name?: string; sweep?: Record<string, Value[] | undefined> };
    const ownSweep = Object.entries(own ?? {}).filter((e): e is [string, Value[]] => e[1] !== undefined);
    const sweepMap = new Map<string, Value[]>([...topSweep.filter(([k]) => k in shape), ...ownSweep]);
    for (const k of Object.keys(set)) sweepMap.delete(k);
    if (seeds.length && sweepMap.has('seed')) problems.push({ source: 'run', path: ['seeds'], message: 'List seeds either in "seeds" or in a sweep over "seed", not both.' });
    const repeats = seeds.length && !sweepMap.has('seed') ? seeds : [undefined];
    const ownSet = Object.fromEntries(Object.entries(set).filter(([k]) => k in shape));
    for (const point of grid([...sweepMap])) {
      for (const seed of repeats) {
        const swept: Record<string, Value> = { ...point, ...(seed !== undefined && seeds.length > 1 ? { seed } : {}) };
        const given: Record<string, Value> = { ...(base as Record<string, Value>), ...point, ...(seed !== undefined ? { seed } : {}), ...ownSet, job: kind };
        const parts = [
          ...(exp.runs.length > 1 || Object.keys(swept).length === 0 ? [entry] : []),
          ...Object.entries(point).map(([k, v]) => `${k}=${formatValue(v)}`),
          ...(seed !== undefined && seeds.length > 1 ? [`seed ${seed}`] : []),
        ];
        const label = parts.join(' · ');
        try {
          const config = RUN_KINDS[kind].resolve(given);
          runs.push({ entry, index, kind, label, slug: slugOf(label), swept, given, config });
        } catch (err) {
          if (!(err instanceof SeqlabError)) throw err;
          problems.push({ source: 'run', path: ['runs', index], message: Object.keys(swept).length ? `${label}: ${err.message}` : err.message });
        }
      }
    }
  });
  const slugs = new Set<string>();
  for (const r of runs) {
    if (slugs.has(r.slug)) problems.push({ source: 'run', path: ['runs', r.index], message: `Two runs expand to the same name "${r.label}"; name the runs apart.` });
    slugs.add(r.slug);
  }
  if (opts.only === undefined) return { runs, problems };
  const only = runs.filter((r) => r.entry === opts.only || r.label === opts.only || r.slug === opts.only);
  if (only.length === 0) {
    const known = [...new Set(runs.flatMap((r) => [r.entry, r.label]))].map((n) => `"${n}"`).join(', ');
    throw new SeqlabError(`No run is named "${opts.only}"; the runs are ${known}.`, 'usage');
  }
  return { runs: only, problems };
}

/** `--set key=value`: the value is read as JSON (numbers, true/false, null, "strings"), else kept as text. */
export function parseOverrides(items: readonly string[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new SeqlabError(`--set needs key=value, got "${item}".`, 'usage');
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1).trim();
    let value: Value;
    try {
      const v: unknown = JSON.parse(text);
      value = v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as Value) : text;
    } catch {
      value = text;
    }
    out[key] = value;
  }
  return out;
}

const DATASET_NAMES = ['timemachine', 'fra-eng', 'fra-eng:fr'];

/**
 * The config a run trains with: a data file named by a relative path is read relative to the
 * experiment file's folder (so an experiment and its data can move together), the rest as given.
 */
export function trainingConfig(run: Pick<ExpandedRun, 'config' | 'kind'>, experimentDir: string): Record<string, unknown> {
  const key = RUN_KINDS[run.kind].data;
  const data = run.config[key];
  if (typeof data !== 'string' || DATASET_NAMES.includes(data) || isAbsolute(data)) return run.config;
  return { ...run.config, [key]: resolve(experimentDir, data) };
}
