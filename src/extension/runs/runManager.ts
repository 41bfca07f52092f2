/**
 * Runs training in child processes (TrainingProcess, src/core/training/process-client.ts,
 * forking dist/train-process.js), never on the extension host's thread and never inside its
 * process: one process per active run, speaking the validated training protocol.
 * Events update the registry (status, metrics, samples, checkpoint) and reach open dashboards.
 */
import { existsSync } from 'node:fs';
import { SeqlabError } from '../../core/util/errors';
import type { Command, GenerateResult, ActivationsResult, RunEvent } from '../../protocol/training';
import { TrainingProcess } from '../../core/training/process-client';
import type { RunRecord } from '../../protocol/runs';
import type { RunRegistry } from './registry';

interface Active {
  proc: TrainingProcess;
  runId: string;
}

export interface RunManagerOptions {
  workerPath: string;
  backend: () => 'auto' | 'node' | 'wasm' | 'cpu';
  checkpointInterval: () => number;
  log: (message: string) => void;
  /** The folder holding a named data set (resolved, and downloaded if need be, on the host), passed to the job. */
  dataDirectory?: (corpus: string) => Promise<string | undefined>;
  /** Where the training process remembers the measured fastest kernel path (the global storage). */
  kernelCacheDir?: string;
}

export class RunManager {
  private readonly active = new Map<string, Active>();
  private readonly starting = new Set<string>();
  private readonly listeners: ((e: RunEvent) => void)[] = [];

  constructor(
    private readonly registry: RunRegistry,
    private readonly opts: RunManagerOptions,
  ) {}

  get available(): boolean {
    return existsSync(this.opts.workerPath);
  }

  isActive(id: string): boolean {
    return this.active.has(id);
  }

