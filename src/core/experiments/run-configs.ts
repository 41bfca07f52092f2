/**
 * The run configs an experiment file can hold, as zod objects: the language model's
 * (../training/lm-config.ts, the schema the worker validates with) and the translator's.
 * The experiment format, its JSON Schema and the sweep keys are all built from these shapes,
 * so a key added to a run config appears in experiment files without another edit here.
 *
 * The translator's settings (../translation/mt-config.ts) are checked by `resolveMtConfig`
 * and have no zod schema of their own yet; MT_RUN_SCHEMA mirrors MT_DEFAULTS key by key (a
 * unit test keeps the two equal) until the translator's config is validated with zod too.
 */
import { z } from 'zod';
import { LMConfigSchema, parseLMConfig } from '../training/lm-config';
import { MT_DEFAULTS, MT_JOB, MT_PRESETS, resolveMtConfig } from '../translation/mt-config';

/** What each key means, for the editor's hover and completion (the JSON Schema's descriptions). */
const DESCRIPTIONS: Record<string, string> = {
  job: 'Kind of run: "lm" = language model (d2l 9.5), "mt" = seq2seq translator (d2l 10.7).',
  corpus: 'Training text: timemachine, fra-eng (English side), fra-eng:fr (French side) or a path to a UTF-8 text file.',
  token: 'Tokenizer (d2l 9.2): char, word or bpe.',
  mode: 'Preprocessing: textbook = letters only, lower-case (d2l 9.2); raw = as written.',
  minFreq: 'Tokens seen fewer times than this become <unk> (d2l 9.2 min_freq).',
  bpeMerges: 'Number of BPE merges when token is bpe.',
  maxTokens: 'Use only the first N tokens of the corpus (0 = all); small values make quick runs.',
  split: 'Fraction of tokens used for training; the rest is the validation split (1 = no validation).',
  dataDir: 'Folder with the data sets (else SEQLAB_DATA_DIR, the bundled copy, the cache).',
  model: 'Recurrent cell: rnn (d2l 9.5), gru (d2l 10.2) or lstm (d2l 10.1).',
  impl: 'fused = the fused kernel (fastest), scratch = the readable cells, layers = tf.layers.',
  layers: 'Number of stacked recurrent layers (d2l 10.3).',
  bidirectional: 'Bidirectional layers (d2l 10.4); such a model cannot generate text.',
  hidden: 'Hidden units per layer (the textbook uses 256).',
  embedding: '0 = one-hot inputs (the textbook); > 0 = a learned embedding of this size.',
  batch: 'Minibatch size (the textbook uses 32).',
  steps: 'Time steps per minibatch (the textbook uses 35).',
  lr: 'Learning rate (language model: 1 with SGD; translator: 0.005 with Adam).',
  epochs: 'Number of epochs to train.',
  partition: 'Minibatch partitioning (d2l 9.3): sequential or random.',
  optimizer: 'sgd (the textbook) or adam.',
  clip: 'Gradient clipping threshold θ on the global norm (d2l 9.5); 0 = off for language models.',
  truncation: 'BPTT (d2l 9.7): full, fixed truncation every truncK steps, or randomised truncation.',
  truncK: 'Truncation length for fixed / random truncation.',
  seed: 'Random seed of initialisation and sampling.',
  samplePrefix: 'Prefix continued after every epoch (the textbook: "time traveller").',
  sampleLength: 'Characters (or tokens) generated for the sample.',
  checkpointEvery: 'Save a checkpoint every N epochs (and at the end); 0 = only at the end.',
  pairs: 'Sentence pairs: fra-eng or a path to a tab-separated file (source<TAB>target).',
  numExamples: "d2l's num_examples: use the first N pairs (null = every pair).",
  numSteps: 'Time steps per sentence (longer ones are truncated, shorter padded).',
  embedSize: 'Embedding size of encoder and decoder.',
  numHiddens: 'Hidden units of the encoder and decoder GRUs.',
  numLayers: 'Number of GRU layers in encoder and decoder.',
  dropout: 'Dropout between GRU layers (0 ≤ p < 1).',
  batchSize: 'Minibatch size (the textbook uses 64).',
  validFraction: 'Fraction of pairs held out for BLEU (0 = none, the textbook).',
  evalEvery: 'Held-out BLEU every this many epochs (0 = only at the end).',
  evalLimit: 'At most this many held-out pairs are translated per evaluation.',
  dataDirectory: 'Folder with the data sets (else SEQLAB_DATA_DIR, the bundled copy, the cache).',
  preset: 'Starting point for the translator: textbook, full-small or full-large.',
};

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().min(0);

/** The translator's settings (types as resolveMtConfig checks them). */
const MT_SHAPE = {
  job: z.literal(MT_JOB),
  preset: z.enum(Object.keys(MT_PRESETS) as [string, ...string[]]),
  pairs: z.string().min(1),
  numExamples: posInt.nullable(),
  numSteps: z.number().int().min(2),
  minFreq: posInt,
  embedSize: posInt,
  numHiddens: posInt,
  numLayers: posInt,
  dropout: z.number().min(0).lt(1),
  lr: z.number().positive(),
  epochs: posInt,
  batchSize: posInt,
  clip: z.number().positive(),
  seed: nonNegInt,
  validFraction: z.number().min(0).lt(1),
  evalEvery: nonNegInt,
  evalLimit: posInt,
  checkpointEvery: nonNegInt,
  dataDirectory: z.string(),
};

function described<T extends Record<string, z.ZodType>>(shape: T): T {
  return Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.description || !DESCRIPTIONS[k] ? s : s.describe(DESCRIPTIONS[k])])) as T;
}

/** Every key of the language model's config, all optional (defaults apply), with descriptions. */
export const LM_RUN_SHAPE = described({ ...LMConfigSchema.shape, job: z.literal('lm') });
/** Every key of the translator's config, `job: "mt"` required to tell it apart. */
export const MT_RUN_SHAPE = described(MT_SHAPE);

/** Job kind → what the experiment format needs of it. */
export const RUN_KINDS = {
  lm: {
    shape: LM_RUN_SHAPE,
    /** Defaults applied and every value checked; throws SeqlabError with one sentence. */
    resolve: (c: Record<string, unknown>): Record<string, unknown> => parseLMConfig({ ...c, job: 'lm' }),
    data: 'corpus',
  },
  mt: {
    shape: MT_RUN_SHAPE,
    resolve: (c: Record<string, unknown>): Record<string, unknown> => ({ ...resolveMtConfig({ ...c, job: MT_JOB }) }),
    data: 'pairs',
  },
} as const;
export type RunKind = keyof typeof RUN_KINDS;

/** MT_DEFAULTS' keys (for the test that MT_RUN_SHAPE covers them). */
export const MT_CONFIG_KEYS = Object.keys(MT_DEFAULTS);
