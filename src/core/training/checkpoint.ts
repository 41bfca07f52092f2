/**
 * Checkpoint folders, for any job. Layout of a checkpoint folder DIR:
 *
 *   DIR/checkpoint.json        pointer: {format, version, job, epoch, current: "epoch-000012"}
 *   DIR/epoch-000012/          the saved state (only the newest is kept)
 *     meta.json                {job, epoch, savedAt}
 *     history.json             metrics history, one row per finished epoch
 *     config.json, vocab.json  written by the job
 *     weights.json, weights.bin   tensors: manifest (names, shapes, offsets, sha256) + float32 data
 *     optimizer.json, optimizer.bin   optimizer state, when the optimizer has one (Adam)
 *     checksums.json           SHA-256 of every file above, verified on every read (./checkpoint-sums.ts)
 *
 * A save writes a fresh folder under a temporary name, renames it into place, then replaces
 * the pointer with writeFileAtomic (temp + rename). A crash or stop at any moment leaves the
 * previous pointer and its folder intact, so the last checkpoint is always readable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeqlabError } from '../util/errors';
import { writeFileAtomic } from '../util/fs';
import type { EpochMetrics } from '../../protocol/training';
import { verifyChecksumOf, verifyChecksums, writeChecksums } from './checkpoint-sums';
import { isSelected, kernelInfo, PATH_ORDER } from '../kernels/select';
import type { KernelPath } from '../kernels/types';

export const CHECKPOINT_FORMAT = 'seqlab-checkpoint';
export const CHECKPOINT_VERSION = 1;
const POINTER = 'checkpoint.json';

export interface CheckpointPointer {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  job: string;
  epoch: number;
  current: string;
}

export interface LoadedCheckpoint {
  /** The folder holding this checkpoint's files (DIR/epoch-…). */
  dir: string;
  job: string;
  epoch: number;
  history: EpochMetrics[];
  /** the fused-kernel path it was trained on (meta.json); null when it does not say (older Seqlab, or not fused) */
  kernelPath: KernelPath | null;
}

/**
 * Saves a checkpoint: `writeFiles(dir)` writes the job's files into an empty folder; the
 * history and metadata are added here. Returns the folder of the new checkpoint.
 */
