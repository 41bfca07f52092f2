/**
 * d2l's train_seq2seq: teacher forcing (the decoder reads `<bos>` followed by the target
 * without its last token), the masked softmax cross-entropy, gradient clipping θ = 1, Adam.
 * The trainer runs one epoch at a time so the shared run machinery (./mt-job.ts) or a plain
 * loop (`trainSeq2seq`) can drive it.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/random';
import { SeqlabError } from '../util/errors';
import type { EpochMetrics } from '../../protocol/training';
import { corpusBleu, type CorpusBleu } from '../metrics/bleu';
import { gradClipping } from '../training/grad-clipping';
import { kernelLabel } from '../kernels/select';
import { keptRows, maskedDenseCrossEntropy } from '../kernels/masked-xent';
import { maskedSoftmaxCELoss } from './loss';
import { gruImpl } from './gru';
import { Seq2Seq } from './seq2seq/model';
import { Seq2SeqFusedStep } from './seq2seq/fused-step';
import type { MtConfig } from './mt-config';
import { BOS, loadDataNmt, nmtBatches, splitPairs, type NmtData } from './nmt-data';
import type { TranslatorModel } from './encoder-decoder';
import { translatorArchitecture } from './registry';
import type { Seq2SeqConfig } from './seq2seq/model';
import { Translator } from './translator';
import { epochEvaluation } from './evaluation';

export interface MtEpochMetrics extends EpochMetrics {
  extra: {
    /** mean cross-entropy per target token (padding excluded) */
    tokenLoss: number;
    /** corpus BLEU (k = 2) on the held-out pairs, when evaluated this epoch */
    bleu: number | null;
    /** loss on the held-out pairs and the textbook sentences' mean BLEU (./evaluation.ts) */
    valLoss?: number | null;
    bleuTextbook?: number | null;
  };
}

export interface BatchHooks {
  /** awaited after every batch (the run machinery's pause/stop point) */
  between?: () => Promise<void>;
  progress?: (batch: number, batches: number, loss: number) => void;
}

/**
 * How a training step computes, fastest first:
 * - 'fused-step': the plain seq2seq's whole step on the kernels (./seq2seq/fused-step.ts);
 * - 'fused-loss': the model's tfjs forward up to its top layer, then the output layer and the
 *   masked loss as one kernel op (../kernels/masked-xent.ts), tfjs's Adam (any architecture);
 * - 'per-op': the book's composition in tfjs ops (logits, MaskedSoftmaxCELoss), the reference.
 * The default is the fastest the model takes; SEQLAB_MT_ENGINE or setMtEngine picks one, and
 * the run info (computation()) says which ran and why it is not the one asked for.
 */
export type MtEngine = 'fused-step' | 'fused-loss' | 'per-op';
export const MT_ENGINES: readonly MtEngine[] = ['fused-step', 'fused-loss', 'per-op'];

function engineFromEnv(): MtEngine | null {
  const e = process.env.SEQLAB_MT_ENGINE;
  if (!e) return null;
  if (!(MT_ENGINES as readonly string[]).includes(e)) throw new SeqlabError(`SEQLAB_MT_ENGINE must be one of ${MT_ENGINES.join(', ')}, got "${e}".`);
  return e as MtEngine;
}
let engineChoice: MtEngine | null = engineFromEnv();

/** Picks the training computation of translators trained from now on (null: the fastest available). */
export function setMtEngine(e: MtEngine | null): void {
  engineChoice = e;
}

/** Said in the run info: the masks of dropout come from Seqlab's own generator. */
export const DROPOUT_NOTE = "dropout masks from Seqlab's counter-based generator (not tf.dropout's; fused and per-op paths draw the same)";

/** The engine a model trains with, and why it is not the one asked for (null when it is). */
export function mtEngineFor(model: TranslatorModel): { engine: MtEngine; why: string | null } {
  const fusedStepOk = model instanceof Seq2Seq && model.config.variant !== 'pytorch' && gruImpl() === 'fused';
  const want = engineChoice ?? (fusedStepOk ? 'fused-step' : 'fused-loss');
  if (want === 'fused-step' && !fusedStepOk) {
    const why = !(model instanceof Seq2Seq) ? `the fused step is the plain seq2seq's; ${model.name} trains with the fused loss` : model.config.variant === 'pytorch' ? "the fused step takes d2l's GRU, not an imported PyTorch GRU" : 'the GRU layers are set to per-step tf ops (SEQLAB_MT_GRU=tfops)';
    return { engine: 'fused-loss', why };
  }
  return { engine: want, why: null };
}

