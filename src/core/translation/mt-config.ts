/**
 * A translation run's settings. The defaults are the book's (d2l 9.7.3): the first 600 pairs,
 * embed 32, hidden 32, two layers, dropout 0.1, lr 0.005, 300 epochs, batch 64, 10 steps.
 * Presets (../training/presets.ts) for the full 167k pairs scale the model and shorten the epochs.
 * The schema is the one definition of every key (see ../training/lm-config.ts).
 */
import { z } from 'zod';
import { SeqlabError } from '../util/errors';
import { formatConfigIssue, fractionBelowOne, nonNegativeInt, positiveInt, positiveNumber } from '../training/config-fields';
import { MT_PRESETS, type MtPresetName } from '../training/presets';
import { TRANSLATOR_NAMES } from './registry';

export { MT_PRESETS, type MtPresetName } from '../training/presets';

export const MT_JOB = 'mt';

/** The book's four test sentences (d2l 9.7.4) and their references. */
export const TEXTBOOK_SENTENCES: [string, string][] = [
  ['go .', 'va !'],
  ['i lost .', "j'ai perdu ."],
  ["he's calm .", 'il est calme .'],
  ["i'm home .", 'je suis chez moi .'],
];

export const MtConfigSchema = z
  .object({
    job: z.literal(MT_JOB, { error: (i) => `This is a translation run (job "${MT_JOB}"), not ${JSON.stringify(i.input)}.` }).default(MT_JOB).describe('The job kind: "mt" for a translator.'),
    pairs: z
      .string({ error: 'The pairs file must be "fra-eng" or a path.' })
      .regex(/\S/, { error: 'The pairs file must be "fra-eng" or a path.' })
      .default('fra-eng')
      .describe('Sentence pairs: `fra-eng` (the textbook\'s English–French) or a path to a tab-separated file.'),
    model: z.enum(TRANSLATOR_NAMES).default('seq2seq').describe('Translator architecture, by its registered name (src/core/translation/registry.ts): seq2seq = d2l 10.7\'s GRU encoder–decoder.'),
    numExamples: positiveInt('num_examples').nullable().default(600).describe('d2l num_examples: use the first N pairs (null = every pair).'),
    numSteps: positiveInt('numSteps')
      .min(2, { error: 'num_steps must be at least 2 (a token and <eos>).' })
      .default(10)
      .describe('d2l num_steps: tokens per sentence after truncation or padding, <eos> included.'),
    minFreq: positiveInt('minFreq').default(2).describe('Words seen fewer times become <unk> (d2l min_freq).'),
    embedSize: positiveInt('embedSize').default(32).describe('Embedding size of source and target words.'),
    numHiddens: positiveInt('numHiddens').default(32).describe('Hidden units of each GRU layer.'),
    numLayers: positiveInt('numLayers').default(2).describe('GRU layers of the encoder and of the decoder.'),
    dropout: fractionBelowOne('dropout')
      .default(0.1)
      .describe('Dropout between GRU layers.'),
    lr: positiveNumber('learning rate').default(0.005).describe('Learning rate of Adam.'),
    epochs: positiveInt('epochs').default(300).describe('Epochs to train.'),
    batchSize: positiveInt('batchSize').default(64).describe('Sentence pairs per minibatch.'),
    clip: positiveNumber('clip').default(1).describe('Gradient clipping threshold θ on the global norm.'),
    seed: nonNegativeInt('seed').default(0).describe('Seed of the initial weights, the shuffling and dropout.'),
    validFraction: fractionBelowOne('The held-out fraction')
      .default(0)
      .describe('Fraction of the pairs held out for BLEU after training and every evalEvery epochs (0 = none, as the book).'),
    evalEvery: nonNegativeInt('evalEvery').default(0).describe('Held-out BLEU every this many epochs (0 = only at the end).'),
    evalLimit: positiveInt('evalLimit').default(200).describe('At most this many held-out pairs are translated per evaluation.'),
    checkpointEvery: nonNegativeInt('checkpointEvery').default(50).describe('Save a checkpoint every N epochs and at the end (0 = only at the end).'),
    bucketing: z
      .boolean({ error: 'bucketing must be true or false.' })
      .default(false)
      .describe('Length bucketing: batches of pairs with similar target lengths, each cut to its longest target (less padded work, same loss: still the mean over num_steps). false = the textbook\'s fixed num_steps.'),
    dataDirectory: z.string().optional().describe('Folder holding the data sets (else SEQLAB_DATA_DIR, the bundled copy, the cache).'),
  })
  .strict();
export type MtConfig = z.infer<typeof MtConfigSchema>;

/** The book's settings, every key filled. */
export const MT_DEFAULTS: MtConfig = MtConfigSchema.parse({});

/** Fills defaults (and a preset) and checks every value; throws one sentence per bad value. */
export function resolveMtConfig(raw: Record<string, unknown>): MtConfig {
  const { preset: presetName = 'textbook', ...rest } = raw;
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const unknown = Object.keys(given).filter((k) => !(k in MtConfigSchema.shape));
  if (unknown.length) throw new SeqlabError(`Unknown translation setting "${unknown[0]}".`);
  if (given.job !== undefined && given.job !== MT_JOB) throw new SeqlabError(`This is a translation run (job "${MT_JOB}"), not "${String(given.job)}".`);
  const preset = MT_PRESETS[presetName as MtPresetName];
  if (!preset) throw new SeqlabError(`Unknown translation preset "${String(presetName)}"; use ${Object.keys(MT_PRESETS).join(', ')}.`);
  const r = MtConfigSchema.safeParse({ ...preset.config, ...given });
  if (!r.success) throw new SeqlabError(formatConfigIssue('The translation config', r.error));
  return r.data;
}