export function writeCheckpoint(root: string, job: string, epoch: number, history: EpochMetrics[], writeFiles: (dir: string) => void): string {
  try {
    mkdirSync(root, { recursive: true });
  } catch (err) {
    throw new SeqlabError(`Cannot create the checkpoint folder ${root} (${(err as Error).message}).`, 'checkpoint');
  }
  if (!statSync(root).isDirectory()) throw new SeqlabError(`${root} is a file; checkpoints need a folder.`, 'checkpoint');
  const hadCheckpoint = hasCheckpoint(root);
  const name = `epoch-${String(epoch).padStart(6, '0')}`;
  const tmp = join(root, `.tmp-${name}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    writeFiles(tmp);
    writeFileSync(join(tmp, 'history.json'), JSON.stringify(history));
    // the kernel path it trained on: a resume asks for the same one (bit-exact only there);
    // `checksums: true` tells a deleted checksums.json from a checkpoint saved before they existed
    writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ job, epoch, savedAt: new Date().toISOString(), kernelPath: isSelected() ? kernelInfo().path : undefined, checksums: true }));
    writeChecksums(tmp);
    const final = join(root, name);
    // Re-saving the same epoch (e.g. the end of a run that just saved) replaces it; the old
    // pointer keeps naming a readable folder until the new pointer is in place.
    const old = existsSync(final) ? join(root, `.old-${name}-${randomBytes(4).toString('hex')}`) : null;
    if (old) renameSync(final, old);
    renameSync(tmp, final);
    const pointer: CheckpointPointer = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, job, epoch, current: name };
    writeFileAtomic(join(root, POINTER), JSON.stringify(pointer, null, 2));
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof SeqlabError) throw err;
    throw new SeqlabError(`Saving the checkpoint in ${root} failed (${(err as Error).message}); ${hadCheckpoint ? 'the previous checkpoint is unchanged' : 'no checkpoint was saved'}.`, 'checkpoint');
  }
  // Older checkpoints and leftovers of interrupted saves.
  for (const entry of readdirSync(root)) {
    if (entry !== name && (/^epoch-\d+$/.test(entry) || entry.startsWith('.tmp-') || entry.startsWith('.old-'))) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
  return join(root, name);
}

export function hasCheckpoint(root: string): boolean {
  return existsSync(join(root, POINTER));
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new SeqlabError(`The checkpoint is incomplete: ${what} is missing.`, 'checkpoint');
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SeqlabError(`The checkpoint is corrupted: ${what} is not valid JSON.`, 'checkpoint');
  }
}

/** Reads the pointer and metadata of a checkpoint folder; `expectJob` refuses other jobs' checkpoints. */
export function readCheckpoint(root: string, expectJob?: string): LoadedCheckpoint {
  if (!existsSync(root)) throw new SeqlabError(`There is no checkpoint folder ${root}.`, 'checkpoint');
  const pointerPath = join(root, POINTER);
  if (!existsSync(pointerPath)) throw new SeqlabError(`${root} holds no Seqlab checkpoint (no ${POINTER}).`, 'checkpoint');
  const p = readJson(pointerPath, POINTER) as Partial<CheckpointPointer> | null;
  if (!p || p.format !== CHECKPOINT_FORMAT || typeof p.current !== 'string' || typeof p.job !== 'string') {
    throw new SeqlabError(`${join(root, POINTER)} is not a Seqlab checkpoint pointer.`, 'checkpoint');
  }
  if (p.version !== CHECKPOINT_VERSION) throw new SeqlabError(`The checkpoint has format version ${p.version}; this Seqlab reads version ${CHECKPOINT_VERSION}.`, 'checkpoint');
  if (expectJob && p.job !== expectJob) throw new SeqlabError(`The checkpoint in ${root} was written by a "${p.job}" job, not a "${expectJob}" job.`, 'checkpoint');
  const dir = join(root, p.current);
  if (!/^epoch-\d+$/.test(p.current) || !existsSync(dir)) throw new SeqlabError(`The checkpoint is incomplete: its folder ${p.current} is missing.`, 'checkpoint');
  verifyChecksums(dir);
  const history = readJson(join(dir, 'history.json'), 'history.json');
  if (!Array.isArray(history)) throw new SeqlabError('The checkpoint is corrupted: history.json is not a list.', 'checkpoint');
  let kernelPath: KernelPath | null = null;
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { kernelPath?: unknown };
    if (PATH_ORDER.includes(meta.kernelPath as KernelPath)) kernelPath = meta.kernelPath as KernelPath;
  } catch {
    /* meta.json is informational; without it the path is unknown */
  }
  return { dir, job: p.job, epoch: Number(p.epoch), history: history as EpochMetrics[], kernelPath };
}

// ---------------------------------------------------------------- tensors

interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}
interface WeightManifest {
  format: 'seqlab-weights';
  entries: WeightEntry[];
  bytes: number;
  sha256: string;
}

/** Writes named float32 tensors as <base>.json (manifest) + <base>.bin (data); base defaults to "weights". */
export function saveTensors(dir: string, tensors: Record<string, tf.Tensor>, base = 'weights'): void {
  const entries: WeightEntry[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(tensors)) {
    entries.push({ name, shape: t.shape.slice(), offset: total });
    total += t.size;
  }
  const data = new Float32Array(total);
  for (const e of entries) data.set(tensors[e.name].dataSync() as Float32Array, e.offset);
  const bytes = new Uint8Array(data.buffer);
  const manifest: WeightManifest = { format: 'seqlab-weights', entries, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  writeFileSync(join(dir, `${base}.bin`), bytes);
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(manifest));
}

/** Reads weights written by saveTensors as plain arrays (the caller makes tensors/variables). */
export function loadTensors(dir: string, base = 'weights'): Map<string, { shape: number[]; data: Float32Array }> {
  const m = readJson(join(dir, `${base}.json`), `${base}.json`) as Partial<WeightManifest> | null;
  if (!m || m.format !== 'seqlab-weights' || !Array.isArray(m.entries)) throw new SeqlabError(`The checkpoint is corrupted: ${base}.json is not a weight manifest.`, 'checkpoint');
  const binPath = join(dir, `${base}.bin`);
  if (!existsSync(binPath)) throw new SeqlabError(`The checkpoint is incomplete: ${base}.bin is missing.`, 'checkpoint');
  const buf = readFileSync(binPath);
  if (buf.length !== m.bytes || createHash('sha256').update(buf).digest('hex') !== m.sha256) {
    throw new SeqlabError(`The checkpoint is corrupted: ${base}.bin does not match its checksum.`, 'checkpoint');
  }
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of m.entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + size > all.length) throw new SeqlabError(`The checkpoint is corrupted: ${e.name} lies outside ${base}.bin.`, 'checkpoint');
    out.set(e.name, { shape: e.shape, data: all.slice(e.offset, e.offset + size) });
  }
  return out;
}

export function writeJson(dir: string, file: string, value: unknown): void {
  writeFileSync(join(dir, file), JSON.stringify(value, null, 2));
}

export function readCheckpointJson(dir: string, file: string): unknown {
  verifyChecksumOf(dir, file);
  return readJson(join(dir, file), file);
}
