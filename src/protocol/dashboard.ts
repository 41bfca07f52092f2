/** Messages of the training dashboard and the Compare Runs panel. */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';
import { MetricPoint, RunRecord, RunStatus } from './runs';

export const DashboardToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  /** The whole run, sent on open and after a restore. */
  z.object({
    type: z.literal('run'),
    run: RunRecord,
    baseline: z.object({ n: z.number(), perplexity: z.number() }).nullable(),
    /** The data set's required credit (fra-eng: CC BY 2.0), when it has one. */
    attribution: z.string().nullable().optional(),
  }),
  z.object({ type: z.literal('metrics'), runId: z.string(), point: MetricPoint }),
  z.object({ type: z.literal('sample'), runId: z.string(), epoch: z.number(), text: z.string(), lead: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('status'), runId: z.string(), status: RunStatus, epoch: z.number(), error: z.string().nullable() }),
  z.object({ type: z.literal('deleted'), runId: z.string() }),
]);
export type DashboardToWebview = z.infer<typeof DashboardToWebview>;

export const ControlRequest = requestSchema('control', z.object({ action: z.enum(['pause', 'resume', 'stop']) }));

export const DashboardToHost = z.discriminatedUnion('type', [...commonToHost, ControlRequest]);
export type DashboardToHost = z.infer<typeof DashboardToHost>;

export const DashboardState = z.object({ runId: z.string(), logY: z.boolean().optional() });
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
