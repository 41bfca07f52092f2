/**
 * Translator architectures by name. The config's `model` key, `seqlab train-mt --model`, the
 * UI and checkpoints (config.json's config.model; checkpoints without one are 'seq2seq') read
 * this list. A new architecture = its folder (exporting a TranslatorArchitecture) + one entry here.
 */
import { SeqlabError } from '../util/errors';
import type { TranslatorModel, TranslatorShape } from './encoder-decoder';
import { seq2seqArchitecture } from './seq2seq';
import { attentionArchitecture } from './attention';

export interface TranslatorArchitecture {
  name: string;
  /** As the UI writes it. */
  label: string;
  /** Where the textbook defines it. */
  description: string;
  /** A fresh model of this shape; `seed` draws its initial weights. */
  create(shape: TranslatorShape, seed: number): TranslatorModel;
}

export const TRANSLATORS: readonly TranslatorArchitecture[] = [seq2seqArchitecture, attentionArchitecture];

export const TRANSLATOR_NAMES = TRANSLATORS.map((t) => t.name) as [string, ...string[]];

/** The architecture registered under `name`; one sentence naming the known ones otherwise. */
export function translatorArchitecture(name: string): TranslatorArchitecture {
  const a = TRANSLATORS.find((t) => t.name === name);
  if (!a) throw new SeqlabError(`Unknown translator "${name}"; use ${TRANSLATOR_NAMES.join(', ')}.`);
  return a;
}
