/**
 * Host side of the training worker: spawns it (the caller passes the path, e.g.
 * `dist/worker.js` in the extension), sends typed commands, validates every event on receipt
 * and exposes them to listeners; generate/activations are request/reply with request ids.
 *
 *   const client = new TrainingClient({ workerPath });
 *   client.onEvent((e) => { if (e.type === 'metrics') draw(e); });
 *   client.start({ runId: 'r1', config: { job: 'lm', model: 'gru', epochs: 20 }, checkpointDir });
 *   client.pause(); client.resume(); client.stop();
 *   const { text } = await client.generate({ prefix: 'time traveller', length: 50 });
 *   await client.dispose();
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { TRAINING_WORKER_LIMITS } from './gc-tuning';
import {
  parseEvent,
  type ActivationsRequest,
  type ActivationsResult,
  type Command,
  type GenerateRequest,
  type GenerateResult,
  type RunEvent,
  type RunEventOf,
  type StartCommand,
} from './protocol';
import { SeqlabError } from '../util/errors';

export interface TrainingClientOptions {
  workerPath: string;
  /** Extra Worker options. A `.ts` workerPath (tests, tsx) is run through tsx's require hook. */
  workerOptions?: WorkerOptions;
}

type Listener = (e: RunEvent) => void;

export class TrainingClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Map<string, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exited = false;

  constructor(opts: TrainingClientOptions) {
    if (opts.workerPath.endsWith('.ts')) {
      // Tests and `tsx` runs start the TypeScript entry: register tsx inside the worker first
      // (Node 20 does not pass --import loader hooks on to a worker's entry module).
      // Not a string literal, so bundlers leave it alone: tsx exists only in development.
      const devLoader = ['tsx', 'cjs'].join('/');
      const tsx = require.resolve(devLoader);
      const boot = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(opts.workerPath)});`;
      this.worker = new Worker(boot, { resourceLimits: TRAINING_WORKER_LIMITS, ...opts.workerOptions, eval: true });
    } else {
      this.worker = new Worker(opts.workerPath, { resourceLimits: TRAINING_WORKER_LIMITS, ...opts.workerOptions });
    }
    this.worker.on('message', (raw: unknown) => {
      let e: RunEvent;
      try {
        e = parseEvent(raw);
      } catch (err) {
        e = { type: 'error', message: (err as Error).message, code: 'protocol' };
      }
      this.dispatch(e);
    });
    this.worker.on('error', (err) => this.dispatch({ type: 'error', message: `The training worker crashed: ${err.message}`, code: 'worker-crashed' }));
    this.worker.on('exit', (code) => {
      this.exited = true;
      const err = new SeqlabError(`The training worker exited (code ${code}) before answering.`, 'worker-exited');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private dispatch(e: RunEvent): void {
    if ((e.type === 'generated' || e.type === 'activations' || e.type === 'error') && e.requestId && this.pending.has(e.requestId)) {
      const p = this.pending.get(e.requestId)!;
      this.pending.delete(e.requestId);
      if (e.type === 'error') p.reject(new SeqlabError(e.message, e.code));
      else p.resolve(e.result as never);
    }
    for (const l of this.listeners) l(e);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the next event of a type that passes `filter`. */
  next<T extends RunEvent['type']>(type: T, filter: (e: RunEventOf<T>) => boolean = () => true): Promise<RunEventOf<T>> {
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (e.type === type && filter(e as RunEventOf<T>)) {
          off();
          resolve(e as RunEventOf<T>);
        }
      });
    });
  }

  /** Resolves with the run's `done` event, rejects with its `error`. */
  waitForRun(runId: string): Promise<RunEventOf<'done'>> {
    return new Promise((resolve, reject) => {
      const off = this.onEvent((e) => {
        if (e.type === 'done' && e.runId === runId) {
          off();
          resolve(e);
        } else if (e.type === 'error' && e.runId === runId) {
          off();
          reject(new SeqlabError(e.message, e.code));
        }
      });
    });
  }

  private send(cmd: Command): void {
    if (this.exited) throw new SeqlabError('The training worker has exited; create a new client.', 'worker-exited');
    this.worker.postMessage(cmd);
  }

  start(cmd: Omit<StartCommand, 'type'>): void {
    this.send({ type: 'start', ...cmd });
  }
  pause(): void {
    this.send({ type: 'pause' });
  }
  resume(): void {
    this.send({ type: 'resume' });
  }
  stop(): void {
    this.send({ type: 'stop' });
  }

  private request<R>(cmd: Command & { requestId: string }): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.set(cmd.requestId, { resolve: resolve as (v: never) => void, reject });
      try {
        this.send(cmd);
      } catch (err) {
        this.pending.delete(cmd.requestId);
        reject(err as Error);
      }
    });
  }

  generate(req: Omit<GenerateRequest, 'type' | 'requestId'>): Promise<GenerateResult> {
    return this.request({ type: 'generate', requestId: `g${this.nextId++}`, ...req });
  }

  activations(req: Omit<ActivationsRequest, 'type' | 'requestId'>): Promise<ActivationsResult> {
    return this.request({ type: 'activations', requestId: `a${this.nextId++}`, ...req });
  }

  /** Stops any run at its next batch boundary, then ends the worker. */
  async dispose(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.send({ type: 'shutdown' });
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
