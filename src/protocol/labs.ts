/** Messages of the Sequence Model Lab (d2l 8.1) and the BPTT Gradient Explorer (d2l 8.7). */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';

export const SineOptions = z.object({
  tau: z.number().int().min(1).max(64),
  epochs: z.number().int().min(1).max(200),
  seed: z.number().int().min(0),
});
export type SineOptions = z.infer<typeof SineOptions>;

export const SineResult = z.object({
  tau: z.number(),
  trainMse: z.number(),
  onestep: z.array(z.number()),
  onestepMse: z.number(),
  multistep: z.array(z.number()),
  multistepMse: z.number(),
  kStep: z.record(z.string(), z.object({ start: z.number(), values: z.array(z.number()) })),
  kStepMse: z.record(z.string(), z.number()),
  losses: z.array(z.number()),
  x: z.array(z.number()),
});
export type SineResult = z.infer<typeof SineResult>;

export const SineToWebview = z.discriminatedUnion('type', [...commonToWebview, z.object({ type: z.literal('sine'), options: SineOptions, nTrain: z.number(), result: SineResult })]);
export type SineToWebview = z.infer<typeof SineToWebview>;
export const SineToHost = z.discriminatedUnion('type', [...commonToHost, requestSchema('run', SineOptions)]);
export type SineToHost = z.infer<typeof SineToHost>;

export const BpttOptions = z.object({
  steps: z.number().int().min(2).max(200),
  hidden: z.number().int().min(1).max(512),
  /** Weight scale (std) at initialisation; null = the default 1/√H. */
  initStd: z.number().positive().max(10).nullable(),
  seed: z.number().int().min(0),
  /** A trained language model's run to measure (on its corpus, beside fresh cells of its kind); null = fresh RNN, GRU and LSTM cells. */
  runId: z.string().nullable().default(null),
});
export type BpttOptions = z.infer<typeof BpttOptions>;

export const BpttResults = z.array(
  z.object({ kind: z.enum(['rnn', 'gru', 'lstm']), steps: z.number(), gradNorms: z.array(z.number()), ratio: z.number(), label: z.string().optional() }),
);
export type BpttResults = z.infer<typeof BpttResults>;

/** Runs the explorer can measure: one-directional language models with one-hot inputs and a checkpoint. */
export const BpttRuns = z.array(z.object({ id: z.string(), name: z.string(), cell: z.enum(['rnn', 'gru', 'lstm']), hidden: z.number().int().positive() }));
export type BpttRuns = z.infer<typeof BpttRuns>;

export const BpttToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  z.object({ type: z.literal('bptt'), options: BpttOptions, results: BpttResults, runs: BpttRuns }),
]);
export type BpttToWebview = z.infer<typeof BpttToWebview>;
export const BpttToHost = z.discriminatedUnion('type', [...commonToHost, requestSchema('run', BpttOptions)]);
export type BpttToHost = z.infer<typeof BpttToHost>;
