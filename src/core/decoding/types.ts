/**
 * What the decoders need from a model: one step that, for a batch of hypotheses (their
 * states and last tokens), returns log-probabilities over the vocabulary and the next
 * states. Keeping the model behind this function lets greedy and beam search run on the
 * seq2seq model and on toy models in tests alike.
 */
export interface StepOutput<S> {
  /**
   * one row of vocabulary log-probabilities per hypothesis; valid until the next call of the
   * same step function (the model's decoders recycle the buffers: a beam step over 17,851
   * target words would otherwise allocate 285 KB), so a search copies what it keeps
   */
  logProbs: ArrayLike<number>[];
  /** the state after consuming the token, one per hypothesis */
  states: S[];
  /**
   * Attention models: the weights over source positions that produced each row of logProbs,
   * one per hypothesis (decoders keep them per tree node and per output token).
   */
  attention?: ArrayLike<number>[];
  /**
   * When the search asked for them (StepRequest.best) and the model computed them with its rows:
   * each row's `k` most likely tokens, row i at ids[i·k …], most likely first and the lower id
   * first on equal log P — exactly topIndices(logProbs[i], k) — so a search over a large
   * vocabulary need not scan the rows again (src/core/translation/decoder-step.ts).
   */
  best?: { k: number; ids: Int32Array };
}

/** What a search will read of a step's rows: its `best` most likely tokens per row (the rest of a row only to steer). */
export interface StepRequest {
  best?: number;
}

export type StepFn<S> = (states: readonly S[], tokens: readonly number[], want?: StepRequest) => StepOutput<S>;

import { lengthNormaliser, type LengthPenalty, type SteeringOptions } from './steering';

export interface DecodeOptions extends SteeringOptions {
  /** token fed first (`<bos>`) */
  bos: number;
  /** token that ends a hypothesis (`<eos>`) */
  eos: number;
  /** the most tokens generated, `<eos>` included (d2l's num_steps in predict_seq2seq) */
  maxLen: number;
  /** length-normalisation exponent α of the final score (1/L^α) Σ log P; the book uses 0.75 */
  alpha?: number;
}

/** One finished or length-capped output sequence. */
export interface Hypothesis {
  /** generated tokens without the final `<eos>` */
  tokens: number[];
  /** Σ log P of every generated token, `<eos>` included */
  logProb: number;
  /** L: generated tokens counted in the score, `<eos>` included */
  length: number;
  /** the book's final score (1/L^α) Σ log P */
  score: number;
  /** true when it ended with `<eos>`, false when it hit maxLen */
  finished: boolean;
  /** its last node in the search tree (beam search only) */
  node?: number;
  /** attention models: one row of source weights per generated token, `<eos>` included */
  attention?: number[][];
}

export const DEFAULT_ALPHA = 0.75;

/** The final score: by default the textbook's (9.8) (1/L^α) Σ log P; see LengthPenalty for the others. */
export function finalScore(logProb: number, length: number, alpha = DEFAULT_ALPHA, penalty: LengthPenalty = 'textbook'): number {
  return logProb / lengthNormaliser(length, alpha, penalty);
}

/** Deterministic n-best order: higher score first, then fewer tokens, then token ids. */
export function compareHypotheses(a: Hypothesis, b: Hypothesis): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.tokens.length !== b.tokens.length) return a.tokens.length - b.tokens.length;
  for (let i = 0; i < a.tokens.length; i++) if (a.tokens[i] !== b.tokens[i]) return a.tokens[i] - b.tokens[i];
  return 0;
}
