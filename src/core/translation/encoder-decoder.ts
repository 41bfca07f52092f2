/**
 * d2l 9.6's encoder–decoder interface: an encoder turns the source into outputs, the decoder
 * derives its initial state from them and then maps target inputs (+ state) to outputs.
 */
import type * as tf from '@tensorflow/tfjs';
import type { StepOutput, StepRequest } from '../decoding/types';

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
  /** the same up to the output layer: the top layer's outputs [batch, steps, hidden] (the trainer's fused loss applies the output layer) */
  forwardHidden(X: tf.Tensor2D, state: State, ctx: ForwardContext): { hidden: tf.Tensor3D; state: State };
  /** the output layer: logits = hidden · w + b, w [hidden, vocab], b [vocab] */
  outputLayer(): OutputLayer;
}

/** A decoder's dense output layer over the target vocabulary. */
export interface OutputLayer {
  w: tf.Variable;
  b: tf.Variable;
}

/** A translator's sizes (the checkpoint's `model`); every architecture takes these. */
export interface TranslatorShape {
  srcVocabSize: number;
  tgtVocabSize: number;
  embedSize: number;
  numHiddens: number;
  numLayers: number;
  dropout: number;
}

/** Decoding one sentence: the source encoded once, then one step per token for a batch of hypotheses. */
export interface IncrementalDecoder<S> {
  /** the state of the first hypothesis (before `<bos>`) */
  init: S;
  /** a StepFn (../decoding/types.ts); a method, so a model's own state type fits `IncrementalDecoder<unknown>` */
  step(states: readonly S[], tokens: readonly number[], want?: StepRequest): StepOutput<S>;
  /** frees what the encoding keeps (e.g. the context) */
  dispose(): void;
}

/**
 * What every registered translator architecture is (./registry.ts): trained by teacher forcing
 * through `forward`, saved by its named variables, decoded through `startDecoding`. Callers
 * never see its decoder's state.
 */
export interface TranslatorModel {
  /** the registered architecture name, e.g. 'seq2seq' */
  readonly name: string;
  /** its sizes, as the checkpoint stores them */
  readonly config: TranslatorShape;
  /** encX [B, Ts], decX [B, Tt] int32 → [B, Tt, V] logits; encValidLens: source lengths without padding (attention masks the rest) */
  forward(encX: tf.Tensor2D, decX: tf.Tensor2D, ctx: ForwardContext, encValidLens?: readonly number[]): { output: tf.Tensor3D };
  /** `forward` without the output layer: the decoder's top-layer outputs [B, Tt, H] (the trainer's fused masked loss takes them with `outputLayer`) */
  forwardHidden(encX: tf.Tensor2D, decX: tf.Tensor2D, ctx: ForwardContext, encValidLens?: readonly number[]): { hidden: tf.Tensor3D };
  outputLayer(): OutputLayer;
  /** how the model's own layers compute beyond the trainer's engine, for the run info (e.g. the attention loop's kernel) */
  computation?(): string;
  variables(): tf.Variable[];
  /** parameters by checkpoint name, in variables() order */
  namedVariables(): [string, tf.Variable][];
  /** validLen: the source's length without padding (`<eos>` included); attention models attend to those positions only */
  startDecoding(srcIds: readonly number[], validLen?: number): IncrementalDecoder<unknown>;
  dispose(): void;
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

  forwardHidden(encX: tf.Tensor2D, decX: tf.Tensor2D, ctx: ForwardContext, encValidLens?: readonly number[]): { hidden: tf.Tensor3D; state: State } {
    const encOutputs = this.encoder.forward(encX, ctx);
    return this.decoder.forwardHidden(decX, this.decoder.initState(encOutputs, encValidLens), ctx);
  }

  outputLayer(): OutputLayer {
    return this.decoder.outputLayer();
  }
}