  onEvent(fn: (e: RunEvent) => void): { dispose(): void } {
    this.listeners.push(fn);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(fn) >>> 0, 1) };
  }

  private assertAvailable(): void {
    if (!this.available) {
      throw new SeqlabError('Training is not available in this build: the training process (dist/train-process.js) is missing.', 'not-available');
    }
  }

  /** The job config the training process's 'lm' job reads (src/core/training/lm-config.ts); `hyper` adds to it. */
  static jobConfig(r: RunRecord, checkpointEvery: number, dataDirectory?: string): Record<string, unknown> {
    if (r.kind === 'translator') {
      // src/core/translation/mt-config.ts: unknown keys are refused, so only its own.
      return { job: 'mt', pairs: r.data, epochs: r.epochs, checkpointEvery, ...(dataDirectory ? { dataDirectory } : {}), ...r.hyper };
    }
    return {
      job: 'lm',
      corpus: r.data,
      token: r.model.token,
      model: r.model.cell,
      layers: r.model.layers,
      hidden: r.model.hidden,
      bidirectional: r.model.bidirectional,
      epochs: r.epochs,
      checkpointEvery,
      ...(dataDirectory ? { dataDirectory } : {}),
      ...r.hyper,
    };
  }

  /** Starts a run, or continues it from its last checkpoint when it has one. */
  async start(id: string, opts: { resume?: boolean } = {}): Promise<void> {
    this.assertAvailable();
    const r = this.registry.require(id);
    if (this.active.has(id) || this.starting.has(id)) throw new SeqlabError(`The run "${r.name}" is already training.`, 'busy');
    const resume = opts.resume ?? Boolean(r.checkpoint);
    this.starting.add(id);
    let dataDirectory: string | undefined;
    try {
      dataDirectory = await this.opts.dataDirectory?.(r.data);
    } finally {
      this.starting.delete(id);
    }
    const a = this.spawn(id);
    this.registry.setStatus(id, 'running');
    this.send(a, {
      type: 'start',
      runId: id,
      config: RunManager.jobConfig(r, this.opts.checkpointInterval(), dataDirectory),
      checkpointDir: this.registry.checkpointDir(id),
      resume: resume && Boolean(r.checkpoint),
      backend: this.opts.backend(),
      kernelCacheDir: this.opts.kernelCacheDir,
    });
  }

  pause(id: string): void {
    this.send(this.require(id), { type: 'pause' });
  }

  async resume(id: string): Promise<void> {
    const a = this.active.get(id);
    if (a) return this.send(a, { type: 'resume' });
    // Paused when the window closed: its process is gone, continue from the checkpoint.
    await this.start(id, { resume: true });
  }

  stop(id: string): void {
    const a = this.active.get(id);
    if (!a) {
      const r = this.registry.get(id);
      if (r && (r.status === 'interrupted' || r.status === 'paused' || r.status === 'queued')) this.registry.setStatus(id, 'stopped');
      return;
    }
    this.send(a, { type: 'stop' });
  }

  /** Deletes a run: its training process is ended first so nothing writes into a removed folder. */
  async delete(id: string): Promise<RunRecord | undefined> {
    const a = this.active.get(id);
    if (a) {
      this.active.delete(id);
      await this.retire(a);
    }
    return this.registry.delete(id);
  }

  /**
   * Ends a training process by asking it to shut down (it stops its run and exits), and kills it
   * only if it does not exit in time.
   */
  private retire(a: Active, graceMs = 15_000): Promise<void> {
    return a.proc.dispose(graceMs);
  }

  async generate(id: string, req: { prefix: string; length: number; temperature?: number; topK?: number; seed?: number }): Promise<GenerateResult> {
    return this.request(id, (p, checkpointDir) => p.generate({ ...req, checkpointDir }));
  }

  async activations(id: string, text: string): Promise<ActivationsResult> {
    return this.request(id, (p, checkpointDir) => p.activations({ text, checkpointDir }));
  }

  /** A request to the run's process, or to a short-lived process reading its checkpoint. */
  private async request<R>(id: string, ask: (p: TrainingProcess, checkpointDir: string | undefined) => Promise<R>): Promise<R> {
    this.assertAvailable();
    const r = this.registry.require(id);
    let a = this.active.get(id);
    let temporary = false;
    if (!a) {
      if (!r.checkpoint) throw new SeqlabError(`The run "${r.name}" has no checkpoint yet; train it for at least ${this.opts.checkpointInterval()} epochs.`, 'no-checkpoint');
      a = this.spawn(id, true);
      temporary = true;
    }
    try {
      return await ask(a.proc, temporary ? this.registry.checkpointDir(id) : undefined);
    } finally {
      if (temporary) void this.retire(a);
    }
  }

  private require(id: string): Active {
    const a = this.active.get(id);
    if (!a) throw new SeqlabError(`The run "${this.registry.get(id)?.name ?? id}" is not training.`, 'not-running');
    return a;
  }

  private send(a: Active, cmd: Command): void {
    a.proc.send(cmd);
  }

  private spawn(id: string, requestOnly = false): Active {
    const proc = new TrainingProcess({ entry: this.opts.workerPath });
    const a: Active = { proc, runId: id };
    if (!requestOnly) this.active.set(id, a);
    proc.onEvent((e) => {
      // An event that failed validation on receipt: a bug to log, not a run's failure.
      if (e.type === 'error' && e.code === 'malformed-event') return this.opts.log(e.message);
      if (e.type === 'error' && !e.runId && !e.requestId) this.opts.log(`training process for ${id}: ${e.message}`);
      this.handle(a, e, requestOnly);
    });
    proc.onExit((code, signal) => {
      if (this.active.get(id) === a) {
        this.active.delete(id);
        const r = this.registry.get(id);
        if (r && (r.status === 'running' || r.status === 'paused')) {
          this.opts.log(`training process for ${id} exited (${signal ?? code}); stderr:\n${proc.stderr}`);
          this.registry.setStatus(id, 'failed', `The training process ended unexpectedly (${signal ?? `exit code ${code}`}); resume continues from the last checkpoint.`);
        }
      }
    });
    return a;
  }

  private handle(a: Active, e: RunEvent, requestOnly: boolean): void {
    const id = a.runId;
    switch (e.type) {
      case 'ready':
        if (!requestOnly) this.registry.update(id, { engine: [`${e.backend} backend`, e.kernel && `${e.kernel} kernel${e.kernelNote ? ` (${e.kernelNote})` : ''}`, e.computation].filter(Boolean).join(' · ') });
        break;
      case 'state':
        if (requestOnly) break;
        if (e.state === 'running') this.registry.setStatus(id, 'running');
        else if (e.state === 'paused') this.registry.setStatus(id, 'paused');
        break;
      case 'metrics': {
        const r = this.registry.get(id);
        const lm = r?.metric !== 'loss';
        this.registry.addMetrics(id, {
          epoch: e.epoch,
          train: lm ? (e.perplexity ?? Math.exp(e.loss)) : e.loss,
          valid: lm ? e.valPerplexity : (e.extra?.valLoss ?? null),
          tokensPerSec: e.tokensPerSecond,
          time: e.elapsedMs,
          at: Date.now(),
          ...(lm ? {} : { bleu: e.extra?.bleu ?? null, bleuTextbook: e.extra?.bleuTextbook ?? null }),
        });
        break;
      }
      case 'sample':
        // A language model's sample already starts with its (preprocessed) prefix; a translator's is source → target.
        // (A translator's sample without a prefix is the textbook's sentences, one "source => translation, bleu" line each.)
        if (this.registry.get(id)?.kind === 'translator' && e.prefix) this.registry.addSample(id, e.epoch, `${e.prefix} → ${e.text}`, e.prefix.length + 3);
        else this.registry.addSample(id, e.epoch, e.text, e.lead);
        break;
      case 'checkpoint':
        this.registry.update(id, { checkpoint: e.dir });
        break;
      case 'done':
        this.registry.update(id, { status: e.reason === 'completed' ? 'done' : 'stopped', epoch: e.epoch });
        if (this.active.get(id) === a) {
          this.active.delete(id);
          void this.retire(a);
        }
        break;
      case 'error':
        // A request's error rejects its promise (TrainingProcess); any other ends the run.
        if (!e.requestId && !requestOnly) this.registry.setStatus(id, 'failed', e.message);
        break;
      default:
        break;
    }
    for (const l of this.listeners) l(e);
  }

  /** Window closing: training processes end with the host; the registry marks their runs interrupted on the next start. */
  dispose(): void {
    for (const a of this.active.values()) void this.retire(a, 2_000);
    this.active.clear();
  }
}
