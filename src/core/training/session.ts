/**
 * What the training process does with each command, independent of how messages travel: the
 * process entry (src/worker/train-process.ts) feeds it IPC messages; tests and the CLI can drive
 * it in-process. One run at a time; generate/activations requests are answered between batches
 * from the running (or last) model, or from a checkpoint folder when the request names one.
 */
import { initBackend, type BackendChoice } from '../backend';
import { bufferPool } from '../kernels/buffer-pool';
import { disposeKernels, isSelected, kernelLabel, kernelNote, onKernelNotice, selectKernelPath } from '../kernels';
import { SeqlabError } from '../util/errors';
import { loadLMCheckpoint, lmActivations } from './lm-job';
import { predictIds } from '../models/predict';
import { parseCommand, type ActivationsRequest, type Command, type GenerateRequest, type RunEvent, type StartCommand } from '../../protocol/training';
import { createJob, Run, type Job } from './run';
import './jobs';

export class TrainingSession {
  private run: Run | null = null;
  private job: Job | null = null;
  private running: Promise<unknown> | null = null;
  private backend: BackendChoice | undefined;
  private backendName = '';

  constructor(private readonly emit: (e: RunEvent) => void) {}

  /** Validates and executes one command; never throws (errors become `error` events). */
  async handle(raw: unknown): Promise<void> {
    let cmd: Command;
    try {
      cmd = parseCommand(raw);
    } catch (err) {
      this.emit({ type: 'error', message: (err as Error).message, code: 'protocol' });
      return;
    }
    try {
      switch (cmd.type) {
        case 'start':
          return await this.start(cmd);
        case 'pause':
          return this.run?.pause();
        case 'resume':
          return this.run?.resume();
        case 'stop':
          return this.run?.stop();
        case 'generate':
          return this.emit({ type: 'generated', requestId: cmd.requestId, result: this.generate(cmd) });
        case 'activations':
          return this.emit({ type: 'activations', requestId: cmd.requestId, result: this.activations(cmd) });
        case 'shutdown':
          return await this.shutdown();
      }
    } catch (err) {
      const requestId = 'requestId' in cmd ? cmd.requestId : undefined;
      const runId = cmd.type === 'start' ? cmd.runId : undefined;
      this.emit({ type: 'error', requestId, runId, message: (err as Error).message, code: err instanceof SeqlabError ? err.code : 'internal' });
    }
  }

  private async start(cmd: StartCommand): Promise<void> {
    if (this.run && (this.run.state === 'running' || this.run.state === 'paused' || this.run.state === 'stopping')) {
      throw new SeqlabError('A run is already in progress in this training process; stop it first.');
    }
    this.emit({ type: 'state', runId: cmd.runId, state: 'starting' });
    if (cmd.backend || !this.backend) {
      this.backend = cmd.backend ?? 'auto';
      this.backendName = (await initBackend({ backend: this.backend })).name;
    }
    // Measure (or recall) the fastest fused-kernel path before the job asks for it.
    if (cmd.kernelCacheDir) await selectKernelPath({ cacheDir: cmd.kernelCacheDir });
    const { job, epoch, history } = await createJob(cmd);
    // After createJob: a job may select the kernel path itself.
    // the run's info: which kernel path runs and why (and, mid-run, any fallback notice)
    const ready = () => this.emit({ type: 'ready', backend: this.backendName, kernel: isSelected() ? kernelLabel() : undefined, kernelNote: isSelected() ? kernelNote() : undefined, computation: job.computation?.() });
    ready();
    const stopNotices = onKernelNotice(ready);
    this.job?.dispose();
    this.job = job;
    const run = new Run(job, { runId: cmd.runId, checkpointDir: cmd.checkpointDir, startEpoch: epoch, history, emit: this.emit });
    this.run = run;
    // Not awaited: the session keeps answering commands while the run trains.
    this.running = run
      .execute()
      .catch(() => {
        /* already reported as an error event */
      })
      // the recycled step arrays of this run's shapes are garbage once it ends
      .finally(() => {
        stopNotices();
        bufferPool.clear();
      });
  }

  /** Resolves when the current run (if any) has ended. */
  async idle(): Promise<void> {
    await this.running;
  }

  private generate(req: GenerateRequest) {
    if (req.checkpointDir) {
      const lm = loadLMCheckpoint(req.checkpointDir);
      try {
        const ids = lm.codec.encode(req.prefix);
        if (ids.length === 0) throw new SeqlabError('The prefix has no tokens; type at least one character.');
        const out = predictIds(lm.model, ids, req.length, { temperature: req.temperature, topK: req.topK, seed: req.seed });
        return { prefix: req.prefix, text: lm.codec.decode(out), tokens: lm.codec.vocab.toTokens(out) };
      } finally {
        lm.model.dispose();
      }
    }
    if (!this.job?.generate) throw new SeqlabError('There is no trained model to generate from yet; start a run or name a checkpoint.');
    return this.job.generate(req);
  }

  private activations(req: ActivationsRequest) {
    if (req.checkpointDir) {
      const lm = loadLMCheckpoint(req.checkpointDir);
      try {
        return lmActivations(lm.model, lm.codec, req.text);
      } finally {
        lm.model.dispose();
      }
    }
    if (!this.job?.activations) throw new SeqlabError('There is no model to record yet; start a run or name a checkpoint.');
    return this.job.activations(req);
  }

  async shutdown(): Promise<void> {
    this.run?.stop();
    await this.running;
    this.job?.dispose();
    this.job = null;
    this.run = null;
    // Kernel threads (native pthreads, wasm workers) must stop before this thread ends.
    disposeKernels();
  }
}
