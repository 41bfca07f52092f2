/**
 * The models Seqlab can train, registered by name: the language models' recurrent cells
 * (`rnn`, `gru`, `lstm`) and the translators (`seq2seq`). The config schemas, the CLI, the UI's
 * quick picks, the settings in package.json and the checkpoints read names from here.
 */
import type { CellKind } from '../kernels/types';

export interface LanguageModelEntry {
  name: CellKind;
  /** As the UI writes it: RNN, GRU, LSTM. */
  label: string;
  /** "a" or "an" before the label in a sentence. */
  article: 'a' | 'an';
  /** Where the textbook defines it, for the quick pick. */
  description: string;
}

export const LANGUAGE_MODELS: readonly LanguageModelEntry[] = [
  { name: 'rnn', label: 'RNN', article: 'an', description: 'd2l 9.4–9.6: plain recurrent network' },
  { name: 'gru', label: 'GRU', article: 'a', description: 'd2l 10.2: gated recurrent units' },
  { name: 'lstm', label: 'LSTM', article: 'an', description: 'd2l 10.1: long short-term memory' },
];

export const LANGUAGE_MODEL_NAMES = LANGUAGE_MODELS.map((m) => m.name) as [CellKind, ...CellKind[]];

/** Initial weights of a language model (./recurrent/init.ts says what each draws). */
export const INITIALIZERS = ['d2l', 'pytorch'] as const;
export type Initializer = (typeof INITIALIZERS)[number];
