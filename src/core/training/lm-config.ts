/**
 * A language-model run's config: data, model and training hyper-parameters, with the
 * textbook's defaults (8.5: batch 32, 35 steps, 256 hidden, lr 1, clipping θ = 1). The config is
 * stored in checkpoints and carries `split` and `token` so the UI can compute the n-gram
 * baseline of the same data (src/core/ngram uses the same splitCorpus).
 */
import { z } from 'zod';
import { SeqlabError } from '../util/errors';
import { assertFitsInMemory, assertWithinLimit } from '../util/limits';

export const TruncationSchema = z.enum(['full', 'fixed', 'random']);
export type Truncation = z.infer<typeof TruncationSchema>;

export const LMConfigSchema = z.object({
  job: z.literal('lm').default('lm'),
  // ---- data
  /** `timemachine`, `fra-eng`, `fra-eng:fr` or a text file's path. */
  corpus: z.string().min(1).default('timemachine'),
  token: z.enum(['char', 'word', 'bpe']).default('char'),
  mode: z.enum(['textbook', 'raw']).default('textbook'),
  minFreq: z.number().int().min(0).default(0),
  bpeMerges: z.number().int().min(0).default(500),
  /** Use only the first N tokens of the corpus (0 = all); small slices for quick runs and tests. */
  maxTokens: z.number().int().min(0).default(0),
  /** Fraction of tokens for training; the rest is the validation split (1 = no validation). */
  split: z.number().gt(0).max(1).default(0.9),
  /** Folder with the data sets (else the usual search: SEQLAB_DATA_DIR, bundled copy, cache). */
  dataDir: z.string().optional(),
  // ---- model
  model: z.enum(['rnn', 'gru', 'lstm']).default('gru'),
  /** 'fused' = the fused kernel (fastest), 'scratch' = the readable cells, 'layers' = tf.layers. */
  impl: z.enum(['scratch', 'fused', 'layers']).default('fused'),
  layers: z.number().default(1),
  bidirectional: z.boolean().default(false),
  hidden: z.number().default(256),
  /** 0 = one-hot inputs (the textbook's); > 0 = learned embedding of this size. */
  embedding: z.number().default(0),
  // ---- training
  batch: z.number().default(32),
  steps: z.number().default(35),
  lr: z.number().default(1),
  epochs: z.number().default(10),
  partition: z.enum(['sequential', 'random']).default('sequential'),
  optimizer: z.enum(['sgd', 'adam']).default('sgd'),
  /** Clipping threshold θ on the global gradient norm; 0 = no clipping. */
  clip: z.number().default(1),
  /** BPTT (8.7): full window, fixed truncation every `truncK` steps, or randomised truncation. */
  truncation: TruncationSchema.default('full'),
  truncK: z.number().default(10),
  seed: z.number().int().default(0),
  // ---- reporting
  samplePrefix: z.string().default('time traveller'),
  sampleLength: z.number().int().min(0).default(50),
  /** Save a checkpoint every N epochs (and at the end); 0 = only at the end. */
  checkpointEvery: z.number().int().min(0).default(1),
});
export type LMConfig = z.infer<typeof LMConfigSchema>;
export type LMConfigInput = z.input<typeof LMConfigSchema>;

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v <= 0) throw new SeqlabError(`${what} must be a positive whole number, got ${v}.`);
}

/** Applies defaults and checks every value, with one clear sentence for the first bad one. */
export function parseLMConfig(raw: unknown): LMConfig {
  const r = LMConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new SeqlabError(`The training config is invalid: ${i.path.join('.') || 'config'}: ${i.message}.`);
  }
  const c = r.data;
  positiveInt(c.hidden, 'The number of hidden units');
  positiveInt(c.layers, 'The number of layers');
  positiveInt(c.batch, 'The batch size');
  positiveInt(c.steps, 'The number of time steps');
  if (!Number.isInteger(c.epochs) || c.epochs < 0) throw new SeqlabError(`The number of epochs must be a whole number ≥ 0, got ${c.epochs}.`);
  if (!Number.isInteger(c.embedding) || c.embedding < 0) throw new SeqlabError(`The embedding size must be 0 (one-hot) or a positive whole number, got ${c.embedding}.`);
  if (!(Number.isFinite(c.lr) && c.lr > 0)) throw new SeqlabError(`The learning rate must be a positive number, got ${c.lr}.`);
  if (!(Number.isFinite(c.clip) && c.clip >= 0)) throw new SeqlabError(`The clipping threshold must be ≥ 0 (0 = off), got ${c.clip}.`);
  positiveInt(c.truncK, 'The truncation length');
  assertWithinLimit('hidden', c.hidden);
  assertWithinLimit('layers', c.layers);
  assertWithinLimit('batch', c.batch);
  assertWithinLimit('steps', c.steps);
  assertWithinLimit('epochs', c.epochs);
  assertWithinLimit('embedding', c.embedding);
  assertWithinLimit('truncK', c.truncK);
  assertWithinLimit('sampleLength', c.sampleLength);
  assertWithinLimit('checkpointEvery', c.checkpointEvery);
  assertWithinLimit('bpeMerges', c.bpeMerges);
  assertWithinLimit('maxTokens', c.maxTokens);
  if (c.truncation !== 'full' && c.impl === 'layers') throw new SeqlabError('Truncated BPTT needs --impl scratch or fused; the layers implementation trains with full BPTT.');
  return c;
}

/** Gate blocks per cell: the recurrent weights are this many H×H (and input×H) matrices. */
const GATES = { rnn: 1, gru: 3, lstm: 4 } as const;

/**
 * Bytes a language model of this config takes while training, estimated from its shapes:
 * weights, gradients and two optimizer moments (4 copies of the parameters), plus the
 * activations BPTT keeps for one batch (every gate of every step of every layer, and the
 * output layer's logits). Checked before anything is allocated, so a typo like --hidden 1e9
 * is one sentence instead of a RangeError.
 */
export function estimateLMBytes(c: Pick<LMConfig, 'model' | 'hidden' | 'layers' | 'bidirectional' | 'embedding' | 'batch' | 'steps'>, vocabSize: number): number {
  const g = GATES[c.model];
  const dirs = c.bidirectional ? 2 : 1;
  const H = c.hidden;
  const input0 = c.embedding > 0 ? c.embedding : vocabSize;
  let params = c.embedding > 0 ? vocabSize * c.embedding : 0;
  for (let l = 0; l < c.layers; l++) {
    const input = l === 0 ? input0 : H * dirs;
    params += dirs * g * (input * H + H * H + H);
  }
  params += H * dirs * vocabSize + vocabSize;
  const activations = c.batch * c.steps * (c.layers * dirs * (g + 2) * H + 2 * vocabSize);
  return 4 * (4 * params + activations);
}

/** Refuses a config whose model would not fit in memory (see estimateLMBytes). */
export function assertLMFits(c: LMConfig, vocabSize: number): void {
  assertFitsInMemory(estimateLMBytes(c, vocabSize), `A ${c.model.toUpperCase()} with ${c.layers} layer(s) of ${c.hidden.toLocaleString('en-US')} hidden units, batch ${c.batch} × ${c.steps} steps and ${vocabSize.toLocaleString('en-US')} tokens`);
}
