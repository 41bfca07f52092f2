/**
 * Import and export as files: `seqlab import` / `seqlab export` and the extension's commands.
 *
 * Import: model.safetensors + vocab.json (d2l's `vocab.idx_to_token` as a JSON list) → a Seqlab
 * checkpoint folder every command takes. Export: a checkpoint → model.safetensors (PyTorch's
 * names), vocab.json, corpus.txt (the run's text) and a standalone train.py (./train-script.ts).
 * Both write everything into a temporary folder beside the target and rename it at the end, so
 * a failure leaves nothing half-written.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadCorpusText } from '../data/corpus';
import type { ResolveOptions } from '../data/resolve';
import { RecurrentLM } from '../models/rnn-lm';
import { Vocab } from '../text/vocab';
import { writeCheckpoint, writeJson } from '../training/checkpoint';
import { LM_JOB, loadLMCheckpoint, saveLMFiles } from '../training/lm-job';
import { TextCodec } from '../training/lm-data';
import type { EpochMetrics } from '../../protocol/training';
import { SeqlabError } from '../util/errors';
import { exportMetadata, exportTorchLM, importTorchLM, type LMImportOptions, type TorchLM } from './lm-interop';
import { parseSafetensors, serializeSafetensors, type NamedArray } from './safetensors';
import { trainScript } from './train-script';

/** Files an export writes (and train.py reads). */
export const EXPORT_FILES = { weights: 'model.safetensors', vocab: 'vocab.json', corpus: 'corpus.txt', script: 'train.py', config: 'seqlab-run.json' } as const;

/** Reads d2l's `vocab.idx_to_token` list (or a Seqlab vocabulary) from a JSON file. */
export function readTokenList(path: string): string[] {
  if (!existsSync(path)) throw new SeqlabError(`There is no vocabulary file ${path}.`, 'interop');
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SeqlabError(`${basename(path)} is not JSON; it should be d2l's vocab.idx_to_token as a JSON list.`, 'interop');
  }
  const list = Array.isArray(j) ? j : (j as { idxToToken?: unknown } | null)?.idxToToken;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) {
    throw new SeqlabError(`${basename(path)} is not a list of tokens; it should be d2l's vocab.idx_to_token as a JSON list.`, 'interop');
  }
  if (!list.includes('<unk>')) throw new SeqlabError(`${basename(path)} has no <unk> token; d2l's Vocab always has one.`, 'interop');
  const seen = new Set<string>();
  for (const t of list as string[]) {
    if (seen.has(t)) throw new SeqlabError(`${basename(path)} lists the token ${JSON.stringify(t)} twice.`, 'interop');
    seen.add(t);
  }
  return list as string[];
}

/** Reads a safetensors file with one sentence for a missing, unreadable or malformed file. */
export function readSafetensorsFile(path: string) {
  if (!existsSync(path) || !statSync(path).isFile()) throw new SeqlabError(`There is no weights file ${path}.`, 'interop');
  return parseSafetensors(readFileSync(path), basename(path));
}

/**
 * Fills a fresh folder that appears at `out` only when `fill` succeeded. `out` must not exist
 * or be an empty folder.
 */
export function writeFolderAtomic(out: string, fill: (tmp: string) => void): void {
  const target = resolve(out);
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw new SeqlabError(`${out} already exists and is not an empty folder; choose a new one.`, 'interop');
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    fill(tmp);
    if (existsSync(target)) rmdirSync(target);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof SeqlabError) throw err;
    throw new SeqlabError(`Writing ${out} failed (${(err as Error).message}); nothing was written.`, 'interop');
  }
}

/** What an imported checkpoint records about its origin (import.json). */
export interface ImportRecord {
  source: string;
  vocab: string;
  importedAt: string;
  kind: string;
  variant?: string;
}

