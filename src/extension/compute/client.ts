/**
 * Runs compute jobs on one long-lived worker thread so the extension host stays responsive
 * (a BPE vocabulary of The Time Machine takes seconds). Falls back to running in process
 * when dist/compute.js is not built.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { SeqlabError } from '../../core/util/errors';
import { jobs, type ComputeJobs, type ComputeReply, type JobName } from './jobs';

export class ComputeClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly workerPath: string) {}

  run<K extends JobName>(job: K, args: Parameters<ComputeJobs[K]>[0]): Promise<Awaited<ReturnType<ComputeJobs[K]>>> {
    if (!existsSync(this.workerPath)) {
      return new Promise((resolve, reject) => setImmediate(async () => {
        try {
          resolve(await (jobs[job] as (a: unknown) => Awaited<ReturnType<ComputeJobs[K]>>)(args));
        } catch (err) {
          reject(err);
        }
      }));
    }
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ id, job, args });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerPath);
    w.unref();
    w.on('message', (r: ComputeReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (!p) return;
      if (r.ok) p.resolve(r.result);
      else p.reject(new SeqlabError(r.message, r.code));
    });
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new SeqlabError(why));
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', (e) => fail(`The compute thread failed: ${e.message}`));
    w.on('exit', () => fail('The compute thread ended unexpectedly.'));
    this.worker = w;
    return w;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}

let shared: ComputeClient | undefined;
/** The extension's compute thread (set up in activate; in-process fallback otherwise). */
export function compute(): ComputeClient {
  shared ??= new ComputeClient('');
  return shared;
}
export function initCompute(workerPath: string): ComputeClient {
  shared?.dispose();
  shared = new ComputeClient(workerPath);
  return shared;
}