export function seq2seqConfigOf(c: MtConfig, data: Pick<NmtData, 'srcVocab' | 'tgtVocab'>): Seq2SeqConfig {
  return { srcVocabSize: data.srcVocab.size, tgtVocabSize: data.tgtVocab.size, embedSize: c.embedSize, numHiddens: c.numHiddens, numLayers: c.numLayers, dropout: c.dropout };
}

export class Seq2SeqTrainer {
  readonly model: TranslatorModel;
  readonly optimizer: tf.AdamOptimizer;
  readonly trainRows: number[];
  readonly validRows: number[];
  readonly engine: MtEngine;
  private readonly engineWhy: string | null;
  private fused: Seq2SeqFusedStep | null = null;

  constructor(
    readonly config: MtConfig,
    readonly data: NmtData,
    model?: TranslatorModel,
  ) {
    this.model = model ?? translatorArchitecture(config.model).create(seq2seqConfigOf(config, data), config.seed);
    // PyTorch's Adam defaults (β 0.9/0.999, ε 1e-8); tfjs would otherwise use ε 1e-7.
    this.optimizer = tf.train.adam(config.lr, 0.9, 0.999, 1e-8);
    const split = splitPairs(data.source.length, config.validFraction, config.seed);
    this.trainRows = split.train;
    this.validRows = split.valid;
    ({ engine: this.engine, why: this.engineWhy } = mtEngineFor(this.model));
  }

  /** How this trainer's steps compute, for the run info. */
  computation(): string {
    const what =
      this.engine === 'fused-step'
        ? `fused training step on the ${kernelLabel()} kernel (embeddings, GRU stacks, output layer with the masked loss, clipping and Adam)`
        : this.engine === 'fused-loss'
          ? `GRU layers on the ${gruImpl() === 'fused' ? 'fused kernel' : 'per-step tf ops'}, output layer with the masked loss as one kernel op`
          : `per-op tfjs reference (GRU layers on the ${gruImpl() === 'fused' ? 'fused kernel' : 'per-step tf ops'})`;
    return `${this.model.name}: ${what}${this.engineWhy ? ` (${this.engineWhy})` : ''}${this.model.computation ? `; ${this.model.computation()}` : ''}; ${DROPOUT_NOTE}`;
  }

  /** Builds the data and a trainer from the raw pairs text. */
  static fromText(config: MtConfig, text: string): Seq2SeqTrainer {
    return new Seq2SeqTrainer(config, loadDataNmt(text, { numExamples: config.numExamples ?? undefined, numSteps: config.numSteps, minFreq: config.minFreq }));
  }

  translator(): Translator {
    return new Translator(this.model, this.data.srcVocab, this.data.tgtVocab, this.config.numSteps);
  }

