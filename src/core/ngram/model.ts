import { SeqlabError } from '../util/errors';
import type { Rng } from '../util/random';
import { NgramCounts, assertOrder } from './counts';

export interface NgramOptions {
  /** The order: 1 = unigram, 2 = bigram, 3 = trigram, … */
  n: number;
  /** Laplace smoothing constant ε (textbook 8.3), > 0; default 1. */
  epsilon?: number;
  /** The caller's id of `<unk>` (the foundation's Vocab uses 0). */
  unk?: number;
}

export const DEFAULT_EPSILON = 1;

/**
 * A Laplace-smoothed n-gram language model, textbook 8.3, for any order n ≥ 1, by the
 * recursion with one ε:
 *
 *   P(x) = (n(x) + ε/m) / (N + ε)
 *   P(x_n | x_1…x_{n−1}) = (n(x_1…x_n) + ε · P(x_n | x_2…x_{n−1})) / (c(x_1…x_{n−1}) + ε)
 *
 * with c(context) = Σ_y n(context, y), so every conditional sums to 1 over the m types.
 * (The unigram line is the same recursion on top of the uniform 1/m, with c(·) = N.)
 * A context never seen in training has c = 0 and falls back to the shorter context exactly.
 */
export class NgramModel {
  private readonly nodes: Int32Array;

  private constructor(
    readonly counts: NgramCounts,
    readonly n: number,
    readonly epsilon: number,
  ) {
    this.nodes = new Int32Array(n);
  }

  /** Counts the training ids (the first part of the split) and smooths with ε. */
  static fit(train: readonly number[], opts: NgramOptions): NgramModel {
    const { n, epsilon } = checkOptions(opts);
    return new NgramModel(NgramCounts.build(train, n, opts.unk ?? 0), n, epsilon);
  }

  /** A model of order n ≤ counts.maxOrder over counts already built (they do not depend on ε). */
  static fromCounts(counts: NgramCounts, opts: Omit<NgramOptions, 'unk'>): NgramModel {
    const { n, epsilon } = checkOptions(opts);
    if (n > counts.maxOrder) throw new SeqlabError(`These counts go up to ${counts.maxOrder}-grams; a ${n}-gram model needs more.`);
    return new NgramModel(counts, n, epsilon);
  }

  /** m: `<unk>` plus every training type. */
  get vocabSize(): number {
    return this.counts.vocabSize;
  }

  /** N: training tokens. */
  get trainTokens(): number {
    return this.counts.trainTokens;
  }

  /** The caller's ids the model assigns probability to, `<unk>` first; `distribution` follows this order. */
  get vocabulary(): readonly number[] {
    return this.counts.vocabulary;
  }

  /** P(token | context): the last n − 1 ids of `context` are used; unknown ids are `<unk>`. */
  prob(context: readonly number[], token: number): number {
    const seq = this.localContext(context);
    const levels = contextNodes(this.counts, seq, seq.length, this.n, this.nodes);
    return condProb(this.counts, this.nodes, levels, this.counts.localId(token), this.epsilon);
  }

  logProb(context: readonly number[], token: number): number {
    return Math.log(this.prob(context, token));
  }

  /** P(· | context) over `vocabulary`. */
  distribution(context: readonly number[]): Float64Array {
    const seq = this.localContext(context);
    return this.localDistribution(seq, seq.length);
  }

  /**
   * exp of the mean negative log-probability of `evalIds`, each conditioned on its true
   * predecessors. Before the first one comes `context`; by default the end of the training
   * part, since evaluation ids continue the training stream.
   */
  perplexity(evalIds: readonly number[], opts: { context?: readonly number[] } = {}): number {
    return ngramPerplexities(this.counts, evalIds, { ns: [this.n], epsilon: this.epsilon, context: opts.context })[0];
  }

  /**
   * Continues `prefix` by `k` tokens drawn from the model (the counterpart of d2l's
   * `predict_ch8`); returns only the new ids, in the caller's id space.
   */
  sample(prefix: readonly number[], k: number, rng: Rng): number[] {
    if (!Number.isInteger(k) || k < 0) throw new SeqlabError(`The number of tokens to generate must be a whole number ≥ 0, got ${k}.`);
    const seq = Array.from(this.localContext(prefix));
    const out: number[] = [];
    for (let step = 0; step < k; step++) {
      const dist = this.localDistribution(seq, seq.length);
      const x = draw(dist, rng);
      seq.push(x);
      out.push(this.counts.vocabulary[x]);
    }
    return out;
  }

