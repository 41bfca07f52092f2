/**
 * The run registry: every training run with its settings, status, metrics history and last
 * checkpoint, kept in `runs.json` in the extension's global storage (written atomically), so
 * runs reappear after a window reload. No `vscode` here: unit tests drive it directly.
 *
 * Several windows share the file. Every save holds `runs.json.lock` (owner pid, stale locks of
 * dead windows taken over), re-reads the file and merges per run: the newer `updated` wins,
 * runs another window added are adopted, runs another window deleted are dropped. A window
 * that trains a run marks it in `live/<id>.json` with its pid, so another window's load does
 * not mark that run interrupted while its owner lives.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SeqlabError } from '../../core/util/errors';
import { writeFileAtomic } from '../../core/util/fs';
import { isStale, readLockInfo, withFileLock, type LockInfo } from '../../core/util/pid-lock';
import { MAX_SAMPLES, RunRegistryFile, RunRecord, type MetricPoint, type RunStatus } from '../../protocol/runs';

export type RunChange = { kind: 'added' | 'updated' | 'deleted'; run: RunRecord };

export class RunRegistry {
  private runs = new Map<string, RunRecord>();
  /** Ids this window saw in runs.json at its last read or write (to tell "deleted elsewhere" from "new here"). */
  private known = new Set<string>();
  /** Ids this window deleted, until its next save has removed them from the file. */
  private deleted = new Set<string>();
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

  private liveFile(id: string): string {
    return join(this.dir, 'live', `${id}.json`);
  }

  /** Whether another process (another window) is training the run right now. */
  private liveElsewhere(id: string): boolean {
    const info = readLockInfo(this.liveFile(id));
    return Boolean(info && info.pid !== process.pid && !isStale(info));
  }

  /** Keeps `live/<id>.json` in step with the run's status: present while this window trains it. */
  private markLive(id: string, status: RunStatus | undefined): void {
    if (status === undefined) return;
    const path = this.liveFile(id);
    if (status === 'running' || status === 'paused' || status === 'queued') {
      mkdirSync(join(this.dir, 'live'), { recursive: true });
      const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
      writeFileAtomic(path, JSON.stringify(info));
    } else if (readLockInfo(path)?.pid === process.pid || isStale(readLockInfo(path))) {
      rmSync(path, { force: true });
    }
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
    this.known = new Set(this.runs.keys());
    // A run that was training when the window closed has no training process any more (unless
    // another window is training it: its live marker names a live pid).
    for (const r of this.runs.values()) {
      if ((r.status === 'running' || r.status === 'paused' || r.status === 'queued') && !this.isLive(r.id) && !this.liveElsewhere(r.id)) {
        this.runs.set(r.id, { ...r, status: 'interrupted', updated: Date.now() });
        this.markLive(r.id, 'interrupted');
      }
    }
    this.save();
  }

  private quarantine(why: string): void {
    const backup = `${this.file}.corrupt-${Date.now()}`;
    writeFileAtomic(backup, readFileSync(this.file));
    this.loadWarnings.push(`${why}; a copy was kept at ${backup}.`);
  }

  /** Reads the runs that validate in runs.json (for merging; a corrupt file was set aside at load). */
  private readDisk(): Map<string, RunRecord> {
    const out = new Map<string, RunRecord>();
    if (!existsSync(this.file)) return out;
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as { runs?: unknown };
      for (const r of Array.isArray(raw?.runs) ? raw.runs : []) {
        const p = RunRecord.safeParse(r);
        if (p.success) out.set(p.data.id, p.data);
      }
    } catch {
      /* half-written by a crashed older build: this save rewrites it from memory */
    }
    return out;
  }

  private save(): void {
    withFileLock(`${this.file}.lock`, () => {
      const disk = this.readDisk();
      const changes: RunChange[] = [];
      for (const [id, d] of disk) {
        if (this.deleted.has(id)) continue;
        const mine = this.runs.get(id);
        if (!mine) {
          // Added by another window, or deleted here before that window saved it again.
          this.runs.set(id, d);
          changes.push({ kind: 'added', run: d });
        } else if (d.updated > mine.updated) {
          this.runs.set(id, d);
          changes.push({ kind: 'updated', run: d });
        }
      }
      for (const [id, r] of [...this.runs]) {
        if (!disk.has(id) && this.known.has(id)) {
          // Deleted by another window since we last looked.
          this.runs.delete(id);
          changes.push({ kind: 'deleted', run: r });
        }
      }
      const data: RunRegistryFile = { version: 1, runs: [...this.runs.values()] };
      writeFileAtomic(this.file, JSON.stringify(data, null, 1));
      this.known = new Set(this.runs.keys());
      this.deleted.clear();
      for (const c of changes) this.emit(c);
    });
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
    // Queued counts as live: another window opening now must not mark it interrupted.
    this.markLive(id, 'queued');
    this.save();
    this.emit({ kind: 'added', run });
    return run;
  }

  update(id: string, patch: Partial<Omit<RunRecord, 'id'>>): RunRecord | undefined {
    const cur = this.runs.get(id);
    if (!cur) return undefined; // deleted meanwhile: late events are dropped
    // Strictly newer than any copy another window wrote, so the merge keeps this one.
    const run = { ...cur, ...patch, updated: Math.max(Date.now(), cur.updated + 1) };
    this.runs.set(id, run);
    this.markLive(id, patch.status);
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
    this.deleted.add(id);
    this.save();
    rmSync(this.liveFile(id), { force: true });
    rmSync(this.checkpointDir(id), { recursive: true, force: true });
    this.emit({ kind: 'deleted', run });
    return run;
  }
}
