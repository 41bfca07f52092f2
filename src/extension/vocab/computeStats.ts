/**
 * Builds the Vocabulary Statistics panel's data from a corpus (no `vscode`, unit-tested):
 * d2l's vocabulary, Zipf fits of uni/bi/trigrams, the coverage curve, with plotted series
 * sampled on a log grid so a large corpus stays a small message.
 */
import { indexCorpus, type CorpusText } from '../../core/data/corpus';
import { datasetAttribution } from '../../core/data/registry';
import type { TokenKind } from '../../core/text/tokenizer';
import { corpusStats, coverageCurve } from '../../core/text/stats';
import { TABLE_EPSILONS, TABLE_ORDERS, ngramPerplexityTable } from '../../core/ngram';
import type { VocabStatsData } from '../../protocol/vocab-stats';

export const MAX_TABLE_ROWS = 20_000;

/** Every rank up to `dense`, then about `perDecade` ranks per factor of ten, always the last. */
export function logGrid(count: number, dense = 30, perDecade = 40): number[] {
  const out: number[] = [];
  for (let r = 1; r <= Math.min(count, dense); r++) out.push(r);
  if (count <= dense) return out;
  const step = 10 ** (1 / perDecade);
  for (let v = dense * step; v < count; v *= step) {
    const r = Math.round(v);
    if (r > out[out.length - 1]) out.push(r);
  }
  if (out[out.length - 1] !== count) out.push(count);
  return out;
}

export interface StatsSource {
  /** What the panel restores from: `timemachine`, `fra-eng`, a file path or `untitled:…`. */
  source: string;
  label: string;
  corpus: CorpusText;
}

export function computeVocabStats(src: StatsSource, token: TokenKind, opts: { bpeMerges?: number } = {}): VocabStatsData {
  const c = indexCorpus(src.corpus, { token, bpeMerges: opts.bpeMerges });
  const stats = corpusStats(c.lines.length, c.tokens, 3);
  const zipf = [1, 2, 3]
    .map((n) => stats.ngrams[String(n)])
    .filter((t) => t && t.types > 0)
    .map((t) => {
      const rank = logGrid(t.types);
      return {
        n: t.n,
        types: t.types,
        rank,
        freq: rank.map((r) => t.counts[r - 1][1]),
        slope: t.zipf.slope,
        intercept: t.zipf.intercept,
        r2: t.zipf.r2,
        top: t.counts.slice(0, 10),
      };
    });
  const freqs = stats.ngrams['1'].counts.map((x) => x[1]);
  const cov = coverageCurve(freqs);
  const k = logGrid(cov.length);
  const ngram = ngramTable(c.ids);
  const vocab: [number, string, number][] = c.vocab.idxToToken.slice(0, MAX_TABLE_ROWS).map((t, i) => [i, t, c.vocab.counts[i] ?? 0]);
  return {
    source: src.source,
    sourceLabel: src.label,
    token,
    lines: c.lines.length,
    tokens: c.tokens.length,
    vocabSize: c.vocab.size,
    vocab,
    vocabTruncated: c.vocab.size > MAX_TABLE_ROWS,
    ...(datasetAttribution(src.source) ? { attribution: datasetAttribution(src.source) } : {}),
    coverage: { k, fraction: k.map((i) => cov[i - 1]) },
    zipf,
    ...(ngram ? { ngramPerplexity: ngram } : {}),
  };
}

/** The n-gram table for the ids, or nothing when the corpus is too short to split. */
function ngramTable(ids: number[]): VocabStatsData['ngramPerplexity'] {
  try {
    const t = ngramPerplexityTable(ids, { ns: TABLE_ORDERS, epsilons: TABLE_EPSILONS });
    return { split: t.split, ns: t.ns, epsilons: t.epsilons, perplexity: t.perplexity, best: t.best };
  } catch {
    return undefined;
  }
}
