/**
 * Runs training in child processes (dist/train-process.js), never on the extension host's
 * thread and never inside its process: one process per active run, speaking the validated protocol of src/core/training/protocol.ts.
 * Events update the registry (status, metrics, samples, checkpoint) and reach open dashboards.
 */
import { existsSync } from 'node:fs';
import { fork, type ChildProcess } from 'node:child_process';
import { SeqlabError } from '../../core/util/errors';
import { parseEvent, type Command, type GenerateResult, type ActivationsResult, type RunEvent } from '../../core/training/protocol';
import type { RunRecord } from '../../protocol/runs';
import { TRAINING_EXEC_ARGV } from '../../core/training/gc-tuning';
import type { RunRegistry } from './registry';

/** A training process as the manager uses it (a forked child: see ./trainProcess.ts). */
class TrainingProcess {
  private readonly child: ChildProcess;
  constructor(path: string) {
    this.child = fork(path, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [...process.execArgv, ...TRAINING_EXEC_ARGV] });
    // Keep the last stderr lines: they explain a crash.
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
  }
  stderr = '';
  postMessage(m: unknown): void {
    if (this.child.connected) this.child.send(m as never);
  }
  on(event: 'message', fn: (m: unknown) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'exit', fn: (code: number | null, signal?: string | null) => void): void;
  on(event: string, fn: (...a: never[]) => void): void {
    this.child.on(event, fn as (...a: unknown[]) => void);
  }
  once(event: 'exit', fn: () => void): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) fn();
    else this.child.once(event, fn);
  }
  terminate(): Promise<void> {
    this.child.kill('SIGKILL');
    return Promise.resolve();
  }
}

interface Active {
  worker: TrainingProcess;
  runId: string;
  pending: Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

export interface RunManagerOptions {
  workerPath: string;
  backend: () => 'auto' | 'node' | 'wasm' | 'cpu';
  checkpointInterval: () => number;
  log: (message: string) => void;
  /** The folder holding a named data set (resolved, and downloaded if need be, on the host), passed to the job. */
  dataDirectory?: (corpus: string) => Promise<string | undefined>;
}

let requestCounter = 0;

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

