/**
 * d2l's train_ch8 / train_epoch_ch8: softmax cross-entropy over all steps, SGD (or Adam) with
 * gradient clipping by global norm, the state carried across batches (and thereby detached:
 * every step records its own tape) for sequential partitioning and re-initialised for random
 * partitioning; perplexity = exp(mean cross-entropy). Adds a held-out perplexity on the
 * validation split, tokens/second, and truncated BPTT (8.7).
 */
import * as tf from '@tensorflow/tfjs';
import { seqDataIter, type SeqBatch } from '../data/batches';
import { SeqlabError } from '../util/errors';
import { Rng } from '../util/random';
import { predictIds, type SampleOptions } from '../models/predict';
import { disposeState, RecurrentLM, type LMState, type ModelConfig } from '../models/rnn-lm';
import { chooseStrategy, type StrategyChoice } from '../models/recurrent/strategy';
import { fusedCrossEntropy } from '../kernels/xent-op';
import type { RecurrentKernel } from '../kernels/types';
import { gradClipping } from './grad-clipping';
import { loadOptimizerState, saveOptimizerState } from './optimizer-state';
import { assertLMFits, type LMConfig } from './lm-config';
import type { LMData } from './lm-data';
import type { EpochMetrics, GenerateResult } from '../../protocol/training';
import { divergedError, lossDiverged, type JobContext } from './run';

/** trainStep's signal that its loss diverged; trainEpoch turns it into the sentence with epoch and step. */
class StepDiverged extends Error {}

/** The model a config describes; refuses one that would not fit in memory before it is built. */
export function modelConfigOf(c: LMConfig, vocabSize: number): ModelConfig {
  assertLMFits(c, vocabSize);
  return { kind: c.model, impl: c.impl, vocabSize, hidden: c.hidden, layers: c.layers, bidirectional: c.bidirectional, embedding: c.embedding, seed: c.seed, init: c.init, ...(c.model === 'gru' && c.variant === 'pytorch' ? { variant: c.variant } : {}) };
}

/** Mean softmax cross-entropy of logits [N, V] against labels [N] (one op on the wasm and cpu backends: ../kernels/xent-op.ts). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, kernel?: RecurrentKernel): tf.Scalar {
  const backend = tf.getBackend();
  if (backend === 'wasm' || backend === 'cpu') return fusedCrossEntropy(logits, labels, { kernel });
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

/**
 * Gradient multipliers on the state entering each step of a window (see RecurrentLM.forward):
 * fixed truncation cuts every k steps; randomised truncation (d2l 8.7.1.2) keeps a step's
 * gradient with probability π = 1 − 1/k, scaled by 1/π so its expectation is the full gradient.
 */
export function truncationScales(mode: LMConfig['truncation'], k: number, steps: number, rng: Rng): number[] | undefined {
  if (mode === 'full') return undefined;
  if (mode === 'fixed') return Array.from({ length: steps }, (_, t) => (t > 0 && t % k === 0 ? 0 : 1));
  const pi = 1 - 1 / k;
  return Array.from({ length: steps }, (_, t) => (t === 0 ? 1 : pi > 0 && rng.next() < pi ? 1 / pi : 0));
}

/** A per-epoch generator: epoch e draws the same batches on every run (and after resume). */
export function epochRng(seed: number, epoch: number, stream = 0): Rng {
  return new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0);
}

/** Batch rows → time-major int32 [T, B] inputs and flat labels in the logits' order. */
function toTensors(b: SeqBatch): { X: tf.Tensor2D; Y: tf.Tensor1D } {
  const B = b.X.length;
  const T = b.X[0].length;
  const x = new Int32Array(T * B);
  const y = new Int32Array(T * B);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      x[t * B + r] = b.X[r][t];
      y[t * B + r] = b.Y[r][t];
    }
  }
  return { X: tf.tensor2d(x, [T, B], 'int32'), Y: tf.tensor1d(y, 'int32') };
}

export function checkCorpusFits(what: string, length: number, batch: number, steps: number): void {
  if ((length - steps) / steps < batch) {
    throw new SeqlabError(`The ${what} of ${length} tokens is too short for a batch of ${batch} sequences of ${steps} steps; use fewer steps, a smaller batch or more text.`);
  }
}

export class LMTrainer {
  readonly model: RecurrentLM;
  readonly optimizer: tf.Optimizer;
  /** How training steps compute (the configured impl unless the truncation needs another; said in the run info). */
  readonly strategy: StrategyChoice;
  private readonly vars: tf.Variable[];
  /** The last step's phases in ms (bench/profile-word-lm.ts). */
  lastTiming?: Record<string, number>;

  constructor(
    readonly config: LMConfig,
    readonly data: LMData,
    model?: RecurrentLM,
  ) {
    checkCorpusFits('training split', data.train.length, config.batch, config.steps);
    this.model = model ?? new RecurrentLM(modelConfigOf(config, data.codec.vocab.size));
    this.optimizer = config.optimizer === 'adam' ? tf.train.adam(config.lr) : tf.train.sgd(config.lr);
    this.vars = this.model.variables();
    this.strategy = chooseStrategy(config.impl, { scaling: config.truncation === 'random' ? 'reweighted' : config.truncation === 'fixed' ? 'cuts' : 'none' });
  }

