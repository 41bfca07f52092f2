/**
 * What a translator's checkpoint holds (inside the shared checkpoint folder layout of
 * ../training/checkpoint.ts): config.json {kind: 'mt', version, config, model}, both
 * vocabularies, the weights, and Adam's state so a resumed run continues exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadOptimizerState, restoreOptimizerState, saveOptimizerState } from '../training/optimizer-state';
import { SeqlabError } from '../util/errors';
import { Vocab } from '../text/vocab';
import { hasCheckpoint, loadTensors, readCheckpoint, readCheckpointJson, saveTensors, writeJson } from '../training/checkpoint';
import { MT_JOB, resolveMtConfig, type MtConfig } from './mt-config';
import type { TranslatorModel } from './encoder-decoder';
import { translatorArchitecture } from './registry';
import type { Seq2SeqConfig } from './seq2seq/model';
import { Translator } from './translator';

export const MT_CHECKPOINT_VERSION = 1;

export interface MtConfigFile {
  kind: typeof MT_JOB;
  version: number;
  config: MtConfig;
  model: Seq2SeqConfig;
}

/** The parts of a trainer a checkpoint needs (kept structural to avoid an import cycle). */
export interface MtSavable {
  config: MtConfig;
  model: TranslatorModel;
  optimizer: tf.AdamOptimizer;
  data: { srcVocab: Vocab; tgtVocab: Vocab };
}

/** Writes a translator's files into an empty folder. */
export function saveMtFiles(dir: string, t: MtSavable): void {
  const file: MtConfigFile = { kind: MT_JOB, version: MT_CHECKPOINT_VERSION, config: t.config, model: t.model.config };
  writeJson(dir, 'config.json', file);
  writeJson(dir, 'src-vocab.json', t.data.srcVocab.toJSON());
  writeJson(dir, 'tgt-vocab.json', t.data.tgtVocab.toJSON());
  saveTensors(dir, Object.fromEntries(t.model.namedVariables()));
  saveOptimizerState(dir, t.optimizer, t.model.variables());
}

export interface MtFiles {
  dir: string;
  config: MtConfig;
  model: Seq2SeqConfig;
  srcVocab: Vocab;
  tgtVocab: Vocab;
  /** epochs trained, when read through a checkpoint pointer */
  epoch?: number;
}

function describeJob(job: string): string {
  return job === 'lm' ? 'a language-model' : `a "${job}"`;
}

/**
 * Finds a translator's files: a checkpoint folder (with checkpoint.json) or one of its
 * epoch folders. Anything else gets one sentence saying what it is instead.
 */
export function readMtFiles(root: string): MtFiles {
  if (!existsSync(root)) throw new SeqlabError(`There is no checkpoint folder ${root}.`, 'checkpoint');
  let dir = root;
  let epoch: number | undefined;
  if (hasCheckpoint(root)) {
    // Name the kind before anything else can fail: another job's checkpoint is the likely mistake.
    let job: unknown;
    try {
      job = (JSON.parse(readFileSync(join(root, 'checkpoint.json'), 'utf8')) as { job?: unknown }).job;
    } catch {
      job = undefined;
    }
    if (typeof job === 'string' && job !== MT_JOB) throw new SeqlabError(`${root} holds ${describeJob(job)} checkpoint, not a translator; train one with seqlab train-mt.`, 'wrong-kind');
    const ck = readCheckpoint(root);
    if (ck.job !== MT_JOB) throw new SeqlabError(`${root} holds ${describeJob(ck.job)} checkpoint, not a translator; train one with seqlab train-mt.`, 'wrong-kind');
    dir = ck.dir;
    epoch = ck.epoch;
  } else if (!existsSync(join(root, 'config.json'))) {
    throw new SeqlabError(`${root} holds no Seqlab checkpoint (no checkpoint.json or config.json).`, 'checkpoint');
  }
  const file = readCheckpointJson(dir, 'config.json') as Partial<MtConfigFile> & { job?: string } | null;
  const kind = file?.kind ?? file?.job;
  if (kind !== MT_JOB) throw new SeqlabError(`${root} holds ${describeJob(String(kind ?? 'unknown'))} model, not a translator; train one with seqlab train-mt.`, 'wrong-kind');
  if (file!.version !== MT_CHECKPOINT_VERSION) throw new SeqlabError(`The translator checkpoint has version ${file!.version}; this Seqlab reads version ${MT_CHECKPOINT_VERSION}.`, 'checkpoint');
  if (!file!.config || !file!.model) throw new SeqlabError('The checkpoint is corrupted: config.json lacks the model settings.', 'checkpoint');
  const config = resolveMtConfig(file!.config as unknown as Record<string, unknown>);
  const srcVocab = Vocab.fromJSON(readCheckpointJson(dir, 'src-vocab.json'));
  const tgtVocab = Vocab.fromJSON(readCheckpointJson(dir, 'tgt-vocab.json'));
  const model = file!.model;
  if (model.srcVocabSize !== srcVocab.size || model.tgtVocabSize !== tgtVocab.size) {
    throw new SeqlabError('The checkpoint is corrupted: its vocabularies do not match the model sizes.', 'checkpoint');
  }
  return { dir, config, model, srcVocab, tgtVocab, epoch };
}