/** A checkpoint of `lm` written to `out` (all or nothing). */
export function writeLMCheckpoint(out: string, lm: TorchLM, record: ImportRecord, history: EpochMetrics[] = []): void {
  const vocab = Vocab.fromJSON({ idxToToken: lm.idxToToken });
  const codec = new TextCodec(vocab, lm.config.token, lm.config.mode);
  const model = new RecurrentLM(lm.model);
  try {
    model.loadWeights(lm.weights);
    writeFolderAtomic(out, (tmp) => {
      writeCheckpoint(tmp, LM_JOB, history.at(-1)?.epoch ?? 0, history, (dir) => {
        saveLMFiles(dir, lm.config, codec, model);
        writeJson(dir, 'import.json', record);
      });
    });
  } finally {
    model.dispose();
  }
}

export interface ImportFilesOptions extends LMImportOptions {
  weights: string;
  vocab: string;
  out: string;
}

/** `seqlab import` for the language models (seq2seq: ./mt-interop.ts). */
export function importLMFiles(o: ImportFilesOptions): { lm: TorchLM; history: EpochMetrics[] } {
  const file = readSafetensorsFile(o.weights);
  const idxToToken = readTokenList(o.vocab);
  const lm = importTorchLM(file, idxToToken, o);
  const history = historyOf(file.metadata);
  writeLMCheckpoint(o.out, lm, { source: resolve(o.weights), vocab: resolve(o.vocab), importedAt: new Date().toISOString(), kind: o.kind, ...(lm.model.variant ? { variant: lm.model.variant } : {}) }, history);
  return { lm, history };
}

/** train.py records the epochs it trained in the file's metadata ("history": JSON list). */
function historyOf(metadata: Record<string, string>): EpochMetrics[] {
  if (!metadata.history) return [];
  try {
    const h = JSON.parse(metadata.history) as unknown;
    if (Array.isArray(h) && h.every((r) => r && typeof r === 'object' && typeof (r as { epoch?: unknown }).epoch === 'number')) return h as EpochMetrics[];
  } catch {
    /* below */
  }
  throw new SeqlabError("The file's __metadata__.history is not a list of epochs.", 'interop');
}

/** A model's weights as arrays under Seqlab's names. */
export function weightArrays(model: RecurrentLM): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  tf.tidy(() => {
    for (const [k, t] of Object.entries(model.namedWeights())) out.set(k, { shape: t.shape.slice(), data: Float32Array.from(t.dataSync()) });
  });
  return out;
}

export interface ExportResult {
  out: string;
  files: string[];
  tensors: number;
}

/** `seqlab export`: a language-model checkpoint → a folder PyTorch trains on. */
export async function exportLMFiles(checkpoint: string, out: string, resolveOpts: ResolveOptions = {}): Promise<ExportResult> {
  const lm = loadLMCheckpoint(checkpoint);
  try {
    if (lm.config.token === 'bpe') throw new SeqlabError('This run uses BPE tokens; train.py rebuilds char and word pipelines only, so export a char or word run.', 'interop');
    const corpus = await loadCorpusText(lm.config.corpus, { ...resolveOpts, dataDirectory: lm.config.dataDirectory ?? resolveOpts.dataDirectory, mode: lm.config.mode });
    const tensors = exportTorchLM(lm.model.config, weightArrays(lm.model));
    const config = lm.config;
    writeFolderAtomic(out, (tmp) => {
      writeFileSync(join(tmp, EXPORT_FILES.weights), serializeSafetensors(tensors, exportMetadata(config, lm.history)));
      writeFileSync(join(tmp, EXPORT_FILES.vocab), JSON.stringify(lm.codec.vocab.idxToToken));
      writeFileSync(join(tmp, EXPORT_FILES.corpus), corpus.text);
      writeFileSync(join(tmp, EXPORT_FILES.config), JSON.stringify({ config, epochsTrained: lm.epoch }, null, 2));
      writeFileSync(join(tmp, EXPORT_FILES.script), trainScript());
    });
    return { out, files: Object.values(EXPORT_FILES), tensors: tensors.size };
  } finally {
    lm.model.dispose();
  }
}
