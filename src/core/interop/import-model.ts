/**
 * `seqlab import` and the extension's Import PyTorch Model command: one entry for the four
 * kinds, each written all or nothing (writeFolderAtomic).
 */
import { resolve } from 'node:path';
import type { GruVariant } from '../kernels/types';
import type { EpochMetrics } from '../../protocol/training';
import { resetAfterNote } from '../kernels/tfjs-op';
import { SeqlabError } from '../util/errors';
import { importLMFiles, readSafetensorsFile, readTokenList, writeFolderAtomic } from './lm-files';
import { importTorchSeq2Seq, writeSeq2SeqCheckpoint } from './mt-interop';

export const IMPORT_KINDS = ['rnn', 'gru', 'lstm', 'seq2seq'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportRequest {
  weights: string;
  /** the LM's vocabulary, or the translator's source vocabulary */
  vocab: string;
  /** seq2seq only: the target vocabulary */
  tgtVocab?: string;
  kind: ImportKind;
  out: string;
  layers?: number;
  bidirectional?: boolean;
  variant?: GruVariant;
}

export interface ImportResult {
  out: string;
  /** 'lm' or 'mt': which job's checkpoint it became */
  job: 'lm' | 'mt';
  /** a few words for people, e.g. "a 2-layer GRU (PyTorch's variant), 256 hidden, 28 tokens" */
  summary: string;
  kind: ImportKind;
  variant?: GruVariant;
  /** a deviation people should see in run info (e.g. the fused path the model cannot use) */
  note?: string;
  /** what the Runs view shows */
  data: string;
  layers: number;
  hidden: number;
  bidirectional: boolean;
  token: 'char' | 'word' | 'bpe';
  /** epochs trained (from train.py's history; 0 for a model from elsewhere) */
  epoch: number;
  history: EpochMetrics[];
}

export function importModelFiles(r: ImportRequest): ImportResult {
  if (r.kind === 'seq2seq') {
    const record = { source: resolve(r.weights), vocab: resolve(r.vocab), importedAt: new Date().toISOString(), kind: r.kind };
    if (!r.tgtVocab) throw new SeqlabError('A seq2seq import needs --tgt-vocab (the target vocabulary; --vocab is the source one).', 'usage');
    if (r.bidirectional) throw new SeqlabError("d2l's Seq2Seq is unidirectional; drop --bidirectional.", 'usage');
    const file = readSafetensorsFile(r.weights);
    const m = importTorchSeq2Seq(file, readTokenList(r.vocab), readTokenList(r.tgtVocab), { layers: r.layers, variant: r.variant });
    writeFolderAtomic(r.out, (tmp) => writeSeq2SeqCheckpoint(tmp, m, { ...record, tgtVocab: resolve(r.tgtVocab!) }));
    const v = m.model.variant ?? 'd2l';
    return {
      out: r.out,
      job: 'mt',
      kind: r.kind,
      variant: v,
      summary: `a ${m.model.numLayers}-layer GRU seq2seq (${v === 'pytorch' ? "PyTorch's GRU" : "d2l's GRU"}), ${m.model.numHiddens} hidden, ${m.src.length}/${m.tgt.length} tokens`,
      data: 'fra-eng',
      layers: m.model.numLayers,
      hidden: m.model.numHiddens,
      bidirectional: false,
      token: 'word',
      epoch: 0,
      history: [],
    };
  }
  const { lm, history } = importLMFiles({ ...r, kind: r.kind });
  const c = lm.model;
  const note = c.variant === 'pytorch' ? resetAfterNote() : null;
  const kindName = c.kind === 'gru' ? `GRU (${c.variant === 'pytorch' ? "PyTorch's variant" : "d2l's"})` : c.kind.toUpperCase();
  return {
    out: r.out,
    job: 'lm',
    kind: r.kind,
    ...(c.variant ? { variant: c.variant } : {}),
    ...(note ? { note } : {}),
    data: lm.config.corpus,
    layers: c.layers,
    hidden: c.hidden,
    bidirectional: c.bidirectional,
    token: lm.config.token,
    epoch: history.at(-1)?.epoch ?? 0,
    history,
    summary: `a ${c.layers}-layer ${c.bidirectional ? 'bidirectional ' : ''}${kindName}, ${c.hidden} hidden, ${c.vocabSize} tokens`,
  };
}
