/**
 * The folder a training run writes its checkpoints to (`--out DIR`), checked before anything
 * trains: a path that is a file, a folder that cannot be created, a folder that already holds
 * a checkpoint (continue it with --resume or replace it with --force; train-lm and train-mt
 * share this one check), and a folder another live run is writing.
 *
 * The lock is `DIR/.seqlab-lock` holding the owner's pid, created exclusively (O_EXCL). A lock
 * whose pid no longer runs is stale (its run was killed) and is taken over, with a note.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SeqlabError } from '../util/errors';
import { isStale, readLockInfo, releaseLock, tryCreateLock } from '../util/pid-lock';
import { hasCheckpoint, readCheckpoint } from './checkpoint';

export const LOCK_FILE = '.seqlab-lock';

export interface DirLock {
  /** Removes the lock if this process still owns it (idempotent). */
  release(): void;
}

/**
 * Takes the writer lock of `dir` for this process, or refuses with one sentence naming the
 * owner. `notes` receives what the user should know (a stale lock taken over).
 */
export function lockDir(dir: string, notes: string[] = [], what = 'run'): DirLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let created: boolean;
    try {
      created = tryCreateLock(path);
    } catch (err) {
      throw new SeqlabError(`Cannot write to ${dir} (${(err as Error).message}).`, 'checkpoint');
    }
    if (created) return { release: () => releaseLock(path) };
    const owner = readLockInfo(path);
    if (owner && !isStale(owner) && owner.host === hostname()) {
      throw new SeqlabError(`${dir} is in use by another ${what} (pid ${owner.pid}, started ${owner.started}); wait for it to end, stop it, or choose another folder.`, 'locked');
    }
    if (owner && owner.host !== hostname()) {
      throw new SeqlabError(`${dir} is in use by a ${what} on ${owner.host} (pid ${owner.pid}); if that run is gone, delete ${path}.`, 'locked');
    }
    // Stale: its owner is dead (killed). Remove and try again; a racing taker wins by O_EXCL.
    notes.push(`Took over the lock of ${dir} from a ${what} that is no longer running${owner ? ` (pid ${owner.pid})` : ''}.`);
    rmSync(path, { force: true });
  }
  throw new SeqlabError(`${dir} is being taken by another ${what} at this moment; try again.`, 'locked');
}

export interface OutDirOptions {
  resume: boolean;
  force: boolean;
  /** what the notes and errors call a run, e.g. "training run" */
  what?: string;
}

/**
 * Checks and locks a training command's `--out` folder before any training: refuses a file, a
 * folder that cannot be created, and (without --resume or --force) a folder holding a checkpoint.
 * The lock is released by `release()` or when the process exits.
 */
export function prepareOutDir(dir: string, opts: OutDirOptions, notes: string[] = []): DirLock {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SeqlabError(`--out ${dir} is a file; checkpoints need a folder.`, 'usage');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new SeqlabError(`Cannot create the checkpoint folder ${dir} (${(err as Error).message}).`, 'checkpoint');
  }
  const lock = lockDir(dir, notes, opts.what ?? 'training run');
  try {
    if (opts.resume && !hasCheckpoint(dir)) throw new SeqlabError(`There is no checkpoint to resume in ${dir}.`, 'checkpoint');
    if (!opts.resume && hasCheckpoint(dir)) {
      let epoch = '';
      try {
        epoch = ` (epoch ${readCheckpoint(dir).epoch})`;
      } catch {
        /* unreadable: still a checkpoint folder the user may want */
      }
      if (!opts.force) throw new SeqlabError(`${dir} already holds a checkpoint${epoch}; pass --resume to continue it, --force to replace it, or choose another --out folder.`, 'checkpoint');
      notes.push(`--force: the checkpoint${epoch} in ${dir} is replaced when this run saves its first checkpoint.`);
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  const onExit = () => lock.release();
  process.once('exit', onExit);
  return {
    release: () => {
      process.removeListener('exit', onExit);
      lock.release();
    },
  };
}
