/** Messages of the training dashboard and the Compare Runs panel. */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';
import { MetricPoint, RunRecord, RunStatus } from './runs';

export const NgramBaselineSchema = z.object({ n: z.number().int(), epsilon: z.number(), perplexity: z.number(), best: z.boolean() });

export const DashboardToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  /** The whole run, sent on open and after a restore. */
  z.object({
    type: z.literal('run'),
    run: RunRecord,
    baseline: z.object({ n: z.number(), perplexity: z.number() }).nullable(),
    /** The data set's required credit (fra-eng: CC BY 2.0), when it has one. */
    attribution: z.string().nullable().optional(),
    /** n-gram baselines on the run's validation split, one per n at its best ε; `best` is the table's lowest. */
    baselines: z.array(NgramBaselineSchema).optional(),
    /** Why there is no baseline (no held-out split, unreadable corpus). */
    baselineNote: z.string().optional(),
    /** Whether the run holds data out for validation: without it the panel shows no validation curve. */
    hasValidation: z.boolean().optional(),
  }),
  z.object({ type: z.literal('metrics'), runId: z.string(), point: MetricPoint }),
  z.object({ type: z.literal('sample'), runId: z.string(), epoch: z.number(), text: z.string(), lead: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('status'), runId: z.string(), status: RunStatus, epoch: z.number(), error: z.string().nullable() }),
  z.object({ type: z.literal('deleted'), runId: z.string() }),
]);
export type DashboardToWebview = z.infer<typeof DashboardToWebview>;

/** Continues the user's prompt with the run's model (language models). */
export const GenerateRequest = requestSchema('generate', z.object({ prompt: z.string().min(1).max(200) }));

export const ControlRequest = requestSchema('control', z.object({ action: z.enum(['pause', 'resume', 'stop']) }));

// Both requests share type 'request': an inner union tells them apart by method.
export const DashboardToHost = z.discriminatedUnion('type', [...commonToHost, z.discriminatedUnion('method', [ControlRequest, GenerateRequest])]);
export type DashboardToHost = z.infer<typeof DashboardToHost>;

export const DashboardState = z.object({
  runId: z.string(),
  logY: z.boolean().optional(),
  /** The n of the baseline the user picked (absent: the best). */
  baselineN: z.number().int().optional(),
  /** Prompts the user added besides the run's own sample. */
  prompts: z.array(z.string()).optional(),
});
export type DashboardState = z.infer<typeof DashboardState>;

export const CompareToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  z.object({
    type: z.literal('runs'),
    metric: z.enum(['perplexity', 'loss']),
    runs: z.array(z.object({ id: z.string(), name: z.string(), history: z.array(MetricPoint) })),
  }),
]);
export type CompareToWebview = z.infer<typeof CompareToWebview>;
export const CompareToHost = z.discriminatedUnion('type', [...commonToHost]);
export type CompareToHost = z.infer<typeof CompareToHost>;
export const CompareState = z.object({ runIds: z.array(z.string()) });
export type CompareState = z.infer<typeof CompareState>;