  /**
   * One epoch (1-based). Each epoch's shuffle and dropout masks come from a generator seeded by
   * (seed, epoch), so a resumed run continues exactly as an uninterrupted one would.
   */
  async trainEpoch(epoch: number, hooks: BatchHooks = {}): Promise<MtEpochMetrics> {
    const rng = new Rng((this.config.seed * 1_000_003 + epoch * 7919) >>> 0);
    const ctx = { training: true, nextSeed: () => rng.seed() };
    const bos = this.data.tgtVocab.indexOf(BOS);
    const vars = this.model.variables();
    const T = this.config.numSteps;
    const batches = Math.ceil(this.trainRows.length / this.config.batchSize);
    let lossSum = 0;
    let ceSum = 0;
    let tokens = 0;
    let gradNormSum = 0;
    let b = 0;
    const start = performance.now();
    const fused = this.engine === 'fused-step' ? (this.fused ??= new Seq2SeqFusedStep(this.model as Seq2Seq, { lr: this.config.lr, clip: this.config.clip })) : null;
    // the parameters and Adam's state move in for the epoch and back out after it (finally)
    fused?.syncIn(this.optimizer);
    try {
      for (const batch of nmtBatches(this.data.src, this.data.tgt, this.trainRows, this.config.batchSize, rng, { bucketing: this.config.bucketing })) {
        const B = batch.X.length;
        // the batch's own target width: num_steps, or its longest target with bucketing
        const Tt = batch.Y[0].length;
        const numTokens = batch.YValidLen.reduce((a, v) => a + v, 0);
        const { loss, norm } = fused ? fused.step(batch, bos, T, true, ctx.nextSeed) : tf.tidy(() => {
          const X = tf.tensor2d(batch.X, [B, T], 'int32');
          const Y = tf.tensor2d(batch.Y, [B, Tt], 'int32');
          // Teacher forcing: <bos> then the target shifted right by one.
          const decInput = tf.concat([tf.fill([B, 1], bos, 'int32'), Y.slice([0, 0], [B, Tt - 1])], 1) as tf.Tensor2D;
          const { value, grads } = tf.variableGrads(() => {
            // The source lengths without padding: the attention decoder masks the rest (d2l's enc_valid_lens).
            if (this.engine === 'per-op') {
              const { output } = this.model.forward(X, decInput, ctx, batch.XValidLen);
              const l = maskedSoftmaxCELoss(output, Y, batch.YValidLen).sum() as tf.Scalar;
              // d2l's loss is the mean over num_steps: a narrower bucketed batch still divides by T
              return (Tt === T ? l : l.mul(Tt / T)) as tf.Scalar;
            }
            const { hidden } = this.model.forwardHidden(X, decInput, ctx, batch.XValidLen);
            const { w, b } = this.model.outputLayer();
            const H = hidden.shape[2]; // the loss divides by num_steps T, whatever the batch's width Tt
            return maskedDenseCrossEntropy(hidden.reshape([B * Tt, H]) as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, keptRows(batch.Y, batch.YValidLen, Tt, 'batch-major'), 1 / T);
          }, vars);
          const clipped = gradClipping(grads, this.config.clip);
          this.optimizer.applyGradients(clipped.grads as Record<string, tf.Variable>);
          return { loss: value.dataSync()[0], norm: clipped.norm };
        });
        if (!Number.isFinite(loss)) throw new SeqlabError(`The loss became ${loss} in epoch ${epoch}; lower the learning rate.`, 'diverged');
        lossSum += loss;
        // The book's loss averages over all T steps per sequence; T·loss/tokens is CE per real token.
        ceSum += loss * T;
        tokens += numTokens;
        gradNormSum += norm;
        b++;
        hooks.progress?.(b, batches, loss / Math.max(1, numTokens));
        await hooks.between?.();
      }
    } finally {
      await fused?.syncOut(tf, this.optimizer);
    }
    const elapsedMs = performance.now() - start;
    const tokenLoss = ceSum / Math.max(1, tokens);
    const evalNow = this.validRows.length > 0 && ((this.config.evalEvery > 0 && epoch % this.config.evalEvery === 0) || epoch === this.config.epochs);
    return {
      epoch,
      // d2l prints metric[0] / metric[1]: Σ per-sequence losses over Σ target tokens.
      loss: lossSum / Math.max(1, tokens),
      perplexity: Math.exp(tokenLoss),
      valPerplexity: null,
      tokensPerSecond: tokens / (elapsedMs / 1000),
      elapsedMs,
      gradNorm: gradNormSum / Math.max(1, b),
      extra: { tokenLoss, bleu: evalNow ? this.evaluate().corpus : null, ...epochEvaluation(this) },
    };
  }

  /** Greedy translations of held-out pairs (or the given rows), scored with BLEU (k = 2). */
  evaluate(rows: readonly number[] = this.validRows, k = 2): CorpusBleu & { pairs: { source: string; label: string; pred: string }[] } {
    const use = rows.slice(0, this.config.evalLimit);
    if (use.length === 0) throw new SeqlabError('There are no held-out pairs to evaluate; set a held-out fraction above 0.');
    const tr = this.translator();
    const pairs = use.map((r) => {
      const source = this.data.source[r].join(' ');
      const label = this.data.target[r].join(' ');
      let pred = '';
      try {
        pred = tr.translate(source).translations[0].text;
      } catch (err) {
        // A held-out sentence made only of words unseen in training translates to nothing.
        if (!(err instanceof SeqlabError && err.code === 'all-unknown')) throw err;
      }
      return { source, label, pred };
    });
    return { ...corpusBleu(pairs.map((p) => p.pred), pairs.map((p) => p.label), k), pairs };
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

export interface TrainSeq2seqOptions {
  /** first epoch to run (1-based; > 1 when continuing) */
  fromEpoch?: number;
  onEpoch?: (m: MtEpochMetrics) => void;
  signal?: AbortSignal;
}

/**
 * The plain loop: epochs fromEpoch…config.epochs, a callback per epoch, stops between batches
 * when the signal aborts. Returns the history of finished epochs.
 */
export async function trainSeq2seq(trainer: Seq2SeqTrainer, opts: TrainSeq2seqOptions = {}): Promise<MtEpochMetrics[]> {
  const history: MtEpochMetrics[] = [];
  const between = async () => {
    await new Promise<void>((r) => setImmediate(r));
    if (opts.signal?.aborted) throw new SeqlabError('Training was stopped.', 'stopped');
  };
  for (let epoch = opts.fromEpoch ?? 1; epoch <= trainer.config.epochs; epoch++) {
    try {
      const m = await trainer.trainEpoch(epoch, { between });
      history.push(m);
      opts.onEpoch?.(m);
    } catch (err) {
      if (err instanceof SeqlabError && err.code === 'stopped') break;
      throw err;
    }
  }
  return history;
}
