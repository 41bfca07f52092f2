import { SeqlabError } from '../util/errors';
import { IntHashMap } from './int-hash';

/** Orders above this would only memorise the training text and cost n × T memory. */
export const MAX_NGRAM_ORDER = 10;

/**
 * Every k-gram (k = 1…maxOrder) of a training stream, as a trie whose nodes are numbered
 * and whose edges live in one integer hash: the child of node `p` by token `x` is keyed
 * `p · m + x`. Node ids never exceed n·T, so the key stays an exact integer below 2^53 for
 * any vocabulary — base-m packing of whole n-grams would overflow at word level for n ≥ 4.
 *
 * Token ids are re-numbered densely ("local ids"): 0 is `<unk>`, then every type of the
 * training part in first-seen order, so `m` is the textbook's vocabulary of the counts.
 */
export class NgramCounts {
  /** m: `<unk>` plus every type seen in training. */
  readonly vocabSize: number;
  /** N: the number of training tokens. */
  readonly trainTokens: number;
  /** The caller's id of each local id (local 0 → the caller's `<unk>` id). */
  readonly vocabulary: readonly number[];
  /** Local ids of the last maxOrder − 1 training tokens: the context of the first evaluation token. */
  readonly tail: Int32Array;
  /** n(g) for the k-gram g ending at each node (root: unused). */
  private readonly count: Int32Array;
  /** c(g) = Σ_y n(g, y): how many (k+1)-grams of the training part start with g (root: N). */
  private readonly ctxCount: Int32Array;
  private readonly edges: IntHashMap;
  private readonly localOf: Map<number, number>;

  private constructor(
    readonly maxOrder: number,
    readonly unkId: number,
    parts: {
      vocabulary: number[];
      localOf: Map<number, number>;
      tail: Int32Array;
      count: Int32Array;
      ctxCount: Int32Array;
      edges: IntHashMap;
      trainTokens: number;
    },
  ) {
    this.vocabulary = parts.vocabulary;
    this.vocabSize = parts.vocabulary.length;
    this.localOf = parts.localOf;
    this.tail = parts.tail;
    this.count = parts.count;
    this.ctxCount = parts.ctxCount;
    this.edges = parts.edges;
    this.trainTokens = parts.trainTokens;
  }

  /** Counts every k-gram, k ≤ maxOrder, of `train` (ids of any vocabulary; `unkId` is its `<unk>`). */
  static build(train: readonly number[], maxOrder: number, unkId = 0): NgramCounts {
    assertOrder(maxOrder);
    const T = train.length;
    if (T === 0) throw new SeqlabError('There are no training tokens to count n-grams on.', 'empty-corpus');

    const localOf = new Map<number, number>([[unkId, 0]]);
    const vocabulary = [unkId];
    const local = new Int32Array(T);
    for (let i = 0; i < T; i++) {
      const id = train[i];
      let l = localOf.get(id);
      if (l === undefined) {
        if (!Number.isInteger(id)) throw new SeqlabError(`Token ids must be whole numbers, got ${id} at position ${i}.`);
        l = vocabulary.length;
        localOf.set(id, l);
        vocabulary.push(id);
      }
      local[i] = l;
    }
    const m = vocabulary.length;
    if ((T * maxOrder + 1) * m >= Number.MAX_SAFE_INTEGER) {
      throw new SeqlabError(`A ${maxOrder}-gram model of ${T} tokens over ${m} types is too large to count.`, 'too-large');
    }

    let cap = Math.max(1024, T);
    let count: Int32Array<ArrayBuffer> = new Int32Array(cap);
    let ctxCount: Int32Array<ArrayBuffer> = new Int32Array(cap);
    const edges = new IntHashMap(cap);
    let nodes = 1;
    for (let i = 0; i < T; i++) {
      let node = 0;
      const kMax = Math.min(maxOrder, T - i);
      for (let k = 0; k < kMax; k++) {
        let child = edges.getOrSet(node * m + local[i + k], nodes);
        if (child < 0) {
          child = nodes++;
          if (nodes > cap) {
            cap *= 2;
            count = grow(count, cap);
            ctxCount = grow(ctxCount, cap);
          }
        }
        count[child]++;
        ctxCount[node]++;
        node = child;
      }
    }
    const tail = local.slice(Math.max(0, T - (maxOrder - 1)));
    return new NgramCounts(maxOrder, unkId, { vocabulary, localOf, tail, count, ctxCount, edges, trainTokens: T });
  }

  /** The local id of a caller's id; types unseen in training are `<unk>` (0). */
  localId(id: number): number {
    return this.localOf.get(id) ?? 0;
  }

  toLocal(ids: readonly number[]): Int32Array {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.localOf.get(ids[i]) ?? 0;
    return out;
  }

  /** The trie node of the k-gram seq[from…to), or -1 if it never occurs in training. */
  node(seq: ArrayLike<number>, from: number, to: number): number {
    const m = this.vocabSize;
    let node = 0;
    for (let i = from; i < to && node >= 0; i++) node = this.edges.get(node * m + seq[i]);
    return node;
  }

  /** The node extending `node` by token `x`, or -1. */
  child(node: number, x: number): number {
    return this.edges.get(node * this.vocabSize + x);
  }

  /** n(g) of the n-gram at `node`. */
  countAt(node: number): number {
    return this.count[node];
  }

  /** c(g) of the context at `node`: training n-grams that begin with it. */
  contextCountAt(node: number): number {
    return this.ctxCount[node];
  }

  /** Distinct k-grams for k = 1…maxOrder (trie nodes without the root). */
  get distinctNgrams(): number {
    return this.edges.size;
  }
}

export function assertOrder(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new SeqlabError(`The n-gram order n must be a whole number of at least 1, got ${n}.`);
  if (n > MAX_NGRAM_ORDER) throw new SeqlabError(`The n-gram order n can be at most ${MAX_NGRAM_ORDER}, got ${n}.`);
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
