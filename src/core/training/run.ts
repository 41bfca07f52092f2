/**
 * Generic run machinery: a run = a config + a Job. The Run drives the job epoch by epoch and
 * owns everything that is not model-specific: pause / resume / stop at batch boundaries,
 * checkpoints every N epochs and at the end (atomic, see ./checkpoint.ts), resuming the epoch
 * count and the metrics history, and the typed events of src/protocol/training.ts.
 *
 * How to plug a job in (e.g. seq2seq translation):
 *   1. Implement `Job` (train one epoch, save its files, optionally sample/generate) and a
 *      `JobFactory` with `create(config)` (validate; throw SeqlabError on bad values) and
 *      `load(checkpoint, overrides)` (rebuild from a checkpoint folder written by `save`).
 *   2. `registerJob(factory)` in your module and add one import line to ./jobs.ts so the
 *      training process and the CLI know the kind. Start it with `{type:'start', config: {job: kind, …}}`.
 *   3. Inside `trainEpoch`, call `await ctx.between()` after every batch (it yields to the
 *      event loop so pause/stop messages arrive, waits while paused, and throws RunStopped on
 *      stop — do not catch it), and `ctx.progress(batch, batches, loss)` as often as you like.
 * The history rows the Run stores are the metrics your trainEpoch returns.
 */
import { SeqlabError } from '../util/errors';
import { hasCheckpoint, readCheckpoint, writeCheckpoint, type LoadedCheckpoint } from './checkpoint';
import type { ActivationsRequest, ActivationsResult, EpochMetrics, GenerateRequest, GenerateResult, RunEvent, RunState, StartCommand } from '../../protocol/training';

/** Thrown by `JobContext.between()` when a stop was requested; the Run catches it. */
export class RunStopped extends Error {
  constructor() {
    super('The run was stopped.');
    this.name = 'RunStopped';
  }
}

export interface JobContext {
  readonly runId: string;
  /** Between batches: yields to the event loop, waits while paused, throws RunStopped on stop. */
  between(): Promise<void>;
  progress(batch: number, batches: number, loss?: number): void;
}

export interface Job {
  /** The job kind, e.g. 'lm'. */
  readonly kind: string;
  /** Total epochs the run should reach. */
  epochs: number;
  /** Save a checkpoint every this many epochs (and always at the end). 0 = only at the end. */
  readonly checkpointEvery: number;
  /** Trains epoch number `epoch` (1-based) and returns its metrics. */
  trainEpoch(epoch: number, ctx: JobContext): Promise<EpochMetrics>;
  /** How the model computes, for the run info (e.g. "fused kernel", or the reference cells and why). */
  computation?(): string;
  /** A sample to show after an epoch (language models: continuation of a prefix). */
  sample?(epoch: number): { prefix: string; text: string; lead?: number } | undefined;
  /** Writes the job's files (config, vocab, weights, …) into an empty folder. */
  save(dir: string): void;
  generate?(req: GenerateRequest): GenerateResult;
  activations?(req: ActivationsRequest): ActivationsResult;
  /** Frees tensors. */
  dispose(): void;
}

export interface JobFactory {
  readonly kind: string;
  create(config: Record<string, unknown>): Promise<Job>;
  /** Rebuilds a job from a checkpoint; `overrides.epochs` extends or shortens the run. */
  load(checkpoint: LoadedCheckpoint, overrides: { epochs?: number }): Promise<Job>;
}

const factories = new Map<string, JobFactory>();

export function registerJob(factory: JobFactory): void {
  factories.set(factory.kind, factory);
}

export function jobFactory(kind: unknown): JobFactory {
  const f = typeof kind === 'string' ? factories.get(kind) : undefined;
  if (!f) throw new SeqlabError(`Unknown job "${String(kind)}"; known jobs: ${[...factories.keys()].join(', ') || 'none'}.`);
  return f;
}

