/**
 * A training run as the Runs tree, the dashboards and the registry file see it. The
 * registry (global storage, runs.json) is validated with the same schema when read back.
 */
import { z } from 'zod';

export const RunStatus = z.enum(['queued', 'running', 'paused', 'stopped', 'done', 'failed', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunKind = z.enum(['language-model', 'translator']);

export const MetricPoint = z.object({
  epoch: z.number(),
  /** Training perplexity (language model) or loss (translator). */
  train: z.number().nullable(),
  valid: z.number().nullable(),
  tokensPerSec: z.number().nullable().optional(),
  /** Milliseconds the epoch trained (as the worker measured it). */
  time: z.number().optional(),
  /** Wall-clock time (ms since 1970) the host received the epoch: spacing gives the time per epoch with evaluation. */
  at: z.number().optional(),
  /** Translators: corpus BLEU (k = 2) on the held-out pairs, on the epochs that evaluate them. */
  bleu: z.number().nullable().optional(),
  /** Translators: mean BLEU of the textbook's four sentences (d2l 10.7.5). */
  bleuTextbook: z.number().nullable().optional(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

/** Samples a run keeps (the last ones): enough to see the text improve. */
export const MAX_SAMPLES = 20;

export const RunRecord = z.object({
  id: z.string().regex(/^[a-z0-9-]{4,64}$/),
  kind: RunKind,
  name: z.string(),
  /** Data spec as loadCorpusText takes it: timemachine, fra-eng or a path. */
  data: z.string(),
  model: z.object({
    cell: z.enum(['rnn', 'gru', 'lstm']),
    layers: z.number().int().positive(),
    hidden: z.number().int().positive(),
    bidirectional: z.boolean().default(false),
    token: z.enum(['char', 'word', 'bpe']).default('char'),
  }),
  hyper: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  status: RunStatus,
  epoch: z.number().int().nonnegative(),
  epochs: z.number().int().positive(),
  /** Latest perplexity (language model) or loss (translator). */
  latest: z.number().nullable(),
  metric: z.enum(['perplexity', 'loss']),
  history: z.array(MetricPoint),
  /** `lead`: characters at the start of `text` that were given (prefix, source sentence), not generated. */
  samples: z.array(z.object({ epoch: z.number(), text: z.string(), lead: z.number().int().min(0).optional() })).default([]),
  /** Folder of the last checkpoint, inside the extension's global storage. */
  checkpoint: z.string().nullable(),
  error: z.string().nullable().default(null),
  /** What trains it, e.g. "wasm backend · native (avx512) kernel"; null until the worker reports. */
  engine: z.string().nullable().default(null),
  created: z.number(),
  updated: z.number(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const RunRegistryFile = z.object({ version: z.literal(1), runs: z.array(RunRecord) });
export type RunRegistryFile = z.infer<typeof RunRegistryFile>;
