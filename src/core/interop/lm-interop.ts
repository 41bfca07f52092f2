/**
 * A language model between PyTorch and Seqlab: d2l's RNNModel (`rnn` = nn.RNN / nn.GRU /
 * nn.LSTM, `linear` to the vocabulary, optionally `embedding`) saved with safetensors ↔ a
 * Seqlab checkpoint of the same model (../training/lm-job.ts).
 *
 * Seqlab's own exports carry `__metadata__.seqlab` = JSON {format, config}: the run's LMConfig,
 * so the re-import (and the exported train.py) know the data and hyper-parameters; a file from
 * PyTorch without it gets the textbook's defaults and the shape read from its tensors.
 */
import type { CellKind, GruVariant } from '../kernels/types';
import { isResetAfter, type ModelConfig } from '../models/rnn-lm';
import { parseLMConfig, type LMConfig } from '../training/lm-config';
import type { EpochMetrics } from '../../protocol/training';
import { SeqlabError } from '../util/errors';
import type { NamedArray, SafetensorsFile } from './safetensors';
import { packTorchLayer, transpose2d, unpackToTorch, type PackedLayer } from './torch-layout';
import { findRecurrent, layerNames, pick, takeLayer, TensorPool } from './torch-names';

export const SEQLAB_METADATA_KEY = 'seqlab';
export const INTEROP_FORMAT = 1;

export interface LMImportOptions {
  kind: CellKind;
  /** checked against the file when given */
  layers?: number;
  bidirectional?: boolean;
  /** GRU only; default: the file's Seqlab metadata, else 'pytorch' (what nn.GRU computes) */
  variant?: GruVariant;
}

export interface TorchLM {
  config: LMConfig;
  model: ModelConfig;
  /** Seqlab's weight names (RecurrentLM.namedWeights) */
  weights: Map<string, NamedArray>;
  idxToToken: string[];
}

/** Seqlab's metadata in a file it exported, or null for other files. */
export function seqlabMetadata(file: SafetensorsFile): { config: Record<string, unknown> } | null {
  const raw = file.metadata[SEQLAB_METADATA_KEY];
  if (raw === undefined) return null;
  try {
    const m = JSON.parse(raw) as { format?: unknown; config?: unknown };
    if (m.format === INTEROP_FORMAT && m.config && typeof m.config === 'object') return { config: m.config as Record<string, unknown> };
  } catch {
    /* reported below */
  }
  throw new SeqlabError(`The file's __metadata__.${SEQLAB_METADATA_KEY} is not Seqlab's export metadata (format ${INTEROP_FORMAT}).`, 'interop');
}

/** Whether a vocabulary is characters (d2l's char LM) and whether it keeps case and punctuation. */
export function guessTokenizer(idxToToken: readonly string[]): { token: 'char' | 'word'; mode: 'textbook' | 'raw' } {
  const plain = idxToToken.filter((t) => !/^<.+>$/.test(t));
  const token = plain.every((t) => [...t].length === 1) ? 'char' : 'word';
  const mode = plain.every((t) => /^[a-z ]+$/.test(t)) ? 'textbook' : 'raw';
  return { token, mode };
}

const KIND_NAME: Readonly<Record<CellKind, string>> = { rnn: 'an RNN', gru: 'a GRU', lstm: 'an LSTM' };

/** Seqlab's name of layer l, direction d (RecurrentLM.namedWeights). */
const seqlabLayer = (l: number, d: number) => `l${l}.${d ? 'bw' : 'fw'}`;

