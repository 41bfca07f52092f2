/**
 * d2l 9.6's encoder–decoder interface: an encoder turns the source into outputs, the decoder
 * derives its initial state from them and then maps target inputs (+ state) to outputs.
 */
import type * as tf from '@tensorflow/tfjs';

/** What a forward pass needs besides the inputs: training switches dropout on. */
export interface ForwardContext {
  training: boolean;
  /** a fresh seed for each dropout mask (from the run's Rng, so a seed reproduces the run) */
  nextSeed?: () => number;
}

export interface Encoder<EncOut> {
  /** X: [batch, steps] int32 source ids */
  forward(X: tf.Tensor2D, ctx: ForwardContext): EncOut;
}

export interface Decoder<EncOut, State> {
  /** encValidLens: each source's length without padding (d2l's enc_valid_lens; attention masks the rest) */
  initState(encOutputs: EncOut, encValidLens?: readonly number[]): State;
  /** X: [batch, steps] int32 target inputs → [batch, steps, vocab] logits and the next state */
  forward(X: tf.Tensor2D, state: State, ctx: ForwardContext): { output: tf.Tensor3D; state: State };
}

/** d2l's EncoderDecoder: encode, initialise the decoder's state, decode. */
export class EncoderDecoder<EncOut, State> {
  constructor(
    readonly encoder: Encoder<EncOut>,
    readonly decoder: Decoder<EncOut, State>,
  ) {}

  forward(encX: tf.Tensor2D, decX: tf.Tensor2D, ctx: ForwardContext, encValidLens?: readonly number[]): { output: tf.Tensor3D; state: State } {
    const encOutputs = this.encoder.forward(encX, ctx);
    const state = this.decoder.initState(encOutputs, encValidLens);
    return this.decoder.forward(decX, state, ctx);
  }
}
