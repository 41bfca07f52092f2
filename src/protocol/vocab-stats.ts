/** Messages of the Vocabulary Statistics panel. */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';

export const TokenKindSchema = z.enum(['char', 'word', 'bpe']);

/** What the panel shows; sampled for plotting so huge corpora stay light. */
export const VocabStatsData = z.object({
  source: z.string(),
  sourceLabel: z.string(),
  token: TokenKindSchema,
  lines: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  vocabSize: z.number().int().nonnegative(),
  /** The vocabulary in d2l order: index, token, count (index 0 is <unk>, count 0). */
  vocab: z.array(z.tuple([z.number().int(), z.string(), z.number().int().nonnegative()])),
  /** True when `vocab` was cut to keep the message small. */
  vocabTruncated: z.boolean(),
  /** The data set's required credit (fra-eng: CC BY 2.0), when it has one. */
  attribution: z.string().optional(),
  /** Fraction of tokens covered by the k most frequent types, at sampled k. */
  coverage: z.object({ k: z.array(z.number()), fraction: z.array(z.number()) }),
  /** Zipf: frequency by rank for 1/2/3-grams (sampled on a log grid) with fitted slopes. */
  zipf: z.array(
    z.object({
      n: z.number().int().min(1).max(3),
      types: z.number().int().nonnegative(),
      rank: z.array(z.number()),
      freq: z.array(z.number()),
      slope: z.number(),
      intercept: z.number(),
      r2: z.number(),
      top: z.array(z.tuple([z.string(), z.number()])),
    }),
  ),
  /** Laplace-smoothed n-gram perplexity on the held-out part (src/core/ngram): perplexity[i][j] for ε = epsilons[i], n = ns[j]. */
  ngramPerplexity: z
    .object({
      split: z.number(),
      ns: z.array(z.number().int()),
      epsilons: z.array(z.number()),
      perplexity: z.array(z.array(z.number())),
      best: z.object({ n: z.number(), epsilon: z.number(), perplexity: z.number() }),
    })
    .optional(),
});
export type VocabStatsData = z.infer<typeof VocabStatsData>;

export const VocabStatsToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  z.object({ type: z.literal('stats'), data: VocabStatsData }),
  /** Work started: `token` is the tokenizer being counted, so the dropdown says the same as the text. */
  z.object({ type: z.literal('busy'), text: z.string(), token: TokenKindSchema.optional() }),
]);
export type VocabStatsToWebview = z.infer<typeof VocabStatsToWebview>;

/** The panel asks for the same source under another tokenizer. */
export const RetokenizeRequest = requestSchema('retokenize', z.object({ token: TokenKindSchema }));

export const VocabStatsToHost = z.discriminatedUnion('type', [...commonToHost, RetokenizeRequest]);
export type VocabStatsToHost = z.infer<typeof VocabStatsToHost>;

/** What the panel persists with setState, restored after a reload. */
export const VocabStatsState = z.object({
  source: z.string(),
  token: TokenKindSchema,
  sort: z.object({ column: z.enum(['index', 'token', 'count']), descending: z.boolean() }).optional(),
  filter: z.string().optional(),
});
export type VocabStatsState = z.infer<typeof VocabStatsState>;