/** A d2l RNNModel's tensors → Seqlab's model; one sentence naming the tensor on any mismatch. */
export function importTorchLM(file: SafetensorsFile, idxToToken: string[], opts: LMImportOptions): TorchLM {
  const meta = seqlabMetadata(file);
  const pool = new TensorPool(file.tensors);
  const what = 'the language model';
  const r = findRecurrent(pool, '', what);
  const V = idxToToken.length;
  if (r.kind !== opts.kind) throw new SeqlabError(`Tensor ${r.prefix}weight_hh_l0 holds ${KIND_NAME[r.kind]} layer, not ${KIND_NAME[opts.kind]} (--kind ${opts.kind}).`, 'interop');
  if (opts.layers !== undefined && opts.layers !== r.layers) throw new SeqlabError(`Tensor ${r.prefix}weight_ih_l${r.layers - 1} is the last layer: the file has ${r.layers} layer(s), not ${opts.layers} (--layers).`, 'interop');
  if (opts.bidirectional !== undefined && opts.bidirectional !== (r.dirs === 2)) {
    throw new SeqlabError(`Tensor ${r.prefix}weight_ih_l0_reverse is ${r.dirs === 2 ? 'present: the model is bidirectional' : 'absent: the model is unidirectional'}${opts.bidirectional ? '' : '; add --bidirectional'}.`, 'interop');
  }
  const variant: GruVariant = opts.variant ?? ((meta?.config.variant as GruVariant | undefined) ?? 'pytorch');
  const weights = new Map<string, NamedArray>();
  let E = 0;
  const embName = pick(pool, ['embedding.weight', 'embed.weight']);
  if (pool.has(embName)) {
    const emb = pool.take(embName, [V, -1], `the embedding of a ${V}-token vocabulary`);
    E = emb.shape[1];
    weights.set('embed', emb);
  }
  const inputs = E > 0 ? E : V;
  if (r.inputSize !== inputs) {
    throw new SeqlabError(
      `Tensor ${r.prefix}weight_ih_l0 takes ${r.inputSize} inputs, but ${E > 0 ? `the embedding gives ${E}` : `the vocabulary has ${V} tokens (one-hot inputs)`}.`,
      'interop',
    );
  }
  for (let l = 0; l < r.layers; l++) {
    for (let d = 0; d < r.dirs; d++) {
      const p = packTorchLayer(r.kind, r.hidden, takeLayer(pool, r, l, d, what), variant);
      const n = seqlabLayer(l, d);
      weights.set(`${n}.wx`, p.wx);
      weights.set(`${n}.wh`, p.wh);
      weights.set(`${n}.b`, p.b);
      if (p.bhn) weights.set(`${n}.bhn`, p.bhn);
    }
  }
  const headName = pick(pool, ['linear.weight', 'output.weight', 'dense.weight']);
  const head = pool.take(headName, [V, r.dirs * r.hidden], `the output layer to a ${V}-token vocabulary`);
  weights.set('head.w', transpose2d(head));
  weights.set('head.b', pool.take(headName.replace(/weight$/, 'bias'), [V], 'the output layer'));
  pool.assertEmpty(`a d2l RNNModel (${r.prefix}*, ${headName.replace(/\.weight$/, '')}.*${E > 0 ? `, ${embName.replace(/\.weight$/, '')}.*` : ''})`);

  const guessed = guessTokenizer(idxToToken);
  const config = parseLMConfig({
    ...guessed,
    epochs: 0,
    ...(meta?.config ?? {}),
    model: r.kind,
    variant: r.kind === 'gru' ? variant : 'd2l',
    impl: 'fused',
    layers: r.layers,
    bidirectional: r.dirs === 2,
    hidden: r.hidden,
    embedding: E,
  });
  const model: ModelConfig = {
    kind: r.kind,
    impl: config.impl,
    vocabSize: V,
    hidden: r.hidden,
    layers: r.layers,
    bidirectional: r.dirs === 2,
    embedding: E,
    seed: config.seed,
    ...(r.kind === 'gru' && variant === 'pytorch' ? { variant } : {}),
  };
  return { config, model, weights, idxToToken };
}

/** Seqlab's weights (namedWeights' arrays) → d2l RNNModel's PyTorch names. */
export function exportTorchLM(model: ModelConfig, weights: Map<string, NamedArray>): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  const get = (n: string): NamedArray => {
    const w = weights.get(n);
    if (!w) throw new SeqlabError(`The checkpoint's weights do not fit its model: ${n} is missing.`, 'checkpoint');
    return w;
  };
  if (model.embedding > 0) out.set('embedding.weight', get('embed'));
  const dirs = model.bidirectional ? 2 : 1;
  for (let l = 0; l < model.layers; l++) {
    for (let d = 0; d < dirs; d++) {
      const n = seqlabLayer(l, d);
      const p: PackedLayer = { wx: get(`${n}.wx`), wh: get(`${n}.wh`), b: get(`${n}.b`), ...(isResetAfter(model) ? { bhn: get(`${n}.bhn`) } : {}) };
      const t = unpackToTorch(model.kind, model.hidden, p);
      const names = layerNames('rnn.', l, d);
      for (const k of Object.keys(names) as (keyof typeof names)[]) out.set(names[k], t[k]);
    }
  }
  out.set('linear.weight', transpose2d(get('head.w')));
  out.set('linear.bias', get('head.b'));
  return out;
}

/** The metadata Seqlab writes into an exported file. */
export function exportMetadata(config: LMConfig, history: EpochMetrics[] = []): Record<string, string> {
  return { format: 'pt', [SEQLAB_METADATA_KEY]: JSON.stringify({ format: INTEROP_FORMAT, config }), history: JSON.stringify(history) };
}
