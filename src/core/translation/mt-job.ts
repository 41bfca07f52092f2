/**
 * The translation job for the shared run machinery (../training/run.ts): the training process and the
 * CLI start, pause, stop, checkpoint and resume it like a language-model run. Importing this
 * module registers the job kind 'mt'.
 */
import { SeqlabError } from '../util/errors';
import { readTextFile } from '../data/corpus';
import { resolveDataset, type ResolveOptions } from '../data/resolve';
import { selectKernelPath } from '../kernels';
import { registerJob, type Job, type JobContext, type JobFactory } from '../training/run';
import type { LoadedCheckpoint } from '../training/checkpoint';
import type { GenerateRequest, GenerateResult } from '../../protocol/training';
import { MT_JOB, resolveMtConfig, type MtConfig } from './mt-config';
import { loadMtModel, readMtFiles, restoreAdam, saveMtFiles } from './mt-checkpoint';
import { gruImpl } from './gru';
import { loadDataNmt } from './nmt-data';
import { Seq2SeqTrainer, type MtEpochMetrics } from './train';
import { textbookSample } from './evaluation';

/** The raw pairs text: `fra-eng` from the data folders, or a file path. */
export async function readPairsText(pairs: string, opts: ResolveOptions = {}): Promise<string> {
  if (pairs === 'fra-eng') return readTextFile((await resolveDataset('fra-eng', opts)).path);
  if (pairs === 'fra-eng:fr' || pairs === 'timemachine') throw new SeqlabError(`"${pairs}" is not a pairs file; use fra-eng or a path to a tab-separated file.`);
  return readTextFile(pairs);
}

export class MtJob implements Job {
  readonly kind = MT_JOB;
  epochs: number;
  readonly checkpointEvery: number;
  /** the sentence translated after each epoch, for the run's sample line */
  private readonly sampleSource: string | undefined;

  constructor(readonly trainer: Seq2SeqTrainer) {
    this.epochs = trainer.config.epochs;
    this.checkpointEvery = trainer.config.checkpointEvery;
    const first = trainer.trainRows[0];
    this.sampleSource = first === undefined ? undefined : trainer.data.source[first].join(' ');
  }

  trainEpoch(epoch: number, ctx: JobContext): Promise<MtEpochMetrics> {
    return this.trainer.trainEpoch(epoch, { between: () => ctx.between(), progress: (b, n, l) => ctx.progress(b, n, l) });
  }

  computation(): string {
    return this.trainer.computation();
  }

  sample(): { prefix: string; text: string; lead?: number } | undefined {
    const textbook = textbookSample(this.trainer);
    if (textbook) return textbook;
    if (!this.sampleSource) return undefined;
    return { prefix: this.sampleSource, text: this.trainer.translator().translate(this.sampleSource).translations[0].text };
  }

  save(dir: string): void {
    saveMtFiles(dir, { ...this.trainer, config: { ...this.trainer.config, epochs: this.epochs } });
  }

  /** "Generate" for a translator = translate the prefix greedily. */
  generate(req: GenerateRequest): GenerateResult {
    const t = this.trainer.translator().translate(req.prefix).translations[0];
    return { prefix: req.prefix, text: t.text, tokens: t.tokens };
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

/**
 * The seq2seq GRUs run on the fused op, whose kernel path (native, WASM SIMD, TS) is measured
 * once per process; the pure-TS path is several times slower at the larger presets.
 */
export async function prepareMtKernels(ckpt?: LoadedCheckpoint): Promise<void> {
  // a resumed run asks for its checkpoint's path (and is told when it cannot have it)
  if (gruImpl() === 'fused') await selectKernelPath(ckpt ? { resumePath: ckpt.kernelPath } : {});
}

/** Builds a fresh translation job from a config and the pairs text. */
export async function createMtJob(config: MtConfig, text: string): Promise<MtJob> {
  await prepareMtKernels();
  return new MtJob(Seq2SeqTrainer.fromText(config, text));
}

/** Rebuilds a job from a checkpoint folder (weights, vocabularies, Adam state). */
export async function loadMtJob(dir: string, text: string, overrides: { epochs?: number } = {}): Promise<MtJob> {
  await prepareMtKernels();
  const files = readMtFiles(dir);
  const config: MtConfig = { ...files.config, epochs: overrides.epochs ?? files.config.epochs };
  const data = loadDataNmt(text, { numExamples: config.numExamples ?? undefined, numSteps: config.numSteps, minFreq: config.minFreq, vocabs: { src: files.srcVocab, tgt: files.tgtVocab } });
  const trainer = new Seq2SeqTrainer(config, data, loadMtModel(files));
  await restoreAdam(files.dir, trainer.optimizer, trainer.model.variables());
  return new MtJob(trainer);
}

export const mtJobFactory: JobFactory = {
  kind: MT_JOB,
  async create(raw: Record<string, unknown>): Promise<Job> {
    const config = resolveMtConfig(raw);
    return createMtJob(config, await readPairsText(config.pairs, { dataDirectory: config.dataDirectory }));
  },
  async load(ckpt: LoadedCheckpoint, overrides: { epochs?: number }): Promise<Job> {
    const files = readMtFiles(ckpt.dir);
    await prepareMtKernels(ckpt);
    return loadMtJob(ckpt.dir, await readPairsText(files.config.pairs, { dataDirectory: files.config.dataDirectory }), overrides);
  },
};

registerJob(mtJobFactory);
