/** Messages of the beam-search tree panel (Translate Selection). */
import { z } from 'zod';
import { commonToHost, commonToWebview, requestSchema } from './common';

export const BeamTreeNode = z.object({
  id: z.number().int(),
  parent: z.number().int().nullable(),
  step: z.number().int(),
  token: z.number().int(),
  text: z.string(),
  logProb: z.number(),
  score: z.number(),
  status: z.enum(['root', 'kept', 'pruned']),
  finished: z.boolean(),
  finalScore: z.number().optional(),
  rank: z.number().int().optional(),
  /** attention models: the source weights of the step that produced this node */
  attention: z.array(z.number()).optional(),
});
export type BeamTreeNode = z.infer<typeof BeamTreeNode>;

export const TranslationView = z.object({
  runId: z.string(),
  runName: z.string(),
  source: z.string(),
  /** The source tokens as the model saw them, and which it did not know. */
  sourceTokens: z.array(z.string()),
  unknown: z.array(z.string()),
  truncated: z.boolean(),
  translations: z.array(
    z.object({
      text: z.string(),
      score: z.number(),
      logProb: z.number(),
      finished: z.boolean(),
      /** attention models: rows = targetTokens (with <eos>), columns = sourceTokens (with <eos>) */
      attention: z.array(z.array(z.number())).optional(),
      sourceTokens: z.array(z.string()).optional(),
      targetTokens: z.array(z.string()).optional(),
      /** replace_unk: which <unk> became which source word */
      replaced: z.array(z.object({ index: z.number().int(), source: z.string(), sourceIndex: z.number().int() })).optional(),
    }),
  ),
  /** `seq2seq` or `attention` (older views: absent = seq2seq) */
  arch: z.string().optional(),
  /** what the user should know about how these translations were made (e.g. replace_unk) */
  notes: z.array(z.string()).optional(),
  tree: z.object({
    nodes: z.array(BeamTreeNode),
    beamSize: z.number().int(),
    alpha: z.number(),
    maxLen: z.number().int(),
    childrenPerNode: z.number(),
  }),
});
export type TranslationView = z.infer<typeof TranslationView>;

export const BeamTreeToWebview = z.discriminatedUnion('type', [...commonToWebview, z.object({ type: z.literal('translation'), view: TranslationView })]);
export type BeamTreeToWebview = z.infer<typeof BeamTreeToWebview>;

/** Re-decode with another beam size k or length-normalisation exponent α. */
export const DecodeRequest = requestSchema('decode', z.object({ beam: z.number().int().min(1).max(10), alpha: z.number().min(0).max(2) }));
/** Open the attention heatmap of the partial hypothesis ending at a node (attention models). */
export const NodeAttentionRequest = requestSchema('attention', z.object({ node: z.number().int().nonnegative() }));
// Two requests share type "request": they are told apart by their method.
export const BeamTreeToHost = z.discriminatedUnion('type', [...commonToHost, z.discriminatedUnion('method', [DecodeRequest, NodeAttentionRequest])]);
export type BeamTreeToHost = z.infer<typeof BeamTreeToHost>;

export const BeamTreeState = z.object({
  runId: z.string(),
  source: z.string(),
  beam: z.number().int(),
  alpha: z.number(),
  /** How the tree is drawn: 'fit' to the panel's width, or a zoom factor ('1', '1.5'). */
  zoom: z.enum(['fit', '1', '1.5']).optional(),
});
export type BeamTreeState = z.infer<typeof BeamTreeState>;
