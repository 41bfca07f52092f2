/**
 * The language-model job for the generic run machinery (./run.ts), and reading a language
 * model back from a checkpoint (for `seqlab generate` and the Gate Heatmap).
 *
 * Files it adds to a checkpoint: config.json (the LMConfig and the model's shape), vocab.json,
 * tokenizer.json (BPE only), weights.json + weights.bin (packed layout, any implementation).
 * optimizer.json + optimizer.bin (Adam's step count and moments; SGD has no state).
 */
import * as tf from '@tensorflow/tfjs';
import { selectKernelPath } from '../kernels';
import { BpeTokenizer } from '../text/bpe';
import { Vocab } from '../text/vocab';
import { SeqlabError } from '../util/errors';
import { recordActivations } from '../models/activations';
import { RecurrentLM, type Impl } from '../models/rnn-lm';
import { describeStrategy } from '../models/recurrent/strategy';
import { loadTensors, readCheckpoint, readCheckpointJson, saveTensors, writeJson, type LoadedCheckpoint } from './checkpoint';
import { parseLMConfig, type LMConfig } from './lm-config';
import { loadLMData, TextCodec, type LMData } from './lm-data';
import { LMTrainer, modelConfigOf } from './lm-trainer';
import type { ActivationsRequest, ActivationsResult, EpochMetrics, GenerateRequest, GenerateResult } from '../../protocol/training';
import { registerJob, type Job, type JobContext, type JobFactory } from './run';

export const LM_JOB = 'lm';

export class LMJob implements Job {
  readonly kind = LM_JOB;
  epochs: number;
  readonly checkpointEvery: number;

  constructor(readonly trainer: LMTrainer) {
    this.epochs = trainer.config.epochs;
    this.checkpointEvery = trainer.config.checkpointEvery;
  }

  get config(): LMConfig {
    return this.trainer.config;
  }

  trainEpoch(epoch: number, ctx: JobContext): Promise<EpochMetrics> {
    return this.trainer.trainEpoch(epoch, ctx);
  }

  computation(): string {
    return describeStrategy(this.trainer.strategy);
  }

  sample(): { prefix: string; text: string; lead: number } | undefined {
    const { samplePrefix, sampleLength } = this.config;
    if (!samplePrefix || sampleLength === 0) return undefined;
    const r = this.trainer.generate(samplePrefix, sampleLength);
    // the text starts with the prefix as the model reads it (lower-cased, …): marks where generation begins
    const codec = this.trainer.data.codec;
    const head = codec.decode(codec.encode(samplePrefix));
    return { prefix: r.prefix, text: r.text, lead: r.text.startsWith(head) ? head.length : 0 };
  }

  save(dir: string): void {
    saveLMFiles(dir, this.trainer.config, this.trainer.data.codec, this.trainer.model, this.computation());
    this.trainer.saveOptimizerState(dir);
  }

  generate(req: GenerateRequest): GenerateResult {
    return this.trainer.generate(req.prefix, req.length, { temperature: req.temperature, topK: req.topK, seed: req.seed });
  }

  activations(req: ActivationsRequest): ActivationsResult {
    return lmActivations(this.trainer.model, this.trainer.data.codec, req.text);
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

export function lmActivations(model: RecurrentLM, codec: TextCodec, text: string): ActivationsResult {
  const ids = codec.encode(text);
  if (ids.length === 0) throw new SeqlabError('The text has no tokens to record.');
  return recordActivations(model, ids, codec.vocab.toTokens(ids));
}

/** `computation`: how the run trained (recorded for the reader; loading does not depend on it). */
export function saveLMFiles(dir: string, config: LMConfig, codec: TextCodec, model: RecurrentLM, computation?: string): void {
  writeJson(dir, 'config.json', { config, model: model.config, ...(computation ? { computation } : {}) });
  writeJson(dir, 'vocab.json', codec.vocab.toJSON());
  if (codec.bpe) writeJson(dir, 'tokenizer.json', codec.bpe.toJSON());
  tf.tidy(() => saveTensors(dir, model.namedWeights()));
}

export interface LoadedLM {
  config: LMConfig;
  codec: TextCodec;
  model: RecurrentLM;
  epoch: number;
  history: EpochMetrics[];
}

/** Reads a language model from a checkpoint folder (no corpus needed). `impl` overrides the saved one. */
export function loadLMCheckpoint(root: string, opts: { impl?: Impl } = {}): LoadedLM {
  const ckpt = readCheckpoint(root, LM_JOB);
  return loadLMFrom(ckpt, opts);
}

function loadLMFrom(ckpt: LoadedCheckpoint, opts: { impl?: Impl; epochs?: number }): LoadedLM {
  const saved = readCheckpointJson(ckpt.dir, 'config.json') as { config?: unknown } | null;
  if (!saved || typeof saved !== 'object' || !saved.config) throw new SeqlabError('The checkpoint is corrupted: config.json has no config.', 'checkpoint');
  const raw = { ...(saved.config as Record<string, unknown>) };
  if (opts.impl) raw.impl = opts.impl;
  if (opts.epochs !== undefined) raw.epochs = opts.epochs;
  const config = parseLMConfig(raw);
  const vocab = Vocab.fromJSON(readCheckpointJson(ckpt.dir, 'vocab.json'));
  const bpe = config.token === 'bpe' ? BpeTokenizer.fromJSON(readCheckpointJson(ckpt.dir, 'tokenizer.json')) : null;
  const codec = new TextCodec(vocab, config.token, config.mode, bpe);
  const model = new RecurrentLM(modelConfigOf(config, vocab.size));
  try {
    model.loadWeights(loadTensors(ckpt.dir));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { config, codec, model, epoch: ckpt.epoch, history: ckpt.history };
}

async function prepareKernels(config: LMConfig, ckpt?: LoadedCheckpoint): Promise<void> {
  // The fused op runs on whichever kernel path is fastest here (measured once, remembered); a
  // resumed run asks for its checkpoint's path and is told when it cannot have it.
  if (config.impl === 'fused') await selectKernelPath(ckpt ? { resumePath: ckpt.kernelPath } : {});
}

export const lmJobFactory: JobFactory = {
  kind: LM_JOB,
  async create(raw) {
    const config = parseLMConfig(raw);
    await prepareKernels(config);
    const data = await loadLMData(config);
    return new LMJob(new LMTrainer(config, data));
  },
  async load(ckpt, overrides) {
    const loaded = loadLMFrom(ckpt, { epochs: overrides.epochs });
    try {
      await prepareKernels(loaded.config, ckpt);
      const data: LMData = await loadLMData(loaded.config);
      const rebuilt = data.codec.vocab.idxToToken;
      const saved = loaded.codec.vocab.idxToToken;
      if (rebuilt.length !== saved.length || rebuilt.some((t, i) => t !== saved[i])) {
        throw new SeqlabError(`The corpus ${loaded.config.corpus} no longer gives the checkpoint's vocabulary; resume with the same corpus and tokenizer.`, 'checkpoint');
      }
      const trainer = new LMTrainer(loaded.config, { ...data, codec: loaded.codec }, loaded.model);
      await trainer.loadOptimizerState(ckpt.dir);
      return new LMJob(trainer);
    } catch (err) {
      loaded.model.dispose();
      throw err;
    }
  },
};

registerJob(lmJobFactory);
