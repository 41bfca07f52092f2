/**
 * The experiment file format, `*.seqlab.json` (JSON with comments):
 *
 *   {
 *     "description": "d2l 9.1–9.2: RNN vs GRU vs LSTM on The Time Machine",
 *     "runs": [{ "name": "char-lm", "corpus": "timemachine", "hidden": 256, "epochs": 50 }],
 *     "sweep": { "model": ["rnn", "gru", "lstm"] },   // every listed value, as a grid
 *     "seeds": [0, 1]                                  // each grid point once per seed
 *   }
 *
 * A run is a language model (`"job": "lm"`, the default) or a translator (`"job": "mt"`) with
 * the keys of its run config (./run-configs.ts). `sweep` may also sit inside one run. The
 * JSON Schema the editor validates with is generated from this zod schema (./json-schema.ts).
 */
import { z } from 'zod';
import { LM_RUN_SHAPE, MT_RUN_SHAPE } from './run-configs';

const RUN_NAME = z.string().min(1).regex(/^[^/\\]+$/, 'a run name cannot contain / or \\').describe('Name of the run; the results land in a folder of this name.');

/** For each config key, a non-empty list of values of that key's type. */
function sweepOf(shape: Record<string, z.ZodType>, omit: string[]) {
  const entries = Object.entries(shape)
    .filter(([k]) => !omit.includes(k))
    .map(([k, s]) => [k, z.array(unwrapDefault(s)).min(1).describe(`Values of ${k} to sweep over.${s.description ? ` ${s.description}` : ''}`)]);
  return z.strictObject(Object.fromEntries(entries)).partial();
}

/** `z.number().default(1)` → `z.number()` (a sweep lists values; it has no default), keeping the description. */
function unwrapDefault(s: z.ZodType): z.ZodType {
  const inner = s instanceof z.ZodDefault ? (s.unwrap() as z.ZodType) : s;
  return s.description && !inner.description ? inner.describe(s.description) : inner;
}

const NOT_SWEPT = ['job', 'dataDirectory'];
const SWEEP_DESCRIPTION = 'Lists of values: the runs expand to every combination (a grid), e.g. "lr": [0.5, 1, 2].';

export const LMRunSchema = z
  .strictObject({ ...LM_RUN_SHAPE, job: LM_RUN_SHAPE.job.optional(), name: RUN_NAME, sweep: sweepOf(LM_RUN_SHAPE, NOT_SWEPT).optional().describe(SWEEP_DESCRIPTION) })
  .partial({ name: true })
  .describe('A language model run (d2l 9.5–10.4).');
const MT_OPTIONAL = Object.fromEntries(Object.entries(MT_RUN_SHAPE).filter(([k]) => k !== 'job').map(([k, s]) => [k, s.optional()]));
export const MTRunSchema = z
  .strictObject({ ...MT_OPTIONAL, job: MT_RUN_SHAPE.job, name: RUN_NAME.optional(), sweep: sweepOf(MT_RUN_SHAPE, NOT_SWEPT).optional().describe(SWEEP_DESCRIPTION) })
  .describe('A seq2seq translator run (d2l 10.7); needs "job": "mt".');

export const ExperimentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).optional().describe('Name of the experiment (default: the file name without .seqlab.json).'),
    description: z.string().optional().describe('What the experiment compares; shown in the Runs view.'),
    runs: z.array(z.union([LMRunSchema, MTRunSchema])).min(1).describe('The runs: each a language model or a translator with its data, model and hyper-parameters.'),
    sweep: sweepOf({ ...MT_RUN_SHAPE, ...LM_RUN_SHAPE }, NOT_SWEPT).optional().describe(`${SWEEP_DESCRIPTION} Applies to every run.`),
    seeds: z.array(z.number().int().min(0)).min(1).optional().describe('Repeats: every run (and grid point) once per seed.'),
  })
  .describe('A Seqlab experiment: runs, a sweep grid and seeds; results land in <name>.seqlab-results/ next to the file.');
export type Experiment = z.infer<typeof ExperimentSchema>;
export type ExperimentRun = Experiment['runs'][number];

/** `rnn-gru-lstm.seqlab.json` → `rnn-gru-lstm`. */
export const EXPERIMENT_SUFFIX = '.seqlab.json';
export function experimentBaseName(file: string): string {
  const base = file.split(/[\\/]/).pop()!;
  return base.endsWith(EXPERIMENT_SUFFIX) ? base.slice(0, -EXPERIMENT_SUFFIX.length) : base.replace(/\.json$/, '');
}
