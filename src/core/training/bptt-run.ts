/**
 * d2l 8.7 on a model the user trained: ‖∂L/∂H_t‖ of its first layer on windows of its own
 * corpus, beside freshly initialised cells of the same kind and size on the same windows, so
 * the BPTT explorer shows what training did to the gradient's reach back in time.
 */
import { loadCorpusText } from '../data/corpus';
import type { ResolveOptions } from '../data/resolve';
import { assertMeasurable, hiddenGradientNorms, type BpttResult } from './bptt';
import { loadLMCheckpoint } from './lm-job';

/** Characters of the corpus encoded for the windows: enough for any window, cheap to tokenize. */
const TEXT_LIMIT = 200_000;

export interface RunBpttOptions {
  steps?: number;
  batch?: number;
  seed?: number;
  resolve?: ResolveOptions;
}

export async function trainedGradientNorms(checkpointDir: string, opts: RunBpttOptions = {}): Promise<BpttResult[]> {
  const { steps = 50, batch = 8, seed = 0 } = opts;
  const lm = loadLMCheckpoint(checkpointDir);
  try {
    const { config, codec, model, epoch } = lm;
    // before the corpus is read
    assertMeasurable(config);
    const resolve = opts.resolve ?? {};
    const corpus = await loadCorpusText(config.corpus, { ...resolve, dataDirectory: config.dataDirectory ?? resolve.dataDirectory, mode: config.mode });
    let ids = codec.encode(corpus.text.slice(0, TEXT_LIMIT));
    if (config.maxTokens > 0) ids = ids.slice(0, config.maxTokens);
    const kind = config.model;
    const KIND = kind.toUpperCase();
    const trained = hiddenGradientNorms({ kind, steps, batch, seed, ids, model });
    const fresh = hiddenGradientNorms({ kind, steps, batch, seed, ids, hidden: config.hidden, vocabSize: codec.vocab.size });
    return [
      { ...trained, label: `${KIND} trained (epoch ${epoch})` },
      { ...fresh, label: `${KIND} freshly initialised` },
    ];
  } finally {
    lm.model.dispose();
  }
}
