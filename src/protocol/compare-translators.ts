/**
 * Messages of the Compare Translators panel: one sentence through two or more translators side
 * by side — a column per translator, its n-best translations with their scores and BLEU against
 * the reference the user types.
 */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';

export const ComparedTranslation = z.object({
  text: z.string(),
  /** Σ log P of the tokens (with <eos> when finished) */
  logProb: z.number(),
  /** the length-penalised score beam search ranks by ((1/L^α) Σ log P by default) */
  score: z.number(),
  finished: z.boolean(),
  /** d2l's bleu(text, reference, k = 2); null while there is no reference */
  bleu: z.number().nullable(),
});
export type ComparedTranslation = z.infer<typeof ComparedTranslation>;

export const CompareColumn = z.object({
  runId: z.string(),
  runName: z.string(),
  /** the registered architecture: `seq2seq` or `attention` */
  arch: z.string(),
  /** e.g. "fra-eng · 200 pairs · 2×32 GRU" */
  data: z.string(),
  /** the epoch of the checkpoint it translates with */
  epoch: z.number().int().nonnegative(),
  /** `error`: this translator failed (e.g. its checkpoint does not load); `error` says why in one sentence */
  status: z.enum(['ok', 'error', 'pending']),
  error: z.string().optional(),
  /** a warning about this column's input, e.g. every word unknown to its vocabulary */
  warning: z.string().optional(),
  translations: z.array(ComparedTranslation),
  unknown: z.array(z.string()),
  notes: z.array(z.string()),
  /** attention models: which source word each output word of the best translation attended to most */
  alignment: z.string().optional(),
});
export type CompareColumn = z.infer<typeof CompareColumn>;

export const CompareTranslatorsView = z.object({
  source: z.string(),
  reference: z.string(),
  /** the reference as BLEU sees it (d2l's preprocess_nmt), or '' */
  referenceTokens: z.string(),
  beam: z.number().int().positive(),
  alpha: z.number(),
  columns: z.array(CompareColumn).min(1),
});
export type CompareTranslatorsView = z.infer<typeof CompareTranslatorsView>;

export const CompareTranslatorsToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  z.object({ type: z.literal('comparison'), view: CompareTranslatorsView }),
  /** Translating: `done` of `total` translators finished; `text` says which one runs. */
  z.object({ type: z.literal('progress'), done: z.number().int().nonnegative(), total: z.number().int().positive(), text: z.string() }),
  z.object({ type: z.literal('idle') }),
]);
export type CompareTranslatorsToWebview = z.infer<typeof CompareTranslatorsToWebview>;

/** Translate another sentence with the same translators. */
export const CompareTranslateRequest = requestSchema('translate', z.object({ text: z.string().max(1000) }));
/** The reference changed: BLEU is recomputed (the reply is the new view). */
export const CompareReferenceRequest = requestSchema('reference', z.object({ reference: z.string().max(1000) }));
/** Stop translating; what was shown before stays. */
export const CompareCancelRequest = requestSchema('cancel', z.object({}));
/** Open the Attention Heatmap of one column's n-best hypothesis (attention models). */
export const CompareHeatmapRequest = requestSchema('heatmap', z.object({ runId: z.string(), index: z.number().int().nonnegative() }));
/** The comparison as Markdown: copied to the clipboard or opened as a document. */
export const CompareMarkdownRequest = requestSchema('markdown', z.object({ to: z.enum(['clipboard', 'document']) }));
// Requests share type "request": they are told apart by their method.
export const CompareTranslatorsToHost = z.discriminatedUnion('type', [
  ...commonToHost,
  z.discriminatedUnion('method', [CompareTranslateRequest, CompareReferenceRequest, CompareCancelRequest, CompareHeatmapRequest, CompareMarkdownRequest]),
]);
export type CompareTranslatorsToHost = z.infer<typeof CompareTranslatorsToHost>;

/** What the webview saves so a reload translates the same sentence with the same translators. */
export const CompareTranslatorsState = z.object({
  runIds: z.array(z.string()).min(1),
  source: z.string(),
  reference: z.string(),
});
export type CompareTranslatorsState = z.infer<typeof CompareTranslatorsState>;
