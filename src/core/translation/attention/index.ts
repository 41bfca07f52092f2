/** d2l 10.4's Bahdanau attention translator as a registered architecture (see ../registry.ts). */
import type { TranslatorArchitecture } from '../registry';
import { ATTENTION_ARCH, Seq2SeqAttention } from './model';

export * from './model';
export { Seq2SeqAttentionDecoder, type AttentionState, type AttentionDecoderOutput } from './decoder';
export { alignment, alignmentLine } from './alignment';

export const attentionArchitecture: TranslatorArchitecture = {
  name: ATTENTION_ARCH,
  label: 'Bahdanau attention',
  description: 'd2l 10.4: the seq2seq GRU encoder; a GRU decoder that attends (additive attention) to every source position at each step',
  create: (shape, seed) => new Seq2SeqAttention(shape, seed),
};
