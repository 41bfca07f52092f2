/**
 * Lock files that name their owner: `{pid, host, started}` created exclusively (O_EXCL), so
 * exactly one process holds one; a lock whose pid no longer runs on this host is stale (its
 * owner was killed) and may be taken over. Used for a training run's `--out` folder
 * (../training/out-dir.ts) and for the extension's runs.json writers.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { SeqlabError } from './errors';

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLockInfo(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number' ? { pid: v.pid, host: String(v.host ?? ''), started: String(v.started ?? '') } : null;
  } catch {
    return null; // missing, half-written or unreadable
  }
}

/** A lock held by a process that no longer runs here (or unreadable: its writer died mid-write). */
export function isStale(info: LockInfo | null): boolean {
  return !info || (info.host === hostname() && !pidAlive(info.pid));
}

/**
 * Creates the lock for this process; false when it exists already. The contents are written to
 * a private file first and hard-linked into place (atomic, fails if the name exists), so a
 * reader never sees an empty lock and mistakes it for a stale one.
 */
export function tryCreateLock(path: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  writeFileSync(tmp, JSON.stringify(info));
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes the lock if this process owns it. */
export function releaseLock(path: string): void {
  if (readLockInfo(path)?.pid === process.pid) rmSync(path, { force: true });
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `fn` while holding the lock at `path`: waits (up to `timeoutMs`) while a live process
 * holds it, takes a stale one over. For short critical sections such as read–merge–write.
 */
export function withFileLock<T>(path: string, fn: () => T, timeoutMs = 5000): T {
  const deadline = Date.now() + timeoutMs;
  while (!tryCreateLock(path)) {
    // A just-created lock may not have its contents yet: give its writer a moment before calling it stale.
    const info = readLockInfo(path);
    if (info && isStale(info)) rmSync(path, { force: true });
    else if (Date.now() > deadline) {
      throw new SeqlabError(`${path} has been locked by process ${info?.pid ?? '?'} for over ${timeoutMs / 1000} s; if no Seqlab window is busy, delete it.`, 'locked');
    } else pause(5);
  }
  try {
    return fn();
  } finally {
    releaseLock(path);
  }
}
