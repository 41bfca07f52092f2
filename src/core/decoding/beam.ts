/**
 * Beam search (d2l 9.8): keep the k best partial outputs each step out of k·|Y| candidates;
 * a candidate ending in `<eos>` leaves the beam as a finished hypothesis; at the end every
 * finished hypothesis and every hypothesis still in the beam is scored (1/L^α) Σ log P and
 * the best comes first. With k = 1 this is greedy search exactly.
 *
 * It also records the search tree: every expanded candidate with its parent, its token's
 * log-probability, the cumulative Σ log P, whether it was kept or pruned, and (attention
 * models) the attention weights that produced it.
 *
 * The steering options (./steering.ts) change the search as follows: blocked tokens (`<eos>`
 * before minLen, repeated n-grams) are never candidates; the length penalty decides the final
 * ranking of finished and length-capped hypotheses (the beam itself keeps the best Σ log P, as
 * in the book).
 */
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { DEFAULT_ALPHA, compareHypotheses, finalScore, type DecodeOptions, type Hypothesis, type StepFn, type StepOutput } from './types';
import { checkSteering, lengthNormaliser, steerRow, type LengthPenalty } from './steering';

export interface BeamNode {
  id: number;
  /** null for the root (`<bos>`) */
  parent: number | null;
  /** 0 for the root; the i-th generated token has step i */
  step: number;
  token: number;
  /** log P of this token given its prefix (0 for the root) */
  logProb: number;
  /** cumulative Σ log P from the root to this node */
  score: number;
  status: 'root' | 'kept' | 'pruned';
  /** kept and ended with `<eos>` */
  finished: boolean;
  /** (1/L^α) Σ log P when this node ends a final hypothesis */
  finalScore?: number;
  /** its rank (0 = best) in the n-best list, when it ends one */
  rank?: number;
  /** attention models: the source weights of the step that produced this token (shared by siblings) */
  attention?: number[];
}

export interface BeamTree {
  nodes: BeamNode[];
  beamSize: number;
  alpha: number;
  lengthPenalty: LengthPenalty;
  maxLen: number;
  /** candidates recorded per expanded node (the rest of the vocabulary is pruned unseen) */
  childrenPerNode: number;
}

export interface BeamOptions extends DecodeOptions {
  /** beam size k */
  beam: number;
  /** how many hypotheses to return (default k) */
  nBest?: number;
  /** record the tree (default true) */
  tree?: boolean;
  /**
   * Children recorded per expanded node: its best `max(k, treeChildren)` candidates. Every
   * kept node is among its parent's best k, so the default k records all of them plus the
   * strongest pruned ones; Infinity records the whole vocabulary.
   */
  treeChildren?: number;
}

export interface BeamResult {
  /** final hypotheses, best first (at most nBest) */
  hypotheses: Hypothesis[];
  tree?: BeamTree;
}

interface Live<S> {
  tokens: number[];
  logProb: number;
  state: S;
  node: number;
  attention?: number[][];
}

interface Candidate {
  parent: number;
  token: number;
  logProb: number;
  score: number;
  node?: number;
}

/** Indices of the `n` largest entries of a row, largest first, lower index first on ties. */
export function topIndices(row: ArrayLike<number>, n: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (idx.length === n && !(v > row[idx[n - 1]])) continue;
    let j = idx.length < n ? idx.length : n - 1;
    if (idx.length < n) idx.push(i);
    while (j > 0 && v > row[idx[j - 1]]) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = i;
  }
  return idx;
}

/** Row p's first n best tokens when the step computed at least n (an unsteered row only: a steered one has other best tokens). */
export function bestOf(best: StepOutput<unknown>['best'], p: number, n: number): number[] | undefined {
  return best && best.k >= n ? Array.from(best.ids.subarray(p * best.k, p * best.k + n)) : undefined;
}

/**
 * Whether the n-best list can no longer change, so the search may stop before maxLen (only when
 * no tree is recorded: the tree shows every step, as the book's search runs them). A live
 * hypothesis with Σ log P = S only loses log-probability (every log P ≤ 0), and every length
 * penalty grows with the length, so nothing it becomes scores above S / norm(maxLen); when the
 * nb-th best final hypothesis scores strictly above that for every live one, the rest of the
 * search only adds hypotheses ranked below the n-best. NaN never settles.
 */
export function settled(finals: readonly Hypothesis[], live: readonly { logProb: number }[], nb: number, maxLen: number, alpha: number, penalty: LengthPenalty): boolean {
  if (finals.length < nb || live.length === 0) return false;
  const scores = finals.map((h) => h.score);
  if (scores.some(Number.isNaN)) return false;
  scores.sort((a, b) => b - a);
  const bar = scores[nb - 1];
  const norm = lengthNormaliser(maxLen, alpha, penalty);
  return live.every((h) => h.logProb <= 0 && bar > h.logProb / norm);
}