  /** The job config the worker's 'lm' job reads (src/core/training/lm-config.ts); `hyper` adds to it. */
  static jobConfig(r: RunRecord, checkpointEvery: number, dataDir?: string): Record<string, unknown> {
    if (r.kind === 'translator') {
      // src/core/translation/mt-config.ts: unknown keys are refused, so only its own.
      return { job: 'mt', pairs: r.data, epochs: r.epochs, checkpointEvery, ...(dataDir ? { dataDirectory: dataDir } : {}), ...r.hyper };
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
      ...(dataDir ? { dataDirectory: dataDir } : {}),
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
    let dataDir: string | undefined;
    try {
      dataDir = await this.opts.dataDirectory?.(r.data);
    } finally {
      this.starting.delete(id);
    }
    const a = this.spawn(id);
    this.registry.setStatus(id, 'running');
    this.send(a, {
      type: 'start',
      runId: id,
      config: RunManager.jobConfig(r, this.opts.checkpointInterval(), dataDir),
      checkpointDir: this.registry.checkpointDir(id),
      resume: resume && Boolean(r.checkpoint),
      backend: this.opts.backend(),
    });
  }

  pause(id: string): void {
    this.send(this.require(id), { type: 'pause' });
  }

  async resume(id: string): Promise<void> {
    const a = this.active.get(id);
    if (a) return this.send(a, { type: 'resume' });
    // Paused when the window closed: the worker is gone, continue from the checkpoint.
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

  /** Deletes a run: its worker is ended first so nothing writes into a removed folder. */
  async delete(id: string): Promise<RunRecord | undefined> {
    const a = this.active.get(id);
    if (a) {
      this.active.delete(id);
      await this.retire(a);
    }
    return this.registry.delete(id);
  }

  /**
   * Ends a worker by asking it to shut down (it stops its run and closes its port), and only
   * terminates it if it does not exit in time: terminating a thread in the middle of native
   * tfjs-node work can take the whole extension host down.
   */
  private retire(a: Active, graceMs = 15_000): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => void a.worker.terminate().finally(finish), graceMs);
      a.worker.once('exit', finish);
      try {
        a.worker.postMessage({ type: 'shutdown' });
      } catch {
        finish();
      }
    });
  }

  async generate(id: string, req: { prefix: string; length: number; temperature?: number; topK?: number; seed?: number }): Promise<GenerateResult> {
    const result = await this.request(id, (requestId, checkpointDir) => ({ type: 'generate', requestId, checkpointDir, ...req }));
    return result as GenerateResult;
  }

  async activations(id: string, text: string): Promise<ActivationsResult> {
    return (await this.request(id, (requestId, checkpointDir) => ({ type: 'activations', requestId, text, checkpointDir }))) as ActivationsResult;
  }

  /** A request to the run's worker, or to a short-lived worker reading its checkpoint. */
  private async request(id: string, make: (requestId: string, checkpointDir: string | undefined) => Command): Promise<unknown> {
    this.assertAvailable();
    const r = this.registry.require(id);
    let a = this.active.get(id);
    let temporary = false;
    if (!a) {
      if (!r.checkpoint) throw new SeqlabError(`The run "${r.name}" has no checkpoint yet; train it for at least ${this.opts.checkpointInterval()} epochs.`, 'no-checkpoint');
      a = this.spawn(id, true);
      temporary = true;
    }
    const requestId = `q${++requestCounter}`;
    const done = new Promise<unknown>((resolve, reject) => a!.pending.set(requestId, { resolve, reject }));
    this.send(a, make(requestId, temporary ? this.registry.checkpointDir(id) : undefined));
    try {
      return await done;
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
    a.worker.postMessage(cmd);
  }

  private spawn(id: string, requestOnly = false): Active {
    const worker = new TrainingProcess(this.opts.workerPath);
    const a: Active = { worker, runId: id, pending: new Map() };
    if (!requestOnly) this.active.set(id, a);
    worker.on('message', (raw) => {
      let e: RunEvent;
      try {
        e = parseEvent(raw);
      } catch (err) {
        this.opts.log((err as Error).message);
        return;
      }
      this.handle(a, e, requestOnly);
    });
    worker.on('error', (err) => {
      this.opts.log(`training worker for ${id}: ${err.stack ?? err.message}`);
      if (!requestOnly) this.registry.setStatus(id, 'failed', err.message);
      for (const p of a.pending.values()) p.reject(new SeqlabError(`The training worker failed: ${err.message}`));
      a.pending.clear();
    });
    worker.on('exit', (code, signal) => {
      if (this.active.get(id) === a) {
        this.active.delete(id);
        const r = this.registry.get(id);
        if (r && (r.status === 'running' || r.status === 'paused')) {
          this.opts.log(`training process for ${id} exited (${signal ?? code}); stderr:\n${worker.stderr}`);
          this.registry.setStatus(id, 'failed', `The training process ended unexpectedly (${signal ?? `exit code ${code}`}); resume continues from the last checkpoint.`);
        }
      }
      for (const p of a.pending.values()) p.reject(new SeqlabError('The training worker ended before answering.'));
    });
    return a;
  }

  private handle(a: Active, e: RunEvent, requestOnly: boolean): void {
    const id = a.runId;
    switch (e.type) {
      case 'ready':
        if (!requestOnly) this.registry.update(id, { engine: [`${e.backend} backend`, e.kernel && `${e.kernel} kernel`, e.computation].filter(Boolean).join(' · ') });
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
        });
        break;
      }
      case 'sample':
        // A language model's sample already starts with its (preprocessed) prefix; a translator's is source → target.
        if (this.registry.get(id)?.kind === 'translator') this.registry.addSample(id, e.epoch, `${e.prefix} → ${e.text}`, e.prefix.length + 3);
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
        if (e.requestId) {
          a.pending.get(e.requestId)?.reject(new SeqlabError(e.message, e.code));
          a.pending.delete(e.requestId);
        } else if (!requestOnly) {
          this.registry.setStatus(id, 'failed', e.message);
        }
        break;
      case 'generated':
      case 'activations':
        a.pending.get(e.requestId)?.resolve(e.result);
        a.pending.delete(e.requestId);
        break;
      default:
        break;
    }
    for (const l of this.listeners) l(e);
  }

  /** Window closing: workers end with the host; the registry marks their runs interrupted on the next start. */
  dispose(): void {
    for (const a of this.active.values()) void this.retire(a, 2_000);
    this.active.clear();
  }
}
