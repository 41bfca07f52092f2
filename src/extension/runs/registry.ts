/**
 * The run registry: every training run with its settings, status, metrics history and last
 * checkpoint, kept in `runs.json` in the extension's global storage (written atomically), so
 * runs reappear after a window reload. No `vscode` here: unit tests drive it directly.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SeqlabError } from '../../core/util/errors';
import { writeFileAtomic } from '../../core/util/fs';
import { MAX_SAMPLES, RunRegistryFile, RunRecord, type MetricPoint, type RunStatus } from '../../protocol/runs';

export type RunChange = { kind: 'added' | 'updated' | 'deleted'; run: RunRecord };

export class RunRegistry {
  private runs = new Map<string, RunRecord>();
  private listeners: ((c: RunChange) => void)[] = [];
  /** Problems met while loading (a corrupt file is kept aside, never silently dropped). */
  readonly loadWarnings: string[] = [];

  constructor(
    readonly dir: string,
    /** Whether a training process is training the run right now (so a reload does not mark it interrupted). */
    private readonly isLive: (id: string) => boolean = () => false,
  ) {
    mkdirSync(dir, { recursive: true });
    this.load();
  }

  get file(): string {
    return join(this.dir, 'runs.json');
  }

  checkpointDir(id: string): string {
    return join(this.dir, 'checkpoints', id);
  }

  /** Re-reads runs.json (Refresh; a window reload does the same through the constructor). */
  reload(): void {
    this.runs.clear();
    this.load();
    for (const run of this.runs.values()) this.emit({ kind: 'updated', run });
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      this.quarantine(`runs.json is not valid JSON (${(err as Error).message})`);
      return;
    }
    const parsed = RunRegistryFile.safeParse(raw);
    if (!parsed.success) {
      // Keep whichever runs still validate; set the rest aside in the backup.
      const list = Array.isArray((raw as { runs?: unknown })?.runs) ? ((raw as { runs: unknown[] }).runs) : [];
      const good = list.map((r) => RunRecord.safeParse(r)).filter((r) => r.success).map((r) => r.data!);
      this.quarantine(`runs.json had ${list.length - good.length} unreadable run(s)`);
      for (const r of good) this.runs.set(r.id, r);
      this.save();
    } else {
      for (const r of parsed.data.runs) this.runs.set(r.id, r);
    }
    // A run that was training when the window closed has no training process any more.
    for (const r of this.runs.values()) {
      if ((r.status === 'running' || r.status === 'paused' || r.status === 'queued') && !this.isLive(r.id)) {
        this.runs.set(r.id, { ...r, status: 'interrupted', updated: Date.now() });
      }
    }
    this.save();
  }

  private quarantine(why: string): void {
    const backup = `${this.file}.corrupt-${Date.now()}`;
    writeFileAtomic(backup, readFileSync(this.file));
    this.loadWarnings.push(`${why}; a copy was kept at ${backup}.`);
  }

  private save(): void {
    const data: RunRegistryFile = { version: 1, runs: [...this.runs.values()] };
    writeFileAtomic(this.file, JSON.stringify(data, null, 1));
  }

  onChange(fn: (c: RunChange) => void): { dispose(): void } {
    this.listeners.push(fn);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== fn)) };
  }

  private emit(c: RunChange): void {
    for (const l of this.listeners) l(c);
  }

  list(): RunRecord[] {
    return [...this.runs.values()].sort((a, b) => b.created - a.created);
  }

  get(id: string): RunRecord | undefined {
    return this.runs.get(id);
  }

  require(id: string): RunRecord {
    const r = this.runs.get(id);
    if (!r) throw new SeqlabError(`The run ${id} no longer exists (it was deleted).`, 'run-missing');
    return r;
  }

  add(init: Omit<RunRecord, 'id' | 'created' | 'updated' | 'status' | 'epoch' | 'latest' | 'history' | 'samples' | 'checkpoint' | 'error' | 'engine'> & { id?: string }): RunRecord {
    const now = Date.now();
    const id = init.id ?? `${init.model.cell}-${now.toString(36)}-${randomBytes(2).toString('hex')}`;
    const run = RunRecord.parse({ ...init, id, created: now, updated: now, status: 'queued', epoch: 0, latest: null, history: [], samples: [], checkpoint: null, error: null, engine: null });
    this.runs.set(id, run);
    this.save();
    this.emit({ kind: 'added', run });
    return run;
  }

  update(id: string, patch: Partial<Omit<RunRecord, 'id'>>): RunRecord | undefined {
    const cur = this.runs.get(id);
    if (!cur) return undefined; // deleted meanwhile: late events are dropped
    const run = { ...cur, ...patch, updated: Date.now() };
    this.runs.set(id, run);
    this.save();
    this.emit({ kind: 'updated', run });
    return run;
  }

  setStatus(id: string, status: RunStatus, error: string | null = null): RunRecord | undefined {
    return this.update(id, { status, error });
  }

  /** One epoch's metrics: appended (or replacing the same epoch after a resume). */
  addMetrics(id: string, point: MetricPoint): RunRecord | undefined {
    const cur = this.runs.get(id);
    if (!cur) return undefined;
    const history = cur.history.filter((p) => p.epoch !== point.epoch).concat(point).sort((a, b) => a.epoch - b.epoch);
    const latest = point.valid ?? point.train ?? cur.latest;
    return this.update(id, { history, epoch: Math.max(cur.epoch, point.epoch), latest });
  }

  addSample(id: string, epoch: number, text: string, lead?: number): RunRecord | undefined {
    const cur = this.runs.get(id);
    if (!cur) return undefined;
    return this.update(id, { samples: [...cur.samples, { epoch, text, ...(lead !== undefined ? { lead } : {}) }].slice(-MAX_SAMPLES) });
  }

  /** Removes the run and its checkpoints. */
  delete(id: string): RunRecord | undefined {
    const run = this.runs.get(id);
    if (!run) return undefined;
    this.runs.delete(id);
    this.save();
    rmSync(this.checkpointDir(id), { recursive: true, force: true });
    this.emit({ kind: 'deleted', run });
    return run;
  }
}
