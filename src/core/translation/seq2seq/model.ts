/**
 * d2l 9.7's GRU sequence-to-sequence model. Encoder: embedding → multi-layer GRU (dropout
 * between layers); its final hidden states are the decoder's initial state and the top
 * layer's final state is the context vector. Decoder: embedding, the context concatenated to
 * every input, multi-layer GRU, dense layer to target-vocabulary logits.
 *
 * One deliberate difference from the book's 0.17 code: at prediction time the context stays
 * the encoder's final state (as in training and in d2l 1.0), where the 0.17 decoder re-read
 * it from the decoder's own evolving state.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/random';
import { SeqlabError, assertPositiveInt } from '../../util/errors';
import { EncoderDecoder, type Decoder, type Encoder, type ForwardContext, type IncrementalDecoder, type OutputLayer, type TranslatorModel, type TranslatorShape } from '../encoder-decoder';
import { dropoutTensor } from '../../kernels/dropout-mask';
import { embeddingLookup } from '../embedding';
import { gruLayer, type GruWeights } from '../gru';
import type { GruVariant } from '../../kernels/types';
import { seq2seqDecoderFor } from './step';
import type { HiddenState } from '../decoder-step';

/** The seq2seq model's sizes: the shape every translator takes. */
export type Seq2SeqConfig = TranslatorShape & {
  /** d2l's from-scratch GRU (default) or PyTorch's nn.GRU (imported d2l PyTorch models; own b_hn per layer) */
  variant?: GruVariant;
};

export function checkSeq2SeqConfig(c: Seq2SeqConfig): void {
  assertPositiveInt(c.srcVocabSize, 'source vocabulary size');
  assertPositiveInt(c.tgtVocabSize, 'target vocabulary size');
  assertPositiveInt(c.embedSize, 'embed size');
  assertPositiveInt(c.numHiddens, 'hidden size');
  assertPositiveInt(c.numLayers, 'number of layers');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new SeqlabError(`dropout must be at least 0 and below 1, got ${c.dropout}.`);
}

/** Encoder outputs: top-layer states [T, B, H] and each layer's final state [B, H]. */
export interface Seq2SeqEncOut {
  outputs: tf.Tensor3D;
  state: tf.Tensor2D[];
}

/** Decoder state: per-layer hidden states and the fixed context (encoder's top final state). */
export interface Seq2SeqState {
  hidden: tf.Tensor2D[];
  context: tf.Tensor2D;
}

// ---------------------------------------------------------------- initialisation (d2l's)

/** xavier_uniform_ on a weight with these fans (PyTorch's GRU weight [3H, I] has fan_in I, fan_out 3H). */
export function xavier(rng: Rng, rows: number, cols: number, fanIn: number, fanOut: number): tf.Tensor2D {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = (rng.next() * 2 - 1) * a;
  return tf.tensor2d(v, [rows, cols]);
}

export function uniform(rng: Rng, shape: number[], bound: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * bound;
  return tf.tensor(v, shape);
}

/** nn.Embedding's N(0, 1). */
export function normal(rng: Rng, rows: number, cols: number): tf.Tensor2D {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tf.tensor2d(v, [rows, cols]);
}

export function gruParams(rng: Rng, inputSize: number, H: number, variant: GruVariant = 'd2l'): GruWeights & { wx: tf.Variable; wh: tf.Variable; b: tf.Variable; bhn?: tf.Variable } {
  const p = {
    wx: tf.variable(xavier(rng, inputSize, 3 * H, inputSize, 3 * H)),
    wh: tf.variable(xavier(rng, H, 3 * H, H, 3 * H)),
    // PyTorch's default GRU bias init, U(−1/√H, 1/√H).
    b: tf.variable(uniform(rng, [3 * H], 1 / Math.sqrt(H))),
  };
  // zeros: drawing it would shift the random stream of every weight after it
  return variant === 'pytorch' ? { ...p, bhn: tf.variable(tf.zeros([H])) } : p;
}

/** A layer's variables in checkpoint order. */
const layerVariables = (l: ReturnType<typeof gruParams>): tf.Variable[] => [l.wx, l.wh, l.b, ...(l.bhn ? [l.bhn] : [])];

export function runLayers(x: tf.Tensor3D, h0: tf.Tensor2D[], layers: GruWeights[], dropout: number, ctx: ForwardContext): { hs: tf.Tensor3D; state: tf.Tensor2D[] } {
  const state: tf.Tensor2D[] = [];
  let input = x;
  layers.forEach((w, l) => {
    // PyTorch's nn.GRU(dropout=…) drops between layers only, never after the last; the mask is
    // the counter-based one (../../kernels/dropout-mask.ts), so the fused step (./fused-step.ts) draws the same.
    if (l > 0) input = dropoutTensor(input, dropout, ctx);
    const r = gruLayer(input, h0[l], w);
    state.push(r.hT);
    input = r.hs;
  });
  return { hs: input, state };
}

// ---------------------------------------------------------------- encoder and decoder

export class Seq2SeqEncoder implements Encoder<Seq2SeqEncOut> {
  readonly embedding: tf.Variable;
  readonly layers: ReturnType<typeof gruParams>[];

  constructor(
    readonly config: Seq2SeqConfig,
    rng: Rng,
  ) {
    this.embedding = tf.variable(normal(rng, config.srcVocabSize, config.embedSize));
    this.layers = Array.from({ length: config.numLayers }, (_, l) => gruParams(rng, l === 0 ? config.embedSize : config.numHiddens, config.numHiddens, config.variant));
  }

