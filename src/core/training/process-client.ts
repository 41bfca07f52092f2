/**
 * Host side of the training process — the one way background training runs, for the extension
 * and the tests alike: forks the entry (src/worker/train-process.ts, bundled to
 * dist/train-process.js; a `.ts` entry runs through tsx), sends typed commands, validates every
 * event on receipt and hands it to listeners; generate/activations are request/reply by id.
 * A separate process means a crash in native code (tfjs-node, the N-API kernel) fails the run,
 * never the host. (The CLI is itself a process the editor does not wait on: it drives the same
 * Run in-process.)
 *
 *   const p = new TrainingProcess({ entry });
 *   p.onEvent((e) => { if (e.type === 'metrics') draw(e); });
 *   p.start({ runId: 'r1', config: { job: 'lm', model: 'gru', epochs: 20 }, checkpointDir });
 *   p.pause(); p.resume(); p.stop();
 *   const { text } = await p.generate({ prefix: 'time traveller', length: 50 });
 *   await p.dispose();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { TRAINING_EXEC_ARGV } from './gc-tuning';
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
} from '../../protocol/training';
import { SeqlabError } from '../util/errors';

export interface TrainingProcessOptions {
  /** The process entry: dist/train-process.js, or src/worker/train-process.ts in tests. */
  entry: string;
  /** Node flags for the child (default: the host's), to which the training GC tuning is added. */
  execArgv?: string[];
}

type Listener = (e: RunEvent) => void;
type ExitListener = (code: number | null, signal: NodeJS.Signals | null) => void;

export class TrainingProcess {
  private readonly child: ChildProcess;
  private readonly listeners = new Set<Listener>();
  private readonly exitListeners = new Set<ExitListener>();
  private readonly pending = new Map<string, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private ended = false;
  /** The last 2,000 characters the process wrote to stderr: they explain a crash. */
  stderr = '';

  constructor(opts: TrainingProcessOptions) {
    // Tests start the TypeScript entry: tsx's loader in the child.
    const tsEntry = opts.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    this.child = fork(opts.entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [...(opts.execArgv ?? process.execArgv), ...TRAINING_EXEC_ARGV, ...tsEntry],
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    this.child.on('message', (raw: unknown) => {
      let e: RunEvent;
      try {
        e = parseEvent(raw);
      } catch (err) {
        e = { type: 'error', message: (err as Error).message, code: 'malformed-event' };
      }
      this.dispatch(e);
    });
    this.child.on('error', (err) => this.dispatch({ type: 'error', message: `The training process failed: ${err.message}`, code: 'process-failed' }));
    this.child.on('exit', (code, signal) => {
      this.ended = true;
      const err = new SeqlabError(`The training process ended (${signal ?? `exit code ${code}`}) before answering.`, 'process-exited');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const l of this.exitListeners) l(code, signal);
    });
  }

  get exited(): boolean {
    return this.ended;
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

  /** Subscribes to every validated event; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once when the process ends (at once if it already has). */
  onExit(listener: ExitListener): void {
    if (this.ended) listener(this.child.exitCode, this.child.signalCode);
    else this.exitListeners.add(listener);
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

  /** Sends a command; the process validates it (tests send malformed ones on purpose). */
  send(cmd: Command | Record<string, unknown>): void {
    if (this.ended || !this.child.connected) throw new SeqlabError('The training process has ended; start a new one.', 'process-exited');
    this.child.send(cmd as never);
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

  /**
   * Asks the process to shut down (it stops its run at the next batch boundary and exits) and
   * kills it only if it has not ended within `graceMs`.
   */
  async dispose(graceMs = 15_000): Promise<void> {
    if (this.ended) return;
    const exited = new Promise<void>((r) => this.onExit(() => r()));
    try {
      this.send({ type: 'shutdown' });
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
