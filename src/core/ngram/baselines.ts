import { splitCorpus } from '../data/batches';
import { UNK } from '../text/vocab';
import { SeqlabError } from '../util/errors';
import { NgramCounts, assertOrder } from './counts';
import { DEFAULT_EPSILON, assertEpsilon, ngramPerplexities } from './model';

/** Token ids from a Vocab (`<unk>` = 0), or the tokens themselves. */
export type TokenSequence = readonly number[] | readonly string[];

/** The same default the language-model runs validate on, so the numbers compare. */
export const DEFAULT_SPLIT = 0.9;

export interface NgramBaseline {
  n: number;
  epsilon: number;
  perplexity: number;
  /** The lowest perplexity of the list (ties: the smaller n); the dashboard draws this one. */
  best: boolean;
}

export interface BaselineOptions {
  /** Training fraction; the first floor(split × T) tokens train, the rest are evaluated. */
  split?: number;
  ns?: readonly number[];
  epsilon?: number;
}

/**
 * Perplexities of the n-gram models (default n = 1, 2, 3) on the evaluation part of the same
 * split a neural run validates on: the baseline its perplexity chart is measured against.
 * Results are memoised per token array (treat it as immutable once passed).
 */
export function ngramBaselines(tokens: TokenSequence, opts: BaselineOptions = {}): NgramBaseline[] {
  const split = opts.split ?? DEFAULT_SPLIT;
  const ns = checkOrders(opts.ns ?? [1, 2, 3]);
  const epsilon = opts.epsilon ?? DEFAULT_EPSILON;
  assertEpsilon(epsilon);
  return memo(tokens, `baselines|${split}|${ns.join(',')}|${epsilon}`, () => {
    const { counts, valid } = countsFor(tokens, split, Math.max(...ns));
    const ppl = ngramPerplexities(counts, valid, { ns, epsilon });
    const bestIndex = argmin(ppl);
    return ns.map((n, i) => ({ n, epsilon, perplexity: ppl[i], best: i === bestIndex }));
  });
}

/** The entry the training dashboard draws as its dashed line. */
export function bestBaseline(baselines: readonly NgramBaseline[]): NgramBaseline | undefined {
  return baselines.find((b) => b.best);
}

export interface TableOptions {
  split?: number;
  ns?: readonly number[];
  epsilons?: readonly number[];
}

export interface NgramPerplexityTable {
  ns: number[];
  epsilons: number[];
  split: number;
  /** m: `<unk>` plus every training type. */
  vocabSize: number;
  trainTokens: number;
  evalTokens: number;
  /** perplexity[i][j]: ε = epsilons[i], n = ns[j]. */
  perplexity: number[][];
  best: { n: number; epsilon: number; perplexity: number };
}

/**
 * Perplexity for n = 1…5 and a few ε, for the vocabulary-statistics panel: where more context
 * stops helping (char level) or starts hurting (word level, the textbook's case against smoothing).
 * The counts are built once for the largest n; each ε is one pass over the evaluation part.
 */
export function ngramPerplexityTable(tokens: TokenSequence, opts: TableOptions = {}): NgramPerplexityTable {
  const split = opts.split ?? DEFAULT_SPLIT;
  const ns = checkOrders(opts.ns ?? [1, 2, 3, 4, 5]);
  const epsilons = [...(opts.epsilons ?? [0.1, 1, 10])];
  if (epsilons.length === 0) throw new SeqlabError('Give at least one smoothing constant ε.');
  epsilons.forEach(assertEpsilon);
  return memo(tokens, `table|${split}|${ns.join(',')}|${epsilons.join(',')}`, () => {
    const { counts, valid } = countsFor(tokens, split, Math.max(...ns));
    const perplexity = epsilons.map((epsilon) => ngramPerplexities(counts, valid, { ns, epsilon }));
    let best = { n: ns[0], epsilon: epsilons[0], perplexity: Infinity };
    perplexity.forEach((row, i) =>
      row.forEach((p, j) => {
        if (p < best.perplexity) best = { n: ns[j], epsilon: epsilons[i], perplexity: p };
      }),
    );
    return { ns, epsilons, split, vocabSize: counts.vocabSize, trainTokens: counts.trainTokens, evalTokens: valid.length, perplexity, best };
  });
}

