/**
 * The defaults of the `seqlab.defaults.<model>` settings, from the textbook presets
 * (./presets.ts): the extension fills missing keys with them and scripts/gen-manifest.ts writes
 * them into package.json, so the numbers exist once.
 */
import { MT_DEFAULTS, type MtConfig } from '../translation/mt-config';
import type { LMConfig } from './lm-config';
import { TEXTBOOK_LM_HYPER } from './presets';

/** Keys a user may set in `seqlab.defaults.rnn|gru|lstm` (maxTokens has no default there). */
export const LM_SETTING_KEYS = ['hidden', 'layers', 'epochs', 'lr', 'batch', 'steps', 'clip', 'maxTokens'] as const satisfies readonly (keyof LMConfig)[];

/** Keys of `seqlab.defaults.translator`. */
export const TRANSLATOR_SETTING_KEYS = ['numExamples', 'numSteps', 'embedSize', 'numHiddens', 'numLayers', 'dropout', 'lr', 'epochs', 'batchSize', 'clip'] as const satisfies readonly (keyof MtConfig)[];

export const LM_SETTING_DEFAULTS: Readonly<Record<string, number>> = { ...TEXTBOOK_LM_HYPER };

export const TRANSLATOR_SETTING_DEFAULTS: Readonly<Record<string, number>> = Object.fromEntries(TRANSLATOR_SETTING_KEYS.map((k) => [k, MT_DEFAULTS[k] as number]));
