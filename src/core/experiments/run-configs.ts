/**
 * The run configs an experiment file can hold: the job config schemas of
 * ../training/job-configs.ts (the same zod schemas the worker validates with; every key carries
 * its `.describe()` text). The experiment format, its JSON Schema and the sweep keys are built
 * from these shapes, so a key added to a run config appears in experiment files without an edit here.
 */
import { z } from 'zod';
import { JOB_CONFIG_SCHEMAS, MT_PRESETS, parseLMConfig, resolveMtConfig } from '../training/job-configs';
import { MT_JOB } from '../translation/mt-config';

/** Every key of the language model's config, all optional (defaults apply). */
export const LM_RUN_SHAPE = { ...JOB_CONFIG_SCHEMAS.lm.shape, job: z.literal('lm').describe(JOB_CONFIG_SCHEMAS.lm.shape.job.description ?? 'The job kind.') };
/** Every key of the translator's config; `job: "mt"` tells it apart. `preset` is what resolveMtConfig starts from. */
export const MT_RUN_SHAPE = {
  ...JOB_CONFIG_SCHEMAS.mt.shape,
  job: z.literal(MT_JOB).describe(JOB_CONFIG_SCHEMAS.mt.shape.job.description ?? 'The job kind.'),
  preset: z.enum(Object.keys(MT_PRESETS) as [string, ...string[]]).describe('Starting point whose values the run\'s own keys override: textbook (d2l 10.7) or a preset for all pairs.'),
};

/** Job kind → what the experiment format needs of it. */
export const RUN_KINDS = {
  lm: {
    shape: LM_RUN_SHAPE,
    /** Defaults applied and every value checked; throws SeqlabError with one sentence. */
    resolve: (c: Record<string, unknown>): Record<string, unknown> => parseLMConfig({ ...c, job: 'lm' }),
    data: 'corpus',
  },
  mt: {
    shape: MT_RUN_SHAPE,
    resolve: (c: Record<string, unknown>): Record<string, unknown> => ({ ...resolveMtConfig({ ...c, job: MT_JOB }) }),
    data: 'pairs',
  },
} as const;
export type RunKind = keyof typeof RUN_KINDS;
