/** d2l 10.7's GRU encoder–decoder as a registered translator architecture (see ../registry.ts). */
import type { TranslatorArchitecture } from '../registry';
import { Seq2Seq } from './model';

export * from './model';

export const seq2seqArchitecture: TranslatorArchitecture = {
  name: 'seq2seq',
  label: 'Seq2seq',
  description: 'd2l 10.7: GRU encoder, GRU decoder reading the encoder’s final state as a fixed context',
  create: (shape, seed) => new Seq2Seq(shape, seed),
};
