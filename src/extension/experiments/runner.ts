/**
 * Experiment runs in the editor: an experiment's expanded runs become Runs-view records (linked
 * to their file, so the view groups them), the queue (src/core/experiments/queue.ts) starts them
 * as slots free up, and each run's end writes its folder in `<name>.seqlab-results/` and the
 * summary. The queue's list is saved in global storage; after a window reload the runner made
 * at activation carries on with it (interrupted runs continue from their checkpoints).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import {
  QueueState,
  RunQueue,
  parseExperimentText,
  resultsDirFor,
  trainingConfig,
  writeRunResult,
  writeSummary,
  type ExpandedRun,
  type ParsedExperiment,
  type QueuedRunState,
  type RunOutcome,
} from '../../core/experiments';
import type { EpochMetrics, RunEvent } from '../../protocol/training';
import { writeFileAtomic } from '../../core/util/fs';
import type { RunRecord } from '../../protocol/runs';
import { log, messageOf } from '../errors';
import type { RunChange } from '../runs/registry';
import { trainingNotification } from '../runs/progress';
import type { Services } from '../services';
import { settings } from '../settings';

type NewRun = Parameters<Services['registry']['add']>[0];

/** The Runs-view record of one expanded run (what RunManager.jobConfig turns back into a job config). */
export function recordOf(file: string, exp: ParsedExperiment, run: ExpandedRun): NewRun {
  const c = trainingConfig(run, dirname(file));
  const link = { file, name: exp.name, slug: run.slug, entry: run.entry, kind: run.kind, swept: run.swept, config: run.config };
  const given = Object.fromEntries(Object.entries(run.given).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean | null>;
  if (run.kind === 'mt') {
    const { job: _j, pairs: _p, epochs: _e, ...hyper } = given;
    return {
      kind: 'translator',
      name: run.label,
      data: String(c.pairs),
      model: { cell: 'gru', layers: Number(c.numLayers), hidden: Number(c.numHiddens), bidirectional: false, token: 'word' },
      hyper,
      epochs: Number(c.epochs),
      metric: 'loss',
      experiment: link,
    };
  }
  const { job: _j, corpus: _c, token: _t, model: _m, layers: _l, hidden: _h, bidirectional: _b, epochs: _e, ...hyper } = given;
  return {
    kind: 'language-model',
    name: run.label,
    data: String(c.corpus),
    model: { cell: c.model as 'rnn' | 'gru' | 'lstm', layers: Number(c.layers), hidden: Number(c.hidden), bidirectional: Boolean(c.bidirectional), token: c.token as 'char' | 'word' | 'bpe' },
    hyper,
    epochs: Number(c.epochs),
    metric: 'perplexity',
    experiment: link,
  };
}

function queueState(r: RunRecord | undefined): QueuedRunState {
  if (!r) return 'ended';
  if (r.status === 'queued' || r.status === 'interrupted') return 'waiting';
  if (r.status === 'running' || r.status === 'paused') return 'active';
  return 'ended';
}

export class ExperimentRunner implements vscode.Disposable {
  private queue: RunQueue | undefined;
  private subs: { dispose(): void }[] = [];
  /** Epoch rows seen this session, for the result of a run that fails (a finished run's `done` event carries them all). */
  private readonly epochs = new Map<string, EpochMetrics[]>();
  private readonly lastStatus = new Map<string, RunRecord['status']>();

  constructor(
    private readonly s: Services,
    /** The saved queue, e.g. <globalStorage>/experiments/queue.json. */
    private readonly queueFile: string,
  ) {
    mkdirSync(dirname(queueFile), { recursive: true });
    this.attach();
  }

  /**
   * Makes the queue from its saved state and starts listening, as at activation after a window
   * reload. detach() then attach() is how the extension-host test reloads mid-sweep.
   */
  attach(): void {
    this.detach();
    this.queue = this.createQueue();
    this.subs = [this.s.registry.onChange((c) => this.onRunChange(c)), this.s.manager.onEvent((e) => this.onEvent(e))];
  }

  /** Stops listening and drops the queue object (its saved state stays), as a closing window does. */
  detach(): void {
    for (const sub of this.subs) sub.dispose();
    this.subs = [];
    this.queue?.close();
    this.queue = undefined;
  }

  private get q(): RunQueue {
    if (!this.queue) throw new Error('The experiment queue is detached.');
    return this.queue;
  }

  private loadQueue(): QueueState | undefined {
    if (!existsSync(this.queueFile)) return undefined;
    try {
      return QueueState.parse(JSON.parse(readFileSync(this.queueFile, 'utf8')));
    } catch (err) {
      const msg = `Seqlab: the experiment queue (${this.queueFile}) could not be read (${messageOf(err)}); queued experiment runs stay in the Runs view and can be started from there.`;
      log(msg);
      void vscode.window.showWarningMessage(msg);
      return undefined;
    }
  }

  private createQueue(): RunQueue {
    return new RunQueue(
      {
        concurrency: settings.experimentConcurrency,
        state: (id) => queueState(this.s.registry.get(id)),
        start: async (id) => {
          await this.s.manager.start(id);
          trainingNotification(this.s, id);
        },
        failed: (id, err) => {
          const name = this.s.registry.get(id)?.name ?? id;
          this.s.registry.setStatus(id, 'failed', messageOf(err));
          log(`experiment run ${name} could not start: ${messageOf(err)}`);
          void vscode.window.showErrorMessage(`Seqlab: the experiment run "${name}" could not start: ${messageOf(err)}`);
        },
        save: (state) => writeFileAtomic(this.queueFile, JSON.stringify(state, null, 1)),
      },
      this.loadQueue(),
    );
  }

  /** Starts what the saved queue holds (at activation: runs interrupted by the last window close continue). */
  resume(): void {
    if (this.q.list().length) log(`experiment queue: resuming ${this.q.list().length} run(s)`);
    this.q.changed();
  }

  /** The runs waiting or training, in queue order. */
  queued(): string[] {
    return this.q.list().map((i) => i.runId);
  }

  /** Registers the runs in the Runs view and queues them; returns their ids. */
  enqueue(file: string, exp: ParsedExperiment): string[] {
    const ids = exp.runs.map((run) => this.s.registry.add(recordOf(file, exp, run)).id);
    this.q.enqueue(ids.map((runId, i) => ({ runId, experimentFile: file, slug: exp.runs[i].slug })));
    return ids;
  }

  /** Stops an experiment: waiting runs are marked stopped, training ones stop at their next batch. */
  stop(file: string): number {
    const waiting = this.q.cancelWaiting(file);
    for (const id of waiting) this.s.registry.setStatus(id, 'stopped');
    const active = this.s.registry.list().filter((r) => r.experiment?.file === file && (r.status === 'running' || r.status === 'paused'));
    for (const r of active) this.s.manager.stop(r.id);
    return waiting.length + active.length;
  }

  private onEvent(e: RunEvent): void {
    if (e.type === 'metrics') {
      const { type: _t, runId, ...row } = e;
      this.epochs.set(runId, [...(this.epochs.get(runId) ?? []), row]);
    } else if (e.type === 'done') {
      const r = this.s.registry.get(e.runId);
      if (r?.experiment) this.writeResult(r, { status: e.reason === 'completed' ? 'done' : 'stopped', history: e.history, checkpoint: r.checkpoint });
      this.epochs.delete(e.runId);
    }
  }

  private onRunChange(c: RunChange): void {
    const before = this.lastStatus.get(c.run.id);
    this.lastStatus.set(c.run.id, c.run.status);
    // A failed run (its error, or its process ending) gets a result too, with the epochs it finished.
    if (c.kind === 'updated' && c.run.status === 'failed' && before !== 'failed' && c.run.experiment && before !== undefined && before !== 'queued') {
      this.writeResult(c.run, { status: 'failed', history: this.epochs.get(c.run.id) ?? [], checkpoint: c.run.checkpoint, error: c.run.error });
    }
    this.q.changed();
  }

  private writeResult(r: RunRecord, outcome: RunOutcome): void {
    const link = r.experiment!;
    const dir = resultsDirFor(link.file);
    try {
      writeRunResult(dir, { ...link, label: r.name, index: 0, given: {} }, outcome);
      const text = readFileSync(link.file, 'utf8');
      const parsed = parseExperimentText(text, link.file).parsed;
      if (parsed) writeSummary(dir, parsed);
      else log(`${link.file} has problems now, so ${join(dir, 'summary.md')} was not rewritten after "${r.name}".`);
    } catch (err) {
      const msg = `Seqlab: the results of "${r.name}" could not be written to ${dir}: ${messageOf(err)}`;
      log(msg);
      void vscode.window.showErrorMessage(msg);
    }
  }

  dispose(): void {
    this.detach();
  }
}
