/**
 * The n-gram baselines a language-model run's dashboard draws as a dashed line: the Laplace-
 * smoothed n-gram perplexities of the vocabulary panel's table (n = 1…5, each at its best ε) on
 * the same validation split of the same data, computed on the compute thread. The dashboard
 * shows the best and lets the user pick another n. A run without a held-out split has none.
 */
import type { NgramBaseline } from '../../core/ngram';
import type { RunRecord } from '../../protocol/runs';
import { hasValidation } from '../../protocol/run-summary';
import { compute } from '../compute/client';
import { loadSource } from '../data';
import { log, messageOf } from '../errors';

export type Baselines = { choices: NgramBaseline[] } | { none: string };

const cache = new Map<string, Promise<Baselines>>();

export function runBaselines(run: RunRecord): Promise<Baselines | null> {
  if (run.kind !== 'language-model') return Promise.resolve(null);
  if (!hasValidation(run)) return Promise.resolve({ none: 'No n-gram baseline: this run holds no text out for validation (split 1, as the textbook trains).' });
  const split = typeof run.hyper.split === 'number' ? run.hyper.split : 0.9;
  const maxTokens = typeof run.hyper.maxTokens === 'number' ? run.hyper.maxTokens : 0;
  const key = `${run.data}|${run.model.token}|${split}|${maxTokens}`;
  let p = cache.get(key);
  if (!p) {
    p = (async (): Promise<Baselines> => {
      try {
        const corpus = await loadSource(run.data);
        return { choices: await compute().run('ngramBaselines', { corpus, token: run.model.token, maxTokens, split }) };
      } catch (err) {
        log(`n-gram baseline for ${run.name}: ${messageOf(err)}`);
        return { none: `No n-gram baseline: ${messageOf(err)}` };
      }
    })();
    cache.set(key, p);
  }
  return p;
}