  forward(X: tf.Tensor2D, ctx: ForwardContext): Seq2SeqEncOut {
    const [B] = X.shape;
    // [B, T] ids → [T, B, E], time-major like the recurrent op (d2l's permute(1, 0, 2)).
    const emb = embeddingLookup(this.embedding, X).transpose([1, 0, 2]) as tf.Tensor3D;
    const zeros = tf.zeros([B, this.config.numHiddens]) as tf.Tensor2D;
    const r = runLayers(emb, this.layers.map(() => zeros), this.layers, this.config.dropout, ctx);
    return { outputs: r.hs, state: r.state };
  }

  variables(): tf.Variable[] {
    return [this.embedding, ...this.layers.flatMap(layerVariables)];
  }
}

export class Seq2SeqDecoder implements Decoder<Seq2SeqEncOut, Seq2SeqState> {
  readonly embedding: tf.Variable;
  readonly layers: ReturnType<typeof gruParams>[];
  readonly denseW: tf.Variable;
  readonly denseB: tf.Variable;

  constructor(
    readonly config: Seq2SeqConfig,
    rng: Rng,
  ) {
    const { tgtVocabSize: V, embedSize: E, numHiddens: H } = config;
    this.embedding = tf.variable(normal(rng, V, E));
    this.layers = Array.from({ length: config.numLayers }, (_, l) => gruParams(rng, l === 0 ? E + H : H, H, config.variant));
    this.denseW = tf.variable(xavier(rng, H, V, H, V));
    this.denseB = tf.variable(uniform(rng, [V], 1 / Math.sqrt(H)));
  }

  initState(enc: Seq2SeqEncOut): Seq2SeqState {
    return { hidden: enc.state, context: enc.state[enc.state.length - 1] };
  }

  forward(X: tf.Tensor2D, state: Seq2SeqState, ctx: ForwardContext): { output: tf.Tensor3D; state: Seq2SeqState } {
    const [B, T] = X.shape;
    const { numHiddens: H, tgtVocabSize: V } = this.config;
    const r = this.topLayer(X, state, ctx);
    const logits = tf.add(tf.matMul(r.hs.reshape([T * B, H]), this.denseW), this.denseB).reshape([T, B, V]).transpose([1, 0, 2]) as tf.Tensor3D;
    return { output: logits, state: r.state };
  }

  forwardHidden(X: tf.Tensor2D, state: Seq2SeqState, ctx: ForwardContext): { hidden: tf.Tensor3D; state: Seq2SeqState } {
    const r = this.topLayer(X, state, ctx);
    return { hidden: r.hs.transpose([1, 0, 2]) as tf.Tensor3D, state: r.state };
  }

  outputLayer(): OutputLayer {
    return { w: this.denseW, b: this.denseB };
  }

  /** Embedding, [embedding, context] at every step, the GRU stack: top-layer outputs [T, B, H]. */
  private topLayer(X: tf.Tensor2D, state: Seq2SeqState, ctx: ForwardContext): { hs: tf.Tensor3D; state: Seq2SeqState } {
    const [B, T] = X.shape;
    const H = this.config.numHiddens;
    const emb = embeddingLookup(this.embedding, X).transpose([1, 0, 2]) as tf.Tensor3D;
    // The context goes with every time step's input: [T, B, E + H].
    const context = tf.broadcastTo(state.context.reshape([1, B, H]), [T, B, H]);
    const input = tf.concat([emb, context], 2) as tf.Tensor3D;
    const r = runLayers(input, state.hidden, this.layers, this.config.dropout, ctx);
    return { hs: r.hs, state: { hidden: r.state, context: state.context } };
  }

  variables(): tf.Variable[] {
    return [this.embedding, ...this.layers.flatMap(layerVariables), this.denseW, this.denseB];
  }
}

/** Parameter names in checkpoint order (the order of `Seq2Seq.variables()`). */
export function seq2seqParamNames(c: Seq2SeqConfig): string[] {
  const bhn = c.variant === 'pytorch';
  const gru = (p: string) => Array.from({ length: c.numLayers }, (_, l) => [`${p}.gru.${l}.wx`, `${p}.gru.${l}.wh`, `${p}.gru.${l}.b`, ...(bhn ? [`${p}.gru.${l}.bhn`] : [])]).flat();
  return ['encoder.embedding', ...gru('encoder'), 'decoder.embedding', ...gru('decoder'), 'decoder.dense.w', 'decoder.dense.b'];
}

export class Seq2Seq extends EncoderDecoder<Seq2SeqEncOut, Seq2SeqState> implements TranslatorModel {
  readonly name = 'seq2seq';
  declare readonly encoder: Seq2SeqEncoder;
  declare readonly decoder: Seq2SeqDecoder;

  constructor(
    readonly config: Seq2SeqConfig,
    seed = 0,
  ) {
    checkSeq2SeqConfig(config);
    const rng = new Rng(seed);
    super(new Seq2SeqEncoder(config, rng), new Seq2SeqDecoder(config, rng));
  }

  variables(): tf.Variable[] {
    return [...this.encoder.variables(), ...this.decoder.variables()];
  }

  /** Named parameters in checkpoint order. */
  namedVariables(): [string, tf.Variable][] {
    const names = seq2seqParamNames(this.config);
    return this.variables().map((v, i) => [names[i], v]);
  }

  /** Encodes one source once; each step decodes n hypotheses on the kernels (./step.ts). */
  startDecoding(srcIds: readonly number[]): IncrementalDecoder<HiddenState> {
    return seq2seqDecoderFor(this, srcIds);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