  /**
   * One minibatch: forward, loss, backward, clip, update. Takes ownership of `state` (disposed)
   * and returns the new state (kept) to carry into the next batch.
   */
  trainStep(batch: SeqBatch, state: LMState, gradScales?: number[]): { loss: number; norm: number; state: LMState } {
    const t0 = performance.now();
    const { X, Y } = toTensors(batch);
    let next: LMState | undefined;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const out = this.model.forwardLoss(X, Y, state, crossEntropy, { gradScales, impl: this.strategy.strategy });
        next = this.model.detachState(out.state);
        return out.loss;
      }, this.vars);
      const t1 = performance.now();
      const loss = value.dataSync()[0];
      value.dispose();
      const clipped = gradClipping(grads, this.config.clip);
      const t2 = performance.now();
      if (lossDiverged(loss) || !Number.isFinite(clipped.norm)) {
        // Not applied: the weights stay as the last finite step left them.
        tf.dispose(Object.values(clipped.grads));
        throw new StepDiverged();
      }
      this.optimizer.applyGradients(clipped.grads);
      tf.dispose(Object.values(clipped.grads));
      this.lastTiming = { 'forward+backward (variableGrads)': t1 - t0, 'loss read + clipping': t2 - t1, 'optimizer update': performance.now() - t2 };
      return { loss, norm: clipped.norm, state: next! };
    } catch (err) {
      if (next) disposeState(next);
      throw err;
    } finally {
      tf.dispose([X, Y]);
      disposeState(state);
    }
  }

  /** The batches of an epoch (d2l's data iterator with this epoch's random offset). */
  epochBatches(epoch: number): SeqBatch[] {
    return [...seqDataIter(this.config.partition, this.data.train, this.config.batch, this.config.steps, epochRng(this.config.seed, epoch))];
  }

  async trainEpoch(epoch: number, ctx?: JobContext): Promise<EpochMetrics> {
    const { batch: B, steps: T, partition } = this.config;
    const batches = this.epochBatches(epoch);
    const truncRng = epochRng(this.config.seed, epoch, 1);
    let state: LMState | null = null;
    let lossSum = 0;
    let normSum = 0;
    let trainMs = 0;
    let lastProgress = 0;
    try {
      for (let i = 0; i < batches.length; i++) {
        const t0 = performance.now();
        // d2l: a fresh state at the start of the epoch and before every random-partition batch.
        if (state === null || partition === 'random') {
          if (state) disposeState(state);
          state = this.model.beginState(B);
        }
        let r: ReturnType<LMTrainer['trainStep']>;
        try {
          r = this.trainStep(batches[i], state, truncationScales(this.config.truncation, this.config.truncK, T, truncRng));
        } catch (err) {
          state = null; // trainStep disposed it
          if (err instanceof StepDiverged) throw divergedError(epoch, i + 1);
          throw err;
        }
        state = r.state;
        lossSum += r.loss;
        normSum += r.norm;
        const now = performance.now();
        trainMs += now - t0;
        if (ctx) {
          if (now - lastProgress > 200 || i === batches.length - 1) {
            ctx.progress(i + 1, batches.length, r.loss);
            lastProgress = now;
          }
          await ctx.between();
        }
      }
    } finally {
      if (state) disposeState(state);
    }
    const loss = lossSum / batches.length;
    return {
      epoch,
      loss,
      perplexity: Math.exp(loss),
      valPerplexity: this.evaluate(this.data.valid),
      tokensPerSecond: (batches.length * B * T) / (trainMs / 1000),
      elapsedMs: trainMs,
      gradNorm: normSum / batches.length,
    };
  }

  /**
   * Perplexity on held-out ids: the ids cut into up to `batch` contiguous rows, read `steps` at a
   * time with the state carried, every token predicted once. Null when there are fewer than 2 ids.
   */
  evaluate(ids: readonly number[]): number | null {
    const n = ids.length - 1;
    if (n < 1) return null;
    const { steps } = this.config;
    const B = Math.max(1, Math.min(this.config.batch, Math.floor(n / steps)));
    const L = Math.floor(n / B);
    let state = this.model.beginState(B);
    let total = 0;
    let count = 0;
    try {
      for (let s = 0; s < L; s += steps) {
        const len = Math.min(steps, L - s);
        const X = Array.from({ length: B }, (_, r) => ids.slice(r * L + s, r * L + s + len));
        const Y = Array.from({ length: B }, (_, r) => ids.slice(r * L + s + 1, r * L + s + 1 + len));
        let next: LMState | undefined;
        const loss = tf.tidy(() => {
          const t = toTensors({ X: X as number[][], Y: Y as number[][] });
          const out = this.model.forwardLoss(t.X, t.Y, state, crossEntropy);
          next = this.model.detachState(out.state);
          return out.loss;
        });
        disposeState(state);
        state = next!;
        total += loss.dataSync()[0] * len * B;
        count += len * B;
        loss.dispose();
      }
    } finally {
      disposeState(state);
    }
    return Math.exp(total / count);
  }

  /** d2l's predict_ch8 on text: the prefix followed by `length` predicted tokens. */
  generate(prefix: string, length: number, opts: SampleOptions = {}): GenerateResult {
    const codec = this.data.codec;
    const ids = codec.encode(prefix);
    if (ids.length === 0) throw new SeqlabError('The prefix has no tokens; type at least one character.');
    const out = predictIds(this.model, ids, length, opts);
    return { prefix, text: codec.decode(out), tokens: codec.vocab.toTokens(out) };
  }

  /** Writes the optimizer's state into a checkpoint folder (see ./optimizer-state.ts). */
  saveOptimizerState(dir: string): void {
    saveOptimizerState(dir, this.optimizer, this.vars);
  }

  /** Restores state written by saveOptimizerState (same model shape), when the folder has any. */
  async loadOptimizerState(dir: string): Promise<void> {
    await loadOptimizerState(dir, this.optimizer, this.vars);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
