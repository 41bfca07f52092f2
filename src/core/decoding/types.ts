/**
 * What the decoders need from a model: one step that, for a batch of hypotheses (their
 * states and last tokens), returns log-probabilities over the vocabulary and the next
 * states. Keeping the model behind this function lets greedy and beam search run on the
 * seq2seq model and on toy models in tests alike.
 */
export interface StepOutput<S> {
  /** one row of vocabulary log-probabilities per hypothesis */
  logProbs: ArrayLike<number>[];
  /** the state after consuming the token, one per hypothesis */
  states: S[];
}

export type StepFn<S> = (states: readonly S[], tokens: readonly number[]) => StepOutput<S>;

export interface DecodeOptions {
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
}

export const DEFAULT_ALPHA = 0.75;

/** The textbook's final score (9.8): (1/L^α) Σ log P. */
export function finalScore(logProb: number, length: number, alpha = DEFAULT_ALPHA): number {
  return length > 0 ? logProb / Math.pow(length, alpha) : logProb;
}

/** Deterministic n-best order: higher score first, then fewer tokens, then token ids. */
export function compareHypotheses(a: Hypothesis, b: Hypothesis): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.tokens.length !== b.tokens.length) return a.tokens.length - b.tokens.length;
  for (let i = 0; i < a.tokens.length; i++) if (a.tokens[i] !== b.tokens[i]) return a.tokens[i] - b.tokens[i];
  return 0;
}
