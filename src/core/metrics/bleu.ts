/**
 * BLEU as the textbook defines it (d2l 9.7.4): brevity penalty exp(min(0, 1 − len_label/len_pred))
 * times Π_{n=1..k} p_n^(1/2^n), p_n the clipped n-gram precision. Longer n-grams weigh more
 * because matching them is harder.
 */
import { SeqlabError, assertPositiveInt } from '../util/errors';

/** Sentences are compared token by token; a string is split on white space. */
export type Sentence = string | readonly string[];

export function bleuTokens(s: Sentence): string[] {
  return typeof s === 'string' ? s.trim().split(/\s+/).filter(Boolean) : [...s];
}

/** n-gram counts of a token list (joined with a separator no token contains). */
function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join('\u0001');
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** Clipped matches: each label n-gram can be matched at most as often as it occurs there. */
function clippedMatches(pred: readonly string[], label: readonly string[], n: number): number {
  const labelSubs = ngramCounts(label, n);
  let matches = 0;
  for (let i = 0; i + n <= pred.length; i++) {
    const g = pred.slice(i, i + n).join('\u0001');
    const left = labelSubs.get(g) ?? 0;
    if (left > 0) {
      matches++;
      labelSubs.set(g, left - 1);
    }
  }
  return matches;
}

export interface BleuDetail {
  score: number;
  brevityPenalty: number;
  /** p_n for n = 1..k (null where the prediction has no n-grams of that size) */
  precisions: (number | null)[];
  predLength: number;
  labelLength: number;
}

function checkArgs(label: readonly string[], k: number): void {
  assertPositiveInt(k, 'k');
  if (label.length === 0) throw new SeqlabError('The reference translation (label) is empty; BLEU needs at least one token to compare against.');
}

/**
 * d2l's `bleu(pred_seq, label_seq, k)`. Two cases the book's code would divide by zero on are
 * defined here: an empty prediction scores 0, and an order n longer than the prediction is
 * left out of the product (the brevity penalty already charges for the shortness), so a
 * one-word prediction identical to a one-word label scores 1.
 */
export function bleuDetail(pred: Sentence, label: Sentence, k = 2): BleuDetail {
  const p = bleuTokens(pred);
  const l = bleuTokens(label);
  checkArgs(l, k);
  if (p.length === 0) return { score: 0, brevityPenalty: 0, precisions: Array(k).fill(0), predLength: 0, labelLength: l.length };
  const brevityPenalty = Math.exp(Math.min(0, 1 - l.length / p.length));
  let score = brevityPenalty;
  const precisions: (number | null)[] = [];
  for (let n = 1; n <= k; n++) {
    const total = p.length - n + 1;
    if (total <= 0) {
      precisions.push(null);
      continue;
    }
    const pn = clippedMatches(p, l, n) / total;
    precisions.push(pn);
    score *= Math.pow(pn, Math.pow(0.5, n));
  }
  return { score, brevityPenalty, precisions, predLength: p.length, labelLength: l.length };
}

/** d2l's `bleu`: the score only. */
export function bleu(pred: Sentence, label: Sentence, k = 2): number {
  return bleuDetail(pred, label, k).score;
}

export interface CorpusBleu {
  /** BLEU over the whole corpus: clipped matches and lengths summed before the formula */
  corpus: number;
  /** the mean of the per-sentence scores (what the book prints, averaged) */
  meanSentence: number;
  sentences: number[];
  brevityPenalty: number;
  precisions: number[];
}

/**
 * Corpus-level BLEU with the book's weights: n-gram matches and totals are summed over all
 * sentence pairs (as corpus BLEU is usually defined), the brevity penalty uses the total
 * lengths. Also returns every sentence's own score and their mean.
 */
export function corpusBleu(preds: readonly Sentence[], labels: readonly Sentence[], k = 2): CorpusBleu {
  if (preds.length !== labels.length) throw new SeqlabError(`BLEU needs one reference per prediction; got ${preds.length} predictions and ${labels.length} references.`);
  if (preds.length === 0) throw new SeqlabError('BLEU needs at least one sentence pair.');
  assertPositiveInt(k, 'k');
  const matches = new Array<number>(k).fill(0);
  const totals = new Array<number>(k).fill(0);
  let predLen = 0;
  let labelLen = 0;
  const sentences = preds.map((pr, i) => {
    const p = bleuTokens(pr);
    const l = bleuTokens(labels[i]);
    checkArgs(l, k);
    predLen += p.length;
    labelLen += l.length;
    for (let n = 1; n <= k; n++) {
      matches[n - 1] += clippedMatches(p, l, n);
      totals[n - 1] += Math.max(0, p.length - n + 1);
    }
    return bleu(p, l, k);
  });
  const brevityPenalty = predLen === 0 ? 0 : Math.exp(Math.min(0, 1 - labelLen / predLen));
  const precisions = matches.map((m, i) => (totals[i] > 0 ? m / totals[i] : 0));
  let corpus = brevityPenalty;
  precisions.forEach((pn, i) => {
    if (totals[i] > 0) corpus *= Math.pow(pn, Math.pow(0.5, i + 1));
  });
  const meanSentence = sentences.reduce((a, b) => a + b, 0) / sentences.length;
  return { corpus, meanSentence, sentences, brevityPenalty, precisions };
}
