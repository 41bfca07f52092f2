/**
 * The experiment run queue: runs start in the order they were queued, at most `concurrency` at
 * a time (default 1: two cores train one run well, two runs badly). The queue holds no run state
 * of its own; it asks `state(id)` (the Runs registry in the extension), so a run stopped,
 * deleted or failed anywhere simply leaves it. Its item list is saved on every change; a queue
 * created from the saved list after a window reload carries on where the old one was — a run
 * that was training then is "waiting" again (interrupted) and continues from its checkpoint.
 * No `vscode` here: the unit tests drive it with fake runs.
 */
import { z } from 'zod';

export const QueueItem = z.object({
  runId: z.string(),
  /** The experiment file the run came from, and the run's folder name in its results. */
  experimentFile: z.string(),
  slug: z.string(),
});
export type QueueItem = z.infer<typeof QueueItem>;

export const QueueState = z.object({ version: z.literal(1), items: z.array(QueueItem) });
export type QueueState = z.infer<typeof QueueState>;

/** waiting = may start; active = training (or paused), holds a slot; ended = leaves the queue. */
export type QueuedRunState = 'waiting' | 'active' | 'ended';

export interface QueueDeps {
  concurrency(): number;
  state(runId: string): QueuedRunState;
  /** Starts (or resumes) the run; rejects when it cannot start. */
  start(runId: string): Promise<void>;
  /** A start that failed; the run leaves the queue (the caller shows and records why). */
  failed(runId: string, err: unknown): void;
  save(state: QueueState): void;
}

export class RunQueue {
  private items: QueueItem[];
  /** Started, but `start` has not resolved yet: counts as active. */
  private readonly starting = new Set<string>();
  /** Started by this queue: never started twice (a reload's new queue restarts interrupted runs). */
  private readonly started = new Set<string>();
  private closed = false;

  constructor(
    private readonly deps: QueueDeps,
    saved?: QueueState,
  ) {
    this.items = [...(saved?.items ?? [])];
  }

  /** Items not yet ended, in queue order. */
  list(): readonly QueueItem[] {
    return this.items;
  }

  enqueue(items: readonly QueueItem[]): void {
    const known = new Set(this.items.map((i) => i.runId));
    this.items.push(...items.filter((i) => !known.has(i.runId)));
    this.save();
    this.pump();
  }

  /** Removes waiting runs (of one experiment file, or all); returns their ids. Active runs go on. */
  cancelWaiting(experimentFile?: string): string[] {
    const drop = this.items.filter((i) => (experimentFile === undefined || i.experimentFile === experimentFile) && !this.starting.has(i.runId) && this.deps.state(i.runId) === 'waiting');
    this.items = this.items.filter((i) => !drop.includes(i));
    this.save();
    return drop.map((i) => i.runId);
  }

  /** The queue starts nothing more (a closing window); starts under way finish, the saved list stays. */
  close(): void {
    this.closed = true;
  }

  /** Call after any run changed state: drops ended runs, starts waiting ones into free slots. */
  changed(): void {
    this.pump();
  }

  private save(): void {
    if (!this.closed) this.deps.save({ version: 1, items: this.items });
  }

  private pump(): void {
    if (this.closed) return;
    const before = this.items.length;
    this.items = this.items.filter((i) => this.starting.has(i.runId) || this.deps.state(i.runId) !== 'ended');
    if (this.items.length !== before) this.save();
    const limit = Math.max(1, Math.floor(this.deps.concurrency()));
    let active = this.items.filter((i) => this.starting.has(i.runId) || this.deps.state(i.runId) === 'active').length;
    for (const item of this.items) {
      if (active >= limit) break;
      if (this.started.has(item.runId) || this.deps.state(item.runId) !== 'waiting') continue;
      active++;
      this.started.add(item.runId);
      this.starting.add(item.runId);
      this.deps
        .start(item.runId)
        .then(() => {
          if (this.deps.state(item.runId) === 'waiting') throw new Error(`The run ${item.runId} was started but did not begin training.`);
        })
        .catch((err: unknown) => {
          this.items = this.items.filter((i) => i.runId !== item.runId);
          this.save();
          this.deps.failed(item.runId, err);
        })
        .finally(() => {
          this.starting.delete(item.runId);
          this.pump();
        });
    }
  }
}