/** Rebuilds the model by its architecture name (config.model; 'seq2seq' before it was stored) with the saved weights. */
export function loadMtModel(files: MtFiles): TranslatorModel {
  const weights = loadTensors(files.dir);
  const model = translatorArchitecture(files.config.model).create(files.model, files.config.seed);
  try {
    for (const [name, v] of model.namedVariables()) {
      const w = weights.get(name);
      if (!w) throw new SeqlabError(`The checkpoint is incomplete: weight ${name} is missing.`, 'checkpoint');
      if (w.shape.join('x') !== v.shape.join('x')) throw new SeqlabError(`The checkpoint is corrupted: ${name} has shape [${w.shape}], expected [${v.shape}].`, 'checkpoint');
      v.assign(tf.tensor(w.data, w.shape));
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** Restores Adam's state saved by saveMtFiles (no-op when the checkpoint has none). */
export async function restoreAdam(dir: string, opt: tf.AdamOptimizer, vars: readonly tf.Variable[]): Promise<void> {
  if (await loadOptimizerState(dir, opt, vars)) return;
  // Checkpoints written by earlier builds kept the moments in optimizer/ with the step count in adam.json.
  const legacy = join(dir, 'optimizer');
  if (!existsSync(join(legacy, 'adam.json'))) return;
  const state = loadTensors(legacy);
  const meta = JSON.parse(readFileSync(join(legacy, 'adam.json'), 'utf8')) as { iterations: number };
  state.set('iter', { shape: [], data: Float32Array.of(meta.iterations) });
  return restoreOptimizerState(opt, vars, state);
}

const cache = new Map<string, { key: string; translator: Translator }>();

/**
 * What identifies a checkpoint without reading its weights: the pointer (which epoch folder is
 * current) and the name, size and modification time of every file in that folder, so any
 * rewritten, replaced or removed file is read (and checksummed) again. null when unreadable.
 */
function quickKey(root: string): string | null {
  try {
    const pointer = join(root, 'checkpoint.json');
    const current = existsSync(pointer) ? (JSON.parse(readFileSync(pointer, 'utf8')) as { current?: unknown }).current : '';
    const dir = typeof current === 'string' ? join(root, current) : root;
    const files = readdirSync(dir).sort().map((f) => {
      const st = statSync(join(dir, f));
      return `${f}:${st.size}:${st.mtimeMs}`;
    });
    return `${dir}|${files.join('|')}`;
  } catch {
    return null;
  }
}

/**
 * A translator for a checkpoint folder, cached while the checkpoint is unchanged (the UI
 * translates sentence after sentence with the same model).
 */
export function loadTranslator(root: string): Translator {
  // A warm hit only lists the folder: readMtFiles checksums every file, weights.bin included
  // (tens of MB for the full-corpus presets: slower than translating with beam 4).
  const hit = cache.get(root);
  const quick = quickKey(root);
  if (hit && quick !== null && hit.key === quick) return hit.translator;
  const files = readMtFiles(root);
  const key = quickKey(root) ?? '';
  hit?.translator.dispose();
  const translator = new Translator(loadMtModel(files), files.srcVocab, files.tgtVocab, files.config.numSteps);
  cache.set(root, { key, translator });
  return translator;
}