/** The orders and smoothing constants the vocabulary panel's table shows and the dashboard picks from. */
export const TABLE_ORDERS = [1, 2, 3, 4, 5] as const;
export const TABLE_EPSILONS = [0.1, 1, 10] as const;

/**
 * One baseline per n of the table, each at its best ε, with `best` marking the table's lowest
 * perplexity: what the training dashboard draws (the best) and lets the user switch to (any n).
 */
export function baselinesFromTable(t: NgramPerplexityTable): NgramBaseline[] {
  return t.ns.map((n, j) => {
    let i = 0;
    for (let k = 1; k < t.epsilons.length; k++) if (t.perplexity[k][j] < t.perplexity[i][j]) i = k;
    return { n, epsilon: t.epsilons[i], perplexity: t.perplexity[i][j], best: n === t.best.n && t.epsilons[i] === t.best.epsilon };
  });
}

/** The training and evaluation ids of a token sequence, with the split's edge cases as clear errors. */
export function splitForNgrams(tokens: TokenSequence, split = DEFAULT_SPLIT): { train: number[]; valid: number[] } {
  if (tokens.length === 0) throw new SeqlabError('The corpus is empty: there are no tokens to build an n-gram model from.', 'empty-corpus');
  const { train, valid } = splitCorpus(toIds(tokens), split);
  if (train.length === 0) {
    throw new SeqlabError(`A split of ${split} leaves none of the ${tokens.length} tokens for training; use a larger split.`, 'empty-train');
  }
  if (valid.length === 0) {
    throw new SeqlabError(`A split of ${split} leaves none of the ${tokens.length} tokens to evaluate; use a split below 1 or a longer corpus.`, 'empty-eval');
  }
  return { train, valid };
}

/** Strings become ids in first-seen order with `<unk>` at 0, like a Vocab without the frequency sort. */
function toIds(tokens: TokenSequence): number[] {
  if (tokens.length === 0 || typeof tokens[0] === 'number') return tokens as number[];
  const index = new Map<string, number>([[UNK, 0]]);
  return (tokens as readonly string[]).map((t) => {
    let id = index.get(t);
    if (id === undefined) index.set(t, (id = index.size));
    return id;
  });
}

function checkOrders(ns: readonly number[]): number[] {
  if (ns.length === 0) throw new SeqlabError('Give at least one n-gram order n.');
  ns.forEach(assertOrder);
  return [...ns];
}

function argmin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[best]) best = i;
  return best;
}

// Counts are the expensive part (tens of MB for a word 5-gram model of fra-eng) and do not
// depend on ε, so the last ones per token array are kept and reused for any n up to theirs.
interface CachedCounts {
  split: number;
  counts: NgramCounts;
  valid: number[];
}
const countsCache = new WeakMap<object, CachedCounts>();
const resultCache = new WeakMap<object, Map<string, unknown>>();

function countsFor(tokens: TokenSequence, split: number, maxOrder: number): CachedCounts {
  const hit = countsCache.get(tokens);
  if (hit && hit.split === split && hit.counts.maxOrder >= maxOrder) return hit;
  const { train, valid } = splitForNgrams(tokens, split);
  const entry = { split, counts: NgramCounts.build(train, maxOrder), valid };
  countsCache.set(tokens, entry);
  return entry;
}

function memo<T>(tokens: TokenSequence, key: string, compute: () => T): T {
  let results = resultCache.get(tokens);
  if (!results) resultCache.set(tokens, (results = new Map()));
  if (results.has(key)) return results.get(key) as T;
  const value = compute();
  results.set(key, value);
  return value;
}

/** Drops memoised counts and results for a token array (e.g. when the UI is done with a corpus). */
export function forgetNgramCache(tokens: TokenSequence): void {
  countsCache.delete(tokens);
  resultCache.delete(tokens);
}
