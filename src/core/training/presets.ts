/**
 * Named starting points for runs, as data: the one place the UI's quick picks, the CLI's
 * `--preset`, the settings' defaults in package.json (scripts/gen-manifest.ts) and the configs
 * read them. Any key can still be overridden.
 */
import type { LMConfig } from './lm-config';
import type { MtConfig } from '../translation/mt-config';

export interface Preset<C> {
  /** What the quick pick shows. */
  label: string;
  /** One line: where the numbers come from, and where Seqlab deviates from the book. */
  description: string;
  config: Partial<C>;
}

/**
 * d2l's character-level Time Machine models (chapters 9–10, the same for RNN, GRU and LSTM):
 * 256 hidden, 500 epochs, SGD lr 1, batch 32, 35 steps, gradient clipping θ = 1.
 */
export const TEXTBOOK_LM_HYPER = { hidden: 256, layers: 1, epochs: 500, lr: 1, batch: 32, steps: 35, clip: 1 } as const satisfies Partial<LMConfig>;

export type LMPresetName = 'textbook' | 'whole-book';

export const LM_PRESETS: Record<LMPresetName, Preset<LMConfig>> = {
  // d2l's load_data_time_machine(batch_size=32, num_steps=35, use_random_iter=False, max_tokens=10000).
  textbook: {
    label: 'Textbook',
    description: "exactly d2l's load_data_time_machine(batch_size=32, num_steps=35, max_tokens=10000): the first 10,000 characters, no held-out split (so no validation perplexity), 256 hidden, 500 epochs, lr 1, θ = 1",
    config: { ...TEXTBOOK_LM_HYPER, token: 'char', partition: 'sequential', maxTokens: 10000, split: 1 },
  },
  'whole-book': {
    label: 'Whole book',
    description: 'all 170,580 characters of The Time Machine, 10% held out for validation perplexity (Seqlab’s addition; the book trains on the first 10,000), same model and training as the textbook preset',
    config: { ...TEXTBOOK_LM_HYPER, token: 'char', partition: 'sequential', maxTokens: 0, split: 0.9 },
  },
};

export type MtPresetName = 'textbook' | 'quick' | 'bahdanau' | 'full-small' | 'full-large';

export const MT_PRESETS: Record<MtPresetName, Preset<MtConfig>> = {
  textbook: {
    label: 'Textbook',
    description: 'd2l 10.7: the first 600 pairs, embedding 32, 2-layer GRU with 32 hidden units, dropout 0.1, Adam lr 0.005, 300 epochs, batch 64, 10 steps',
    config: {},
  },
  quick: {
    label: 'Quick look',
    description: '200 pairs, 30 epochs: trains in seconds, translates poorly',
    config: { numExamples: 200, epochs: 30 },
  },
  // d2l 10.4 (1.0 edition's Bahdanau run): MTFraEng(batch_size=128) = 512 train + 128 validation pairs, num_steps 9.
  bahdanau: {
    label: 'Bahdanau attention (textbook)',
    description: "d2l 10.4: Bahdanau attention, embedding 256, 2-layer GRU with 256 hidden units, dropout 0.2, Adam lr 0.005, 30 epochs, batch 128, 9 steps, θ = 1, on the first 640 pairs with 128 (20%) held out for BLEU — a seeded random split where the book takes the last 128",
    config: { model: 'attention', numExamples: 640, numSteps: 9, embedSize: 256, numHiddens: 256, numLayers: 2, dropout: 0.2, lr: 0.005, epochs: 30, batchSize: 128, clip: 1, validFraction: 0.2, evalEvery: 0, checkpointEvery: 10 },
  },
  // All 167,130 pairs: a model large enough to learn more than memorised phrases,
  // few epochs (each is ~2,600 batches), a held-out 1% for BLEU every epoch.
  'full-small': {
    label: 'All pairs, small model',
    description: 'all 167,130 pairs, embedding 128, 2×256 GRU, dropout 0.2, lr 0.002, 10 epochs, 1% held out for BLEU every epoch',
    config: { numExamples: null, numSteps: 15, embedSize: 128, numHiddens: 256, numLayers: 2, dropout: 0.2, lr: 0.002, epochs: 10, batchSize: 64, validFraction: 0.01, evalEvery: 1, checkpointEvery: 1 },
  },
  'full-large': {
    label: 'All pairs, large model',
    description: 'all 167,130 pairs, embedding 256, 2×512 GRU, dropout 0.2, lr 0.001, 20 epochs, batch 128, 1% held out for BLEU every epoch',
    config: { numExamples: null, numSteps: 20, embedSize: 256, numHiddens: 512, numLayers: 2, dropout: 0.2, lr: 0.001, epochs: 20, batchSize: 128, validFraction: 0.01, evalEvery: 1, checkpointEvery: 1 },
  },
};
