/** Typed access to the `seqlab.*` settings contributed in package.json. */
import * as vscode from 'vscode';
import type { PreprocessMode } from '../core/text/preprocess';
import type { TokenKind } from '../core/text/tokenizer';
import type { CellKind } from '../core/kernels/types';
import { LM_SETTING_DEFAULTS, TRANSLATOR_SETTING_DEFAULTS } from '../core/training/setting-defaults';

export type Cell = CellKind;

export interface HyperParameters {
  hidden: number;
  layers: number;
  epochs: number;
  lr: number;
  batch: number;
  steps: number;
  clip: number;
  /** Train on the first N tokens only (0 = all): quick experiments on a slow machine. */
  maxTokens?: number;
}

/** d2l's character-level Time Machine settings (src/core/training/presets.ts), the same for every cell. */
const lmDefaults = LM_SETTING_DEFAULTS as unknown as HyperParameters;
export const TEXTBOOK_HYPER: Record<Cell, HyperParameters> = { rnn: lmDefaults, gru: lmDefaults, lstm: lmDefaults };

/** d2l 10.7's seq2seq: the defaults of the `seqlab.defaults.translator` setting. */
export const TEXTBOOK_TRANSLATOR = TRANSLATOR_SETTING_DEFAULTS;

const cfg = () => vscode.workspace.getConfiguration('seqlab');

export const settings = {
  backend: () => cfg().get<'auto' | 'node' | 'wasm' | 'cpu'>('backend', 'auto'),
  dataDirectory: () => cfg().get<string>('dataDirectory', ''),
  hoverTranslation: () => cfg().get<boolean>('hoverTranslation', true),
  hoverLanguages: () => cfg().get<string[]>('hoverTranslation.languages', ['plaintext', 'markdown']),
  checkpointInterval: () => Math.max(1, Math.round(cfg().get<number>('checkpointInterval', 5))),
  tokenizeMode: () => cfg().get<PreprocessMode>('tokenize.preprocess', 'textbook'),
  tokenizeVocabulary: () => cfg().get<'timemachine' | 'document'>('tokenize.vocabulary', 'timemachine'),
  bpeMerges: () => Math.max(0, Math.round(cfg().get<number>('bpeMerges', 500))),
  defaultToken: () => cfg().get<TokenKind>('tokenize.default', 'char'),
  beamSize: () => Math.min(10, Math.max(1, Math.round(cfg().get<number>('translate.beamSize', 3)))),
  /** d2l 10.7's seq2seq settings, overridable per key. */
  translatorDefaults(): Record<string, number> {
    const user = cfg().get<Record<string, number>>('defaults.translator', {});
    return { ...TEXTBOOK_TRANSLATOR, ...sanitize(user as Partial<HyperParameters>) } as Record<string, number>;
  },
  hyper(cell: Cell): HyperParameters {
    const user = cfg().get<Partial<HyperParameters>>(`defaults.${cell}`, {});
    return { ...TEXTBOOK_HYPER[cell], ...sanitize(user) };
  },
};

/** Keeps only positive numbers from a user-edited object. */
function sanitize(o: Partial<HyperParameters> | undefined): Partial<HyperParameters> {
  const out: Partial<HyperParameters> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (typeof v === 'number' && Number.isFinite(v) && v > 0) (out as Record<string, number>)[k] = v;
  return out;
}
