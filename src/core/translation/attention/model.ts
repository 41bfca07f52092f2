/**
 * d2l 10.4's encoder–decoder with Bahdanau attention: the plain seq2seq's GRU encoder and the
 * attention decoder. Checkpoints name it `attention`.
 */
import type * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/random';
import { EncoderDecoder, type IncrementalDecoder, type TranslatorModel } from '../encoder-decoder';
import { Seq2SeqEncoder, checkSeq2SeqConfig, type Seq2SeqConfig, type Seq2SeqEncOut } from '../seq2seq/model';
import { Seq2SeqAttentionDecoder, attentionComputation, type AttentionState } from './decoder';
import { attentionDecoderFor } from './step';

export const ATTENTION_ARCH = 'attention';

/** Parameter names in checkpoint order (the order of `Seq2SeqAttention.variables()`). */
export function attentionParamNames(c: Seq2SeqConfig): string[] {
  const gru = (p: string) => Array.from({ length: c.numLayers }, (_, l) => [`${p}.gru.${l}.wx`, `${p}.gru.${l}.wh`, `${p}.gru.${l}.b`]).flat();
  return [
    'encoder.embedding', ...gru('encoder'),
    'decoder.embedding', 'decoder.attention.wq', 'decoder.attention.wk', 'decoder.attention.wv', ...gru('decoder'), 'decoder.dense.w', 'decoder.dense.b',
  ];
}

export class Seq2SeqAttention extends EncoderDecoder<Seq2SeqEncOut, AttentionState> implements TranslatorModel {
  declare readonly encoder: Seq2SeqEncoder;
  declare readonly decoder: Seq2SeqAttentionDecoder;
  readonly name = ATTENTION_ARCH;

  constructor(
    readonly config: Seq2SeqConfig,
    seed = 0,
  ) {
    checkSeq2SeqConfig(config);
    const rng = new Rng(seed);
    super(new Seq2SeqEncoder(config, rng), new Seq2SeqAttentionDecoder(config, rng));
  }

  computation(): string {
    return attentionComputation();
  }

  variables(): tf.Variable[] {
    return [...this.encoder.variables(), ...this.decoder.variables()];
  }

  namedVariables(): [string, tf.Variable][] {
    const names = attentionParamNames(this.config);
    return this.variables().map((v, i) => [names[i], v]);
  }

  /** validLen defaults to every position (no padding) */
  startDecoding(srcIds: readonly number[], validLen = srcIds.length): IncrementalDecoder<Float32Array[]> {
    return attentionDecoderFor(this, [...srcIds], validLen);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