  private localContext(context: readonly number[]): Int32Array {
    return this.counts.toLocal(context.slice(Math.max(0, context.length - (this.n - 1))));
  }

  private localDistribution(seq: ArrayLike<number>, end: number): Float64Array {
    const levels = contextNodes(this.counts, seq, end, this.n, this.nodes);
    const m = this.counts.vocabSize;
    const dist = new Float64Array(m);
    for (let x = 0; x < m; x++) dist[x] = condProb(this.counts, this.nodes, levels, x, this.epsilon);
    return dist;
  }
}

function checkOptions(opts: { n: number; epsilon?: number }): { n: number; epsilon: number } {
  assertOrder(opts.n);
  const epsilon = opts.epsilon ?? DEFAULT_EPSILON;
  assertEpsilon(epsilon);
  return { n: opts.n, epsilon };
}

export function assertEpsilon(epsilon: number): void {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) {
    throw new SeqlabError(`The smoothing constant ε must be a positive number, got ${epsilon}.`);
  }
}

/**
 * Perplexity of `evalIds` under every order in `ns` at once: the recursion computes the
 * order-1, 2, … probabilities on its way up, so one pass serves the whole table.
 */
export function ngramPerplexities(
  counts: NgramCounts,
  evalIds: readonly number[],
  opts: { ns?: readonly number[]; epsilon?: number; context?: readonly number[] } = {},
): number[] {
  const ns = opts.ns ?? [counts.maxOrder];
  for (const n of ns) {
    assertOrder(n);
    if (n > counts.maxOrder) throw new SeqlabError(`These counts go up to ${counts.maxOrder}-grams; a ${n}-gram perplexity needs more.`);
  }
  const epsilon = opts.epsilon ?? DEFAULT_EPSILON;
  assertEpsilon(epsilon);
  if (evalIds.length === 0) throw new SeqlabError('There are no evaluation tokens to compute a perplexity on.', 'empty-eval');

  const maxN = Math.max(...ns);
  const ctx = opts.context ? counts.toLocal(opts.context.slice(Math.max(0, opts.context.length - (maxN - 1)))) : counts.tail.slice(Math.max(0, counts.tail.length - (maxN - 1)));
  const seq = new Int32Array(ctx.length + evalIds.length);
  seq.set(ctx);
  seq.set(counts.toLocal(evalIds), ctx.length);

  const m = counts.vocabSize;
  const nodes = new Int32Array(maxN);
  const nll = new Float64Array(maxN);
  for (let t = ctx.length; t < seq.length; t++) {
    const levels = contextNodes(counts, seq, t, maxN, nodes);
    const x = seq[t];
    let p = 1 / m;
    for (let j = 0; j < maxN; j++) {
      if (j < levels) {
        const node = nodes[j];
        const child = counts.child(node, x);
        p = ((child < 0 ? 0 : counts.countAt(child)) + epsilon * p) / (counts.contextCountAt(node) + epsilon);
      }
      nll[j] -= Math.log(p);
    }
  }
  return ns.map((n) => Math.exp(nll[n - 1] / evalIds.length));
}

/**
 * Fills `out` with the trie nodes of the contexts of length 0, 1, … before `seq[end]` and
 * returns how many are usable. It stops at the first context never followed by anything in
 * training: there c = 0, the recursion returns the shorter context's probability unchanged,
 * and no longer context can have been seen either.
 */
function contextNodes(counts: NgramCounts, seq: ArrayLike<number>, end: number, n: number, out: Int32Array): number {
  const maxContext = Math.min(n - 1, end);
  let levels = 0;
  for (let j = 0; j <= maxContext; j++) {
    const node = j === 0 ? 0 : counts.node(seq, end - j, end);
    if (node < 0 || counts.contextCountAt(node) === 0) break;
    out[levels++] = node;
  }
  return levels;
}

function condProb(counts: NgramCounts, nodes: Int32Array, levels: number, x: number, epsilon: number): number {
  let p = 1 / counts.vocabSize;
  for (let j = 0; j < levels; j++) {
    const node = nodes[j];
    const child = counts.child(node, x);
    p = ((child < 0 ? 0 : counts.countAt(child)) + epsilon * p) / (counts.contextCountAt(node) + epsilon);
  }
  return p;
}

function draw(dist: Float64Array, rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < dist.length; i++) {
    u -= dist[i];
    if (u < 0) return i;
  }
  // Rounding can leave u a hair above zero; the last type with mass takes it.
  for (let i = dist.length - 1; i > 0; i--) if (dist[i] > 0) return i;
  return 0;
}
