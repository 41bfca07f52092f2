/**
 * The translator architectures by name, as checkpoints and `train-mt --model` spell them:
 * `seq2seq` (d2l 9.7's GRU encoder–decoder) and `attention` (d2l 10.4's Bahdanau decoder on
 * the same encoder). A checkpoint records its name and is rebuilt by it.
 */
import { SeqlabError } from '../util/errors';
import { Seq2Seq, seq2seqParamNames, type Seq2SeqConfig } from './seq2seq';
import { Seq2SeqAttention, attentionParamNames } from './attention/model';
import type { TranslatorModel } from './translator';

export const TRANSLATOR_ARCHS = ['seq2seq', 'attention'] as const;
export type TranslatorArch = (typeof TRANSLATOR_ARCHS)[number];

export const TRANSLATOR_ARCH_LABELS: Record<TranslatorArch, string> = {
  seq2seq: 'Seq2seq (d2l 9.7: GRU encoder–decoder, one fixed context)',
  attention: 'Bahdanau attention (d2l 10.4: the decoder attends to every source word)',
};

function check(arch: string): asserts arch is TranslatorArch {
  if (!(TRANSLATOR_ARCHS as readonly string[]).includes(arch)) throw new SeqlabError(`Unknown translator model "${arch}"; use ${TRANSLATOR_ARCHS.join(' or ')}.`, 'checkpoint');
}

export function createTranslatorModel(arch: string, config: Seq2SeqConfig, seed: number): TranslatorModel {
  check(arch);
  return arch === 'attention' ? new Seq2SeqAttention(config, seed) : new Seq2Seq(config, seed);
}

/** Parameter names in checkpoint order for an architecture. */
export function translatorParamNames(arch: string, config: Seq2SeqConfig): string[] {
  check(arch);
  return arch === 'attention' ? attentionParamNames(config) : seq2seqParamNames(config);
}
