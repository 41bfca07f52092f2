/** Messages of the Attention Heatmap panel: target tokens × source tokens for a translation's hypotheses. */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';

export const AttentionHypothesis = z
  .object({
    /** e.g. "1. je suis chez moi ." or "beam node 12" */
    label: z.string(),
    text: z.string(),
    score: z.number().nullable(),
    /** rows = targetTokens, columns = sourceTokens; each row sums to 1 */
    attention: z.array(z.array(z.number())),
    sourceTokens: z.array(z.string()),
    targetTokens: z.array(z.string()),
    replaced: z.array(z.object({ index: z.number().int(), source: z.string(), sourceIndex: z.number().int() })).optional(),
  })
  .refine((h) => h.attention.length === h.targetTokens.length && h.attention.every((r) => r.length === h.sourceTokens.length), {
    message: 'the attention matrix must have one row per target token and one column per source token',
  });
export type AttentionHypothesis = z.infer<typeof AttentionHypothesis>;

export const AttentionView = z.object({
  runId: z.string(),
  runName: z.string(),
  source: z.string(),
  hypotheses: z.array(AttentionHypothesis).min(1),
  /** the hypothesis shown first */
  selected: z.number().int().nonnegative(),
  /** where it came from: the n-best list of a translation or one node of the beam tree */
  origin: z.enum(['translation', 'beam-node']),
  notes: z.array(z.string()),
});
export type AttentionView = z.infer<typeof AttentionView>;

export const AttentionHeatmapToWebview = z.discriminatedUnion('type', [...commonToWebview, z.object({ type: z.literal('attention'), view: AttentionView })]);
export type AttentionHeatmapToWebview = z.infer<typeof AttentionHeatmapToWebview>;

/** Translate another sentence with the same translator. */
export const AttentionTranslateRequest = requestSchema('translate', z.object({ text: z.string().min(1).max(1000) }));
export const AttentionHeatmapToHost = z.discriminatedUnion('type', [...commonToHost, AttentionTranslateRequest]);
export type AttentionHeatmapToHost = z.infer<typeof AttentionHeatmapToHost>;

export const AttentionHeatmapState = z.object({ runId: z.string(), source: z.string(), selected: z.number().int().nonnegative().optional() });
export type AttentionHeatmapState = z.infer<typeof AttentionHeatmapState>;
