/**
 * A language-model run's config: data, model and training hyper-parameters, with the
 * textbook's defaults (8.5: batch 32, 35 steps, 256 hidden, lr 1, clipping θ = 1). The config is
 * stored in checkpoints and carries `split` and `token` so the UI can compute the n-gram
 * baseline of the same data (src/core/ngram uses the same splitCorpus).
 *
 * The schema is the one definition of every key: its `.describe()` texts become the JSON Schema
 * of experiment files (./job-configs.ts) and the settings' descriptions (scripts/gen-manifest.ts).
 * A value outside its range fails with one sentence naming the key and the value.
 */
import { z } from 'zod';
import { SeqlabError } from '../util/errors';
import { IMPLS, type Impl } from '../models/recurrent/strategy';
import { INITIALIZERS, LANGUAGE_MODEL_NAMES } from '../models/registry';
import { formatConfigIssue, nonNegativeInt, positiveInt, positiveNumber, renameLegacyKeys } from './config-fields';

export const TruncationSchema = z.enum(['full', 'fixed', 'random']);
export type Truncation = z.infer<typeof TruncationSchema>;

export const LMConfigSchema = z.object({
  job: z.literal('lm').default('lm').describe('The job kind: "lm" for a language model.'),
  // ---- data
  corpus: z.string().min(1).default('timemachine').describe('The text to train on: `timemachine`, `fra-eng` (English side), `fra-eng:fr` (French side) or a path to a UTF-8 text file.'),
  token: z.enum(['char', 'word', 'bpe']).default('char').describe('Tokenizer: characters (the textbook), words, or byte-pair encoding.'),
  mode: z.enum(['textbook', 'raw']).default('textbook').describe('Preprocessing: `textbook` keeps letters only, lower-cased (d2l 9.2); `raw` keeps the text as written.'),
  minFreq: nonNegativeInt('The minimum token frequency').default(0).describe('Tokens seen fewer times become <unk> (d2l Vocab min_freq).'),
  bpeMerges: nonNegativeInt('The number of BPE merges').default(500).describe('Byte-pair-encoding merges learned when token is `bpe`.'),
  maxTokens: nonNegativeInt('maxTokens').default(0).describe('Train on the first N tokens of the corpus only (d2l max_tokens; 0 = all).'),
  split: z.number().gt(0).max(1).default(0.9).describe('Fraction of the tokens used for training; the rest is the validation split (1 = no validation, as the textbook).'),
  dataDirectory: z.string().optional().describe('Folder holding the data sets (else SEQLAB_DATA_DIR, the bundled copy, the cache).'),
  // ---- model
  model: z.enum(LANGUAGE_MODEL_NAMES).default('gru').describe('Recurrent cell, by its registered name (src/core/models/registry.ts): rnn (d2l 9.4), gru (10.2) or lstm (10.1).'),
  impl: z.enum(IMPLS as [Impl, ...Impl[]]).default('fused').describe('How the recurrent layers are computed: `fused` = the fused whole-sequence kernel (fastest), `scratch` = the per-step cells of the equations, `layers` = tf.layers (the concise path).'),
  layers: positiveInt('The number of layers').default(1).describe('Stacked recurrent layers (d2l 10.3).'),
  bidirectional: z.boolean().default(false).describe('Bidirectional layers (d2l 10.4); such a model cannot generate text.'),
  init: z.enum(INITIALIZERS).default('d2l').describe('Initial weights: `d2l` = N(0, 0.01), biases 0 (the textbook\'s from-scratch code); `pytorch` = U(−1/√H, 1/√H) (nn.RNN/GRU/LSTM defaults, what d2l\'s concise chapters train with).'),
  hidden: positiveInt('The number of hidden units').default(256).describe('Hidden units per layer.'),
  embedding: nonNegativeInt('The embedding size', '0 (one-hot) or a positive whole number').default(0).describe('0 = one-hot inputs (the textbook); > 0 = a learned embedding of this size.'),
  // ---- training
  batch: positiveInt('The batch size').default(32).describe('Sequences per minibatch.'),
  steps: positiveInt('The number of time steps').default(35).describe('Time steps per subsequence (d2l num_steps).'),
  lr: positiveNumber('The learning rate').default(1).describe('Learning rate.'),
  epochs: nonNegativeInt('The number of epochs', 'a whole number ≥ 0').default(10).describe('Epochs to train.'),
  partition: z.enum(['sequential', 'random']).default('sequential').describe('Minibatches by d2l\'s sequential or random partitioning (8.3).'),
  optimizer: z.enum(['sgd', 'adam']).default('sgd').describe('Optimizer: SGD (the textbook) or Adam.'),
  clip: z
    .number()
    .min(0, { error: (i) => `The clipping threshold must be ≥ 0 (0 = off), got ${String(i.input)}.` })
    .default(1)
    .describe('Clipping threshold θ on the global gradient norm (0 = no clipping).'),
  truncation: TruncationSchema.default('full').describe('BPTT (d2l 8.7): the full window, fixed truncation every truncK steps, or randomised truncation.'),
  truncK: positiveInt('The truncation length').default(10).describe('Steps between truncation points (fixed) or the mean segment length (random).'),
  seed: z.number().int().default(0).describe('Seed of the initial weights, the batches and sampling.'),
  // ---- reporting
  samplePrefix: z.string().default('time traveller').describe('Prefix continued after every epoch to show a sample.'),
  sampleLength: nonNegativeInt('The sample length').default(50).describe('Tokens generated for the sample (0 = no sample).'),
  checkpointEvery: nonNegativeInt('checkpointEvery').default(1).describe('Save a checkpoint every N epochs and at the end (0 = only at the end).'),
});
export type LMConfig = z.infer<typeof LMConfigSchema>;
export type LMConfigInput = z.input<typeof LMConfigSchema>;

/** Keys spelled differently by earlier builds (checkpoints' config.json, runs.json): old → new. */
const LEGACY_KEYS = { dataDir: 'dataDirectory' } as const;

/** Applies defaults and checks every value, with one clear sentence for the first bad one. */
export function parseLMConfig(raw: unknown): LMConfig {
  const r = LMConfigSchema.safeParse(renameLegacyKeys(raw ?? {}, LEGACY_KEYS));
  if (!r.success) throw new SeqlabError(formatConfigIssue('The training config', r.error));
  const c = r.data;
  if (c.truncation !== 'full' && c.impl === 'layers') throw new SeqlabError('Truncated BPTT needs --impl scratch or fused; the layers implementation trains with full BPTT.');
  return c;
}
