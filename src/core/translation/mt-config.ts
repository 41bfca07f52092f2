/**
 * A translation run's settings. The defaults are the book's (d2l 9.7.3): the first 600 pairs,
 * embed 32, hidden 32, two layers, dropout 0.1, lr 0.005, 300 epochs, batch 64, 10 steps.
 * Presets for the full 167k pairs scale the model and shorten the epochs.
 */
import { SeqlabError, assertPositive, assertPositiveInt } from '../util/errors';

export const MT_JOB = 'mt';

/** The book's four test sentences (d2l 9.7.4) and their references. */
export const TEXTBOOK_SENTENCES: [string, string][] = [
  ['go .', 'va !'],
  ['i lost .', "j'ai perdu ."],
  ["he's calm .", 'il est calme .'],
  ["i'm home .", 'je suis chez moi .'],
];


export interface MtConfig {
  job: typeof MT_JOB;
  /** `fra-eng` or a path to a tab-separated pairs file */
  pairs: string;
  /** d2l's num_examples; null = every pair */
  numExamples: number | null;
  numSteps: number;
  minFreq: number;
  embedSize: number;
  numHiddens: number;
  numLayers: number;
  dropout: number;
  lr: number;
  epochs: number;
  batchSize: number;
  /** θ of gradient clipping */
  clip: number;
  seed: number;
  /** pairs held out for BLEU after training and each `evalEvery` epochs (0 = none, the book) */
  validFraction: number;
  /** held-out BLEU every this many epochs (0 = only at the end) */
  evalEvery: number;
  /** at most this many held-out pairs are translated per evaluation */
  evalLimit: number;
  checkpointEvery: number;
  /** data folder (the setting); SEQLAB_DATA_DIR is used when empty */
  dataDirectory?: string;
}

export const MT_DEFAULTS: MtConfig = {
  job: MT_JOB,
  pairs: 'fra-eng',
  numExamples: 600,
  numSteps: 10,
  minFreq: 2,
  embedSize: 32,
  numHiddens: 32,
  numLayers: 2,
  dropout: 0.1,
  lr: 0.005,
  epochs: 300,
  batchSize: 64,
  clip: 1,
  seed: 0,
  validFraction: 0,
  evalEvery: 0,
  evalLimit: 200,
  checkpointEvery: 50,
};

export type MtPresetName = 'textbook' | 'full-small' | 'full-large';

/** Starting points; any field can still be overridden. */
export const MT_PRESETS: Record<MtPresetName, Partial<MtConfig>> = {
  textbook: {},
  // All 167,130 pairs: a model large enough to learn more than memorised phrases,
  // few epochs (each is ~2,600 batches), a held-out 1% for BLEU every epoch.
  'full-small': { numExamples: null, numSteps: 15, embedSize: 128, numHiddens: 256, numLayers: 2, dropout: 0.2, lr: 0.002, epochs: 10, batchSize: 64, validFraction: 0.01, evalEvery: 1, checkpointEvery: 1 },
  'full-large': { numExamples: null, numSteps: 20, embedSize: 256, numHiddens: 512, numLayers: 2, dropout: 0.2, lr: 0.001, epochs: 20, batchSize: 128, validFraction: 0.01, evalEvery: 1, checkpointEvery: 1 },
};

const KEYS = Object.keys(MT_DEFAULTS).concat(['dataDirectory', 'preset']);

/** Fills defaults (and a preset) and checks every value; throws one sentence per bad value. */
export function resolveMtConfig(raw: Record<string, unknown>): MtConfig {
  const unknown = Object.keys(raw).filter((k) => !KEYS.includes(k) && raw[k] !== undefined);
  if (unknown.length) throw new SeqlabError(`Unknown translation setting "${unknown[0]}".`);
  if (raw.job !== undefined && raw.job !== MT_JOB) throw new SeqlabError(`This is a translation run (job "${MT_JOB}"), not "${String(raw.job)}".`);
  const presetName = (raw.preset ?? 'textbook') as string;
  const preset = MT_PRESETS[presetName as MtPresetName];
  if (!preset) throw new SeqlabError(`Unknown translation preset "${presetName}"; use ${Object.keys(MT_PRESETS).join(', ')}.`);
  const given = Object.fromEntries(Object.entries(raw).filter(([k, v]) => v !== undefined && k !== 'preset'));
  const c = { ...MT_DEFAULTS, ...preset, ...given, job: MT_JOB } as MtConfig;
  if (typeof c.pairs !== 'string' || !c.pairs.trim()) throw new SeqlabError('The pairs file must be "fra-eng" or a path.');
  if (c.numExamples !== null) assertPositiveInt(Number(c.numExamples), 'num_examples');
  for (const k of ['numSteps', 'minFreq', 'embedSize', 'numHiddens', 'numLayers', 'epochs', 'batchSize', 'evalLimit'] as const) assertPositiveInt(c[k], k);
  for (const k of ['evalEvery', 'checkpointEvery', 'seed'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new SeqlabError(`${k} must be a whole number of at least 0, got ${c[k]}.`);
  }
  assertPositive(c.lr, 'learning rate');
  assertPositive(c.clip, 'clip');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new SeqlabError(`dropout must be at least 0 and below 1, got ${c.dropout}.`);
  if (!(c.validFraction >= 0 && c.validFraction < 1)) throw new SeqlabError(`The held-out fraction must be at least 0 and below 1, got ${c.validFraction}.`);
  if (c.numSteps < 2) throw new SeqlabError('num_steps must be at least 2 (a token and <eos>).');
  return c;
}
