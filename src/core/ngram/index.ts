// Laplace-smoothed n-gram language models (textbook 8.3): the baselines neural runs are measured against.
export { NgramCounts, MAX_NGRAM_ORDER, assertOrder } from './counts';
export { NgramModel, ngramPerplexities, DEFAULT_EPSILON, assertEpsilon, type NgramOptions } from './model';
export {
  ngramBaselines,
  bestBaseline,
  ngramPerplexityTable,
  baselinesFromTable,
  TABLE_ORDERS,
  TABLE_EPSILONS,
  splitForNgrams,
  forgetNgramCache,
  DEFAULT_SPLIT,
  type TokenSequence,
  type NgramBaseline,
  type BaselineOptions,
  type TableOptions,
  type NgramPerplexityTable,
} from './baselines';
