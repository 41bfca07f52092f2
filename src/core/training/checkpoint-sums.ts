/**
 * Checksums of every file in a checkpoint's epoch folder (config, vocabularies, tokenizer,
 * history, metadata, weights, optimizer state), in `checksums.json`. Weights already carried
 * their own SHA-256; the other files had none, so two swapped vocabulary tokens gave wrong text
 * with exit 0. Written last by writeCheckpoint, verified by readCheckpoint before anything of
 * the checkpoint is used, and per file by readCheckpointJson (for readers of a bare epoch folder).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeqlabError } from '../util/errors';

export const CHECKSUMS_FILE = 'checksums.json';
const FORMAT = 'seqlab-checksums';

interface ChecksumFile {
  format: typeof FORMAT;
  /** file name (relative to the epoch folder, `/`-separated) → SHA-256 hex */
  files: Record<string, string>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix ? `${prefix}/${entry}` : entry;
    if (rel === CHECKSUMS_FILE) continue;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** Records the SHA-256 of every file in `dir` (call after the last file is written). */
export function writeChecksums(dir: string): void {
  const files: Record<string, string> = {};
  for (const rel of listFiles(dir)) files[rel] = sha256(readFileSync(join(dir, rel)));
  const data: ChecksumFile = { format: FORMAT, files };
  writeFileSync(join(dir, CHECKSUMS_FILE), JSON.stringify(data, null, 1));
}

function readSums(dir: string): ChecksumFile | null {
  const path = join(dir, CHECKSUMS_FILE);
  if (!existsSync(path)) return null;
  let parsed: Partial<ChecksumFile> | null;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ChecksumFile> | null;
  } catch {
    throw new SeqlabError(`The checkpoint is corrupted: ${CHECKSUMS_FILE} is not valid JSON.`, 'checkpoint');
  }
  if (!parsed || parsed.format !== FORMAT || typeof parsed.files !== 'object' || parsed.files === null) {
    throw new SeqlabError(`The checkpoint is corrupted: ${CHECKSUMS_FILE} is not a checksum list.`, 'checkpoint');
  }
  return parsed as ChecksumFile;
}

function checkOne(dir: string, rel: string, expected: string): void {
  const path = join(dir, rel);
  if (!existsSync(path)) throw new SeqlabError(`The checkpoint is incomplete: ${rel} is missing.`, 'checkpoint');
  if (sha256(readFileSync(path)) !== expected) {
    throw new SeqlabError(`The checkpoint is corrupted: ${rel} does not match its checksum (it was changed after it was saved); train again or restore the file.`, 'checkpoint');
  }
}

/** Whether meta.json says the folder was saved with checksums (every save since they exist). */
function savedWithChecksums(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { checksums?: unknown } | null)?.checksums === true;
  } catch {
    return false;
  }
}

/**
 * Verifies every file of an epoch folder; refuses a changed, missing or extra file. A folder
 * without checksums (saved by a Seqlab before 0.2) still loads — its weights carry their own
 * SHA-256 — but never silently: the warning says its other files are unverified, and the next
 * save of that run writes the checksums. Returns that warning, or null.
 */
export function verifyChecksums(dir: string): string | null {
  const sums = readSums(dir);
  if (!sums && savedWithChecksums(dir)) throw new SeqlabError(`The checkpoint is corrupted: its ${CHECKSUMS_FILE} is missing, so its files cannot be verified; train again or restore the file.`, 'checkpoint');
  if (!sums) {
    const warning = `The checkpoint in ${dir} has no ${CHECKSUMS_FILE} (saved by an older Seqlab, or the file was deleted): its weights are verified, its vocabulary and config are not; the next save writes checksums.`;
    console.warn(`seqlab: warning: ${warning}`);
    return warning;
  }
  for (const [rel, expected] of Object.entries(sums.files)) checkOne(dir, rel, expected);
  const extra = listFiles(dir).filter((rel) => !(rel in sums.files));
  if (extra.length > 0) throw new SeqlabError(`The checkpoint is corrupted: ${extra[0]} was added after it was saved.`, 'checkpoint');
  return null;
}

/** Verifies one file when its folder has checksums (bare epoch folders read file by file). */
export function verifyChecksumOf(dir: string, rel: string): void {
  const sums = readSums(dir);
  const expected = sums?.files[rel];
  if (sums && expected === undefined) throw new SeqlabError(`The checkpoint is corrupted: ${rel} has no recorded checksum.`, 'checkpoint');
  if (expected !== undefined) checkOne(dir, rel, expected);
}