/** Builds the job a start command asks for: fresh, or resumed from its checkpoint folder. */
export async function createJob(cmd: Pick<StartCommand, 'config' | 'checkpointDir' | 'resume'>): Promise<{ job: Job; epoch: number; history: EpochMetrics[] }> {
  if (cmd.resume) {
    if (!cmd.checkpointDir) throw new SeqlabError('Resuming needs a checkpoint folder.');
    if (!hasCheckpoint(cmd.checkpointDir)) throw new SeqlabError(`There is no checkpoint to resume in ${cmd.checkpointDir}.`, 'checkpoint');
    const ckpt = readCheckpoint(cmd.checkpointDir);
    const factory = jobFactory(ckpt.job);
    if (cmd.config.job !== undefined && cmd.config.job !== ckpt.job) {
      throw new SeqlabError(`The checkpoint in ${cmd.checkpointDir} was written by a "${ckpt.job}" job, not a "${String(cmd.config.job)}" job.`, 'checkpoint');
    }
    const epochs = typeof cmd.config.epochs === 'number' ? cmd.config.epochs : undefined;
    const job = await factory.load(ckpt, { epochs });
    return { job, epoch: ckpt.epoch, history: ckpt.history };
  }
  const job = await jobFactory(cmd.config.job).create(cmd.config);
  return { job, epoch: 0, history: [] };
}

export interface RunOptions {
  runId: string;
  checkpointDir?: string;
  /** Epochs already finished (resume) and their metrics. */
  startEpoch?: number;
  history?: EpochMetrics[];
  emit(event: RunEvent): void;
}

/** Drives one job to the end or to a stop. Not re-entrant: one `execute()` per Run. */
export class Run {
  private _state: RunState = 'idle';
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private paused = false;
  epoch: number;
  readonly history: EpochMetrics[];

  constructor(
    readonly job: Job,
    private readonly opts: RunOptions,
  ) {
    this.epoch = opts.startEpoch ?? 0;
    (this.ctx as { runId: string }).runId = opts.runId;
    this.history = [...(opts.history ?? [])];
  }

  get state(): RunState {
    return this._state;
  }

  private setState(state: RunState): void {
    this._state = state;
    this.opts.emit({ type: 'state', runId: this.opts.runId, state, epoch: this.epoch });
  }

  pause(): void {
    if (this._state !== 'running') return;
    this.paused = true;
    this.setState('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this._state === 'paused') this.setState('running');
    this.wake?.();
  }

  stop(): void {
    if (this._state === 'done' || this._state === 'stopped' || this._state === 'error') return;
    this.stopRequested = true;
    this.paused = false;
    this.setState('stopping');
    this.wake?.();
  }

  private readonly ctx: JobContext = {
    runId: '',
    between: async () => {
      // setImmediate lets queued messages (pause/stop) run before the next batch.
      await new Promise<void>((r) => setImmediate(r));
      while (this.paused && !this.stopRequested) await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
      if (this.stopRequested) throw new RunStopped();
    },
    progress: (batch, batches, loss) => {
      this.opts.emit({ type: 'progress', runId: this.opts.runId, epoch: this.epoch + 1, batch, batches, loss });
    },
  };

  private save(): void {
    if (!this.opts.checkpointDir) return;
    writeCheckpoint(this.opts.checkpointDir, this.job.kind, this.epoch, this.history, (dir) => this.job.save(dir));
    this.opts.emit({ type: 'checkpoint', runId: this.opts.runId, epoch: this.epoch, dir: this.opts.checkpointDir });
  }

  /**
   * Runs the remaining epochs. A stop ends at the next batch boundary: the unfinished epoch is
   * dropped and the last checkpoint stays as it was, so a resume continues from it. Errors are
   * emitted as an `error` event and rethrown.
   */
  async execute(): Promise<'completed' | 'stopped'> {
    const { runId } = this.opts;
    this.setState('running');
    try {
      while (this.epoch < this.job.epochs) {
        await this.ctx.between();
        const metrics = await this.job.trainEpoch(this.epoch + 1, this.ctx);
        this.epoch += 1;
        this.history.push(metrics);
        this.opts.emit({ type: 'metrics', runId, ...metrics });
        const sample = this.job.sample?.(this.epoch);
        if (sample) this.opts.emit({ type: 'sample', runId, epoch: this.epoch, ...sample });
        const every = this.job.checkpointEvery;
        if (every > 0 && this.epoch % every === 0 && this.epoch < this.job.epochs) {
          this.save();
        }
      }
      this.save();
      this.setState('done');
      this.opts.emit({ type: 'done', runId, reason: 'completed', epoch: this.epoch, history: this.history });
      return 'completed';
    } catch (err) {
      if (err instanceof RunStopped) {
        this.setState('stopped');
        this.opts.emit({ type: 'done', runId, reason: 'stopped', epoch: this.epoch, history: this.history });
        return 'stopped';
      }
      this.setState('error');
      this.opts.emit({ type: 'error', runId, message: (err as Error).message, code: err instanceof SeqlabError ? err.code : 'internal' });
      throw err;
    }
  }
}