export function beamSearch<S>(step: StepFn<S>, init: S, opts: BeamOptions): BeamResult {
  const k = opts.beam;
  assertPositiveInt(k, 'beam size');
  assertPositiveInt(opts.maxLen, 'maxLen');
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  if (!Number.isFinite(alpha) || alpha < 0) throw new SeqlabError(`alpha must be a number of at least 0, got ${alpha}.`);
  checkSteering(opts, opts.maxLen);
  const penalty = opts.lengthPenalty ?? 'textbook';
  const record = opts.tree !== false;
  const perNode = Math.max(k, opts.treeChildren ?? k);
  // A globally kept candidate is always among its parent's own best k, so k per parent suffices.
  const perRow = record ? perNode : k;
  const want = Number.isFinite(perRow) ? { best: perRow } : {};
  const nodes: BeamNode[] = [];
  const addNode = (n: Omit<BeamNode, 'id'>): number => {
    if (!record) return -1;
    nodes.push({ id: nodes.length, ...n });
    return nodes.length - 1;
  };
  const root = addNode({ parent: null, step: 0, token: opts.bos, logProb: 0, score: 0, status: 'root', finished: false });
  let live: Live<S>[] = [{ tokens: [], logProb: 0, state: init, node: root }];
  const finals: Hypothesis[] = [];
  const nb = opts.nBest ?? k;
  // a model that ever gives a log P above 0 (no distribution) never stops early
  let positive = false;

  for (let t = 1; t <= opts.maxLen && live.length > 0; t++) {
    const out = step(
      live.map((h) => h.state),
      live.map((h) => (h.tokens.length ? h.tokens[h.tokens.length - 1] : opts.bos)),
      want,
    );
    const candidates: Candidate[] = [];
    const rows = out.attention?.map((a) => Array.from(a));
    live.forEach((h, p) => {
      const raw = out.logProbs[p];
      if (!raw || raw.length === 0) throw new SeqlabError('The model returned no probabilities to decode from.', 'internal');
      const row = steerRow(raw, h.tokens, opts.eos, opts);
      // Blocked tokens (−∞) are never candidates, so a hypothesis may offer fewer than k.
      const n = Math.min(row.length, perRow);
      const top = (row === raw ? bestOf(out.best, p, n) ?? topIndices(row, n) : topIndices(row, n)).filter((v) => row[v] > -Infinity);
      if (top.length && row[top[0]] > 0) positive = true;
      top.forEach((v, rank) => {
        const c: Candidate = { parent: p, token: v, logProb: row[v], score: h.logProb + row[v] };
        if (record) {
          c.node = addNode({ parent: h.node, step: t, token: v, logProb: row[v], score: c.score, status: 'pruned', finished: false, ...(rows ? { attention: rows[p] } : {}) });
        }
        if (rank < k) candidates.push(c);
      });
    });
    // Stable: equal scores keep parent order, then token order (topIndices is ordered).
    candidates.sort((a, b) => b.score - a.score);
    const next: Live<S>[] = [];
    for (const c of candidates.slice(0, k)) {
      const parent = live[c.parent];
      const attention = rows ? [...(parent.attention ?? []), rows[c.parent]] : undefined;
      if (record) nodes[c.node!].status = 'kept';
      if (c.token === opts.eos) {
        if (record) nodes[c.node!].finished = true;
        const length = parent.tokens.length + 1;
        finals.push({ tokens: parent.tokens, logProb: c.score, length, score: finalScore(c.score, length, alpha, penalty), finished: true, node: record ? c.node : undefined, ...(attention ? { attention } : {}) });
      } else {
        next.push({ tokens: [...parent.tokens, c.token], logProb: c.score, state: out.states[c.parent], node: record ? c.node! : -1, ...(attention ? { attention } : {}) });
      }
    }
    live = next;
    if (!record && !positive && settled(finals, live, nb, opts.maxLen, alpha, penalty)) {
      live = [];
      break;
    }
  }
  for (const h of live) {
    const length = h.tokens.length;
    finals.push({ tokens: h.tokens, logProb: h.logProb, length, score: finalScore(h.logProb, length, alpha, penalty), finished: false, node: record ? h.node : undefined, ...(h.attention ? { attention: h.attention } : {}) });
  }
  finals.sort(compareHypotheses);
  const hypotheses = finals.slice(0, nb);
  if (record) {
    finals.forEach((h, rank) => {
      const n = nodes[h.node!];
      n.finalScore = h.score;
      n.rank = rank;
    });
    return { hypotheses, tree: { nodes, beamSize: k, alpha, lengthPenalty: penalty, maxLen: opts.maxLen, childrenPerNode: perNode } };
  }
  return { hypotheses };
}
