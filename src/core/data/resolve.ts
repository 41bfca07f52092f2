import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { SeqlabError } from '../util/errors';
import { writeFileAtomic } from '../util/fs';
import { DATASETS, type DatasetEntry } from './registry';

export interface ResolveOptions {
  /** `seqlab.dataDirectory` setting; falls back to SEQLAB_DATA_DIR. */
  dataDirectory?: string;
  /** The data folder bundled into the packaged extension. */
  bundledDirectory?: string;
  /** The user's cache (global storage); downloads land here. */
  cacheDirectory?: string;
  /** Download as the last resort (default true when a cache directory is given). */
  allowDownload?: boolean;
  /** Replaceable for tests; must reject rather than hang. */
  fetchBytes?: (url: string, timeoutMs: number) => Promise<Uint8Array>;
  downloadTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

export interface ResolvedDataset {
  path: string;
  source: 'setting' | 'environment' | 'bundled' | 'cache' | 'download';
}

export const sha1 = (bytes: Uint8Array | string) => createHash('sha1').update(bytes).digest('hex');

/**
 * Finds a data set in the order users expect: their own folder, the copy bundled into the
 * extension, the cache, and only then the network, verified by the textbook's checksum.
 */
export async function resolveDataset(name: DatasetEntry['name'], opts: ResolveOptions = {}): Promise<ResolvedDataset> {
  const entry = DATASETS[name];
  const candidates: [string | undefined, ResolvedDataset['source']][] = [
    [opts.dataDirectory || undefined, 'setting'],
    [process.env.SEQLAB_DATA_DIR || undefined, 'environment'],
    [opts.bundledDirectory, 'bundled'],
    [opts.cacheDirectory, 'cache'],
  ];
  for (const [dir, source] of candidates) {
    if (dir && existsSync(join(dir, entry.file))) return { path: join(dir, entry.file), source };
  }
  const where = candidates
    .map(([d]) => d)
    .filter(Boolean)
    .join(', ');
  const allowDownload = opts.allowDownload ?? Boolean(opts.cacheDirectory);
  if (!allowDownload || !opts.cacheDirectory) {
    throw new SeqlabError(
      `The data set "${name}" was not found. Put ${entry.file} into a folder and point the seqlab.dataDirectory setting or SEQLAB_DATA_DIR at it` +
        (where ? ` (looked in: ${where}).` : '.'),
      'data-missing',
    );
  }
  return { path: await downloadDataset(entry, opts.cacheDirectory, opts), source: 'download' };
}

async function downloadDataset(entry: DatasetEntry, cacheDir: string, opts: ResolveOptions): Promise<string> {
  const fetchBytes = opts.fetchBytes ?? defaultFetchBytes;
  opts.onProgress?.(`Downloading ${entry.url}`);
  let body: Uint8Array;
  try {
    body = await fetchBytes(entry.url, opts.downloadTimeoutMs ?? 60_000);
  } catch (err) {
    throw new SeqlabError(
      `Could not download the data set "${entry.name}" (${(err as Error).message}). Offline? Put ${entry.file} into ${cacheDir} or a folder named by the seqlab.dataDirectory setting.`,
      'data-missing',
    );
  }
  if (sha1(body) !== entry.sha1) {
    throw new SeqlabError(`The download of "${entry.name}" is corrupt (SHA-1 mismatch); nothing was saved. Try again, or put ${entry.file} into ${cacheDir}.`, 'data-corrupt');
  }
  let content: Uint8Array = body;
  if (entry.archiveMember) {
    const files = unzipSync(body, { filter: (f) => f.name === entry.archiveMember });
    const member = files[entry.archiveMember];
    if (!member) throw new SeqlabError(`The archive for "${entry.name}" has no ${entry.archiveMember}.`, 'data-corrupt');
    content = member;
  }
  mkdirSync(cacheDir, { recursive: true });
  const target = join(cacheDir, entry.file);
  writeFileAtomic(target, content);
  return target;
}

async function defaultFetchBytes(url: string, timeoutMs: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Checks a local copy against the textbook's checksum (used by packaging and `corpus-stats`). */
export function verifyDatasetFile(name: DatasetEntry['name'], path: string): boolean {
  return sha1(readFileSync(path)) === DATASETS[name].fileSha1;
}
