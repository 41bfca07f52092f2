import type { Vocab } from './vocab';
import { countTokens } from './vocab';

export interface ZipfFit {
  /** Least-squares slope of log(frequency) against log(rank). */
  slope: number;
  intercept: number;
  r2: number;
}

export interface NgramTable {
  n: number;
  /** Distinct n-grams. */
  types: number;
  total: number;
  /** Every n-gram by descending count, ties in first-seen order; grams joined by one space. */
  counts: [string, number][];
  zipf: ZipfFit;
}

/** n-gram frequencies over a token stream; d2l builds bigrams with zip(corpus[:-1], corpus[1:]). */
export function ngramTable(tokens: readonly string[], n: number): NgramTable {
  const grams: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) grams.push(n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' '));
  const counts = [...countTokens(grams).entries()].sort((a, b) => b[1] - a[1]);
  return { n, types: counts.length, total: grams.length, counts, zipf: zipfFit(counts.map((c) => c[1])) };
}

/** Fits log f = slope · log r + intercept over all ranks. */
export function zipfFit(sortedFreqs: readonly number[]): ZipfFit {
  const n = sortedFreqs.length;
  if (n < 2) return { slope: 0, intercept: n ? Math.log(sortedFreqs[0]) : 0, r2: 0 };
  let sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.log(i + 1);
    const y = Math.log(sortedFreqs[i]);
    sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y;
  }
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  const slope = vx > 0 ? cov / vx : 0;
  const intercept = (sy - slope * sx) / n;
  const r2 = vx > 0 && vy > 0 ? (cov * cov) / (vx * vy) : 1;
  return { slope, intercept, r2 };
}

/** Fraction of all tokens covered by the k most frequent types, for k = 1…types (cumulative). */
export function coverageCurve(sortedFreqs: readonly number[]): Float64Array {
  const total = sortedFreqs.reduce((a, b) => a + b, 0);
  const out = new Float64Array(sortedFreqs.length);
  let acc = 0;
  sortedFreqs.forEach((f, i) => {
    acc += f;
    out[i] = total ? acc / total : 0;
  });
  return out;
}

/** Share of tokens that a vocabulary maps to <unk>. */
export function unknownRate(tokens: readonly string[], vocab: Vocab): number {
  if (tokens.length === 0) return 0;
  let unk = 0;
  for (const t of tokens) if (!vocab.has(t) || vocab.indexOf(t) === vocab.unk) unk++;
  return unk / tokens.length;
}

export interface CorpusStats {
  lines: number;
  tokens: number;
  types: number;
  ngrams: Record<string, NgramTable>;
}

export function corpusStats(lineCount: number, tokens: readonly string[], maxN = 3): CorpusStats {
  const ngrams: Record<string, NgramTable> = {};
  for (let n = 1; n <= maxN; n++) ngrams[String(n)] = ngramTable(tokens, n);
  return { lines: lineCount, tokens: tokens.length, types: ngrams['1'].types, ngrams };
}
