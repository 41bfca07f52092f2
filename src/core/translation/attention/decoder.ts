/**
 * d2l 10.4's Bahdanau decoder (`Seq2SeqAttentionDecoder`). At every step the query is the
 * decoder's previous top-layer hidden state, the keys and values are the encoder's top-layer
 * outputs at every source position, additive attention over the valid source positions gives
 * a context, and the context concatenated to the embedded input — [context, embedding], the
 * book's order — feeds the multi-layer GRU; a dense layer maps its output to target logits.
 * Unlike the plain seq2seq decoder it cannot run the GRU over the whole sequence at once: each
 * step's query depends on the previous step's state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/random';
import { additiveAttend, projectKeys, type AdditiveWeights } from '../../attention';
import type { Decoder, ForwardContext, OutputLayer } from '../encoder-decoder';
import { embeddingLookup } from '../embedding';
import { gruParams, normal, runLayers, uniform, xavier, type Seq2SeqConfig, type Seq2SeqEncOut } from '../seq2seq/model';

export interface AttentionState {
  /** encoder top-layer outputs, batch-major [B, Tk, H]: the keys and the values */
  encOutputs: tf.Tensor3D;
  /** W_k · keys, computed once per source [B, Tk, H] */
  projectedKeys: tf.Tensor3D;
  /** per-layer hidden states [B, H] */
  hidden: tf.Tensor2D[];
  /** source lengths without padding (null = every position is valid) */
  validLens: readonly number[] | null;
}

export interface AttentionDecoderOutput {
  /** [B, T, V] logits */
  output: tf.Tensor3D;
  state: AttentionState;
  /** [B, T, Tk]: the weights each output step put on each source position (rows sum to 1) */
  attentionWeights: tf.Tensor3D;
}

export class Seq2SeqAttentionDecoder implements Decoder<Seq2SeqEncOut, AttentionState> {
  readonly embedding: tf.Variable;
  readonly attention: AdditiveWeights & { wq: tf.Variable; wk: tf.Variable; wv: tf.Variable };
  readonly layers: ReturnType<typeof gruParams>[];
  readonly denseW: tf.Variable;
  readonly denseB: tf.Variable;

  constructor(
    readonly config: Seq2SeqConfig,
    rng: Rng,
  ) {
    const { tgtVocabSize: V, embedSize: E, numHiddens: H } = config;
    this.embedding = tf.variable(normal(rng, V, E));
    // AdditiveAttention(num_hiddens): W_q, W_k: H → H, w_v: H → 1, no biases; xavier like the book's init_seq2seq.
    this.attention = {
      wq: tf.variable(xavier(rng, H, H, H, H)),
      wk: tf.variable(xavier(rng, H, H, H, H)),
      wv: tf.variable(xavier(rng, H, 1, H, 1)),
    };
    this.layers = Array.from({ length: config.numLayers }, (_, l) => gruParams(rng, l === 0 ? E + H : H, H));
    this.denseW = tf.variable(xavier(rng, H, V, H, V));
    this.denseB = tf.variable(uniform(rng, [V], 1 / Math.sqrt(H)));
  }

  /** The book's init_state: (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens). */
  initState(enc: Seq2SeqEncOut, encValidLens?: readonly number[]): AttentionState {
    const encOutputs = enc.outputs.transpose([1, 0, 2]) as tf.Tensor3D;
    return { encOutputs, projectedKeys: projectKeys(this.attention, encOutputs), hidden: enc.state, validLens: encValidLens ?? null };
  }

  forward(X: tf.Tensor2D, state: AttentionState, ctx: ForwardContext): AttentionDecoderOutput {
    const { hidden, ...rest } = this.forwardHidden(X, state, ctx);
    const [B, T, H] = hidden.shape;
    const logits = tf.add(tf.matMul(hidden.reshape([B * T, H]), this.denseW), this.denseB).reshape([B, T, this.config.tgtVocabSize]) as tf.Tensor3D;
    return { output: logits, ...rest };
  }

  outputLayer(): OutputLayer {
    return { w: this.denseW, b: this.denseB };
  }

  /** `forward` up to the output layer: hidden = the top layer's outputs [B, T, H] */
  forwardHidden(X: tf.Tensor2D, state: AttentionState, ctx: ForwardContext): Omit<AttentionDecoderOutput, 'output'> & { hidden: tf.Tensor3D } {
    const [B, T] = X.shape;
    const { numHiddens: H, numLayers: L } = this.config;
    const emb = embeddingLookup(this.embedding, X).transpose([1, 0, 2]) as tf.Tensor3D; // [T, B, E]
    let hidden = state.hidden;
    const outputs: tf.Tensor2D[] = [];
    const weights: tf.Tensor3D[] = [];
    for (let t = 0; t < T; t++) {
      const query = hidden[L - 1].reshape([B, 1, H]) as tf.Tensor3D;
      const att = additiveAttend(this.attention, query, state.projectedKeys, state.encOutputs, state.validLens, this.config.dropout, ctx);
      const xt = emb.slice([t, 0, 0], [1, B, -1]).reshape([B, -1]);
      const input = tf.concat([att.context.reshape([B, H]), xt], 1).reshape([1, B, -1]) as tf.Tensor3D;
      const r = runLayers(input, hidden, this.layers, this.config.dropout, ctx);
      hidden = r.state;
      outputs.push(r.hs.reshape([B, H]));
      weights.push(att.weights);
    }
    const hs = tf.stack(outputs, 1) as tf.Tensor3D;
    return { hidden: hs, state: { ...state, hidden }, attentionWeights: tf.concat(weights, 1) as tf.Tensor3D };
  }

  variables(): tf.Variable[] {
    return [this.embedding, this.attention.wq, this.attention.wk, this.attention.wv, ...this.layers.flatMap((l) => [l.wx, l.wh, l.b]), this.denseW, this.denseB];
  }
}
