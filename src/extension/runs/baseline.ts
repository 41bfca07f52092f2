/**
 * The n-gram baseline a language-model run's dashboard draws as a dashed line: the best
 * Laplace-smoothed n-gram perplexity (n = 1…3) on the same validation split of the same data.
 */
import { indexCorpus } from '../../core/data/corpus';
import { bestBaseline, ngramBaselines } from '../../core/ngram';
import type { RunRecord } from '../../protocol/runs';
import { loadSource } from '../data';

const cache = new Map<string, Promise<{ n: number; perplexity: number } | null>>();

export function runBaseline(run: RunRecord): Promise<{ n: number; perplexity: number } | null> {
  if (run.kind !== 'language-model') return Promise.resolve(null);
  const split = typeof run.hyper.split === 'number' ? run.hyper.split : 0.9;
  const maxTokens = typeof run.hyper.maxTokens === 'number' ? run.hyper.maxTokens : 0;
  const key = `${run.data}|${run.model.token}|${split}|${maxTokens}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      try {
        const corpus = await loadSource(run.data);
        const c = indexCorpus(corpus, { token: run.model.token, maxTokens });
        const b = bestBaseline(ngramBaselines(c.ids, { split }));
        return b ? { n: b.n, perplexity: b.perplexity } : null;
      } catch {
        return null;
      }
    })();
    cache.set(key, p);
  }
  return p;
}
