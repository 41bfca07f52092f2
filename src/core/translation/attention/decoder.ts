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
import { attentionLoopKernel } from '../../kernels/attention-kernel';
import { attentionLoop } from '../../kernels/attention-op';
import { fusedDense } from '../../kernels/dense-op';
import { dropoutMask, nextDropoutSeed } from '../../kernels/dropout-mask';

/**
 * How the decoder's time loop computes: `fused` = one kernel call forward and one backward
 * (native/src/attention_core.h, on the native and WASM paths), `tfops` = the per-op reference
 * (additive attention and a one-step fused GRU per layer and step). Same numbers; the run's
 * info records which (`attentionComputation`).
 */
export type AttentionImpl = 'fused' | 'tfops';

let defaultImpl: AttentionImpl = process.env.SEQLAB_ATTENTION === 'tfops' ? 'tfops' : 'fused';

/** Switches every attention decoder between the fused loop and the per-op path (tests, bench). */
export function setAttentionImpl(impl: AttentionImpl): void {
  defaultImpl = impl;
}

export function attentionImpl(): AttentionImpl {
  return defaultImpl;
}

/** What the decoder loop runs on now, for the run's info (never switched silently). */
export function attentionComputation(): string {
  if (defaultImpl === 'tfops') return 'attention decoder: per-op tf ops (selected)';
  const k = attentionLoopKernel();
  return k ? `attention decoder: fused time loop on the ${k.path} kernel` : 'attention decoder: per-op tf ops (the current kernel path has no fused attention loop)';
}

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

/** The decoder up to its output layer: the top GRU layer's outputs [B, T, H]. */
export type HiddenOutput = Omit<AttentionDecoderOutput, 'output' | 'topOutputs'> & { hidden: tf.Tensor3D };

export interface AttentionDecoderOutput {
  /** [B, T, V] logits */
  output: tf.Tensor3D;
  state: AttentionState;
  /** [B, T, Tk]: the weights each output step put on each source position (rows sum to 1) */
  attentionWeights: tf.Tensor3D;
  /** [B, T, H]: the top GRU layer's outputs, before the output layer */
  topOutputs: tf.Tensor3D;
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

  forward(X: tf.Tensor2D, state: AttentionState, ctx: ForwardContext, impl: AttentionImpl = defaultImpl): AttentionDecoderOutput {
    const { hidden, ...rest } = this.forwardHidden(X, state, ctx, impl);
    const [B, T, H] = hidden.shape;
    const V = this.config.tgtVocabSize;
    // the kernels' dense op: tfjs-wasm's matMul gradient (a transposed product) costs ~1 s a batch at V = 1,231
    const logits = fusedDense(hidden.reshape([B * T, H]) as tf.Tensor2D, this.denseW as tf.Tensor2D, this.denseB).reshape([B, T, V]) as tf.Tensor3D;
    return { output: logits, topOutputs: hidden, ...rest };
  }

  outputLayer(): OutputLayer {
    return { w: this.denseW, b: this.denseB };
  }

  /** `forward` up to the output layer: hidden = the top layer's outputs [B, T, H] */
  forwardHidden(X: tf.Tensor2D, state: AttentionState, ctx: ForwardContext, impl: AttentionImpl = defaultImpl): HiddenOutput {
    const kernel = impl === 'fused' ? attentionLoopKernel() : null;
    return kernel ? this.forwardFused(X, state, ctx, kernel) : this.forwardOps(X, state, ctx);
  }

  /** The whole time loop in one kernel call (and its backward in one more). */
  private forwardFused(X: tf.Tensor2D, state: AttentionState, ctx: ForwardContext, kernel: NonNullable<ReturnType<typeof attentionLoopKernel>>): HiddenOutput {
    const [B, T] = X.shape;
    const { numHiddens: H, numLayers: L, dropout } = this.config;
    const Tk = state.encOutputs.shape[1];
    const emb = embeddingLookup(this.embedding, X).transpose([1, 0, 2]) as tf.Tensor3D; // [T, B, E]
    // The per-op path's masks, drawn in its order: per step the weights', then each layer's above the first.
    let attMask: Float32Array | null = null;
    let layerMask: Float32Array | null = null;
    if (ctx.training && dropout > 0) {
      attMask = new Float32Array(T * B * Tk);
      layerMask = new Float32Array(T * (L - 1) * B * H);
      for (let t = 0; t < T; t++) {
        dropoutMask(nextDropoutSeed(ctx), dropout, attMask.subarray(t * B * Tk, (t + 1) * B * Tk));
        for (let l = 1; l < L; l++) dropoutMask(nextDropoutSeed(ctx), dropout, layerMask.subarray((t * (L - 1) + l - 1) * B * H, (t * (L - 1) + l) * B * H));
      }
    }
    const validLens = Int32Array.from(state.validLens ?? Array(B).fill(Tk));
    const r = attentionLoop(kernel, {
      emb, enc: state.encOutputs, pk: state.projectedKeys, h0: state.hidden, wq: this.attention.wq, wv: this.attention.wv,
      layers: this.layers, validLens, attMask, layerMask,
    });
    return { hidden: r.hs.transpose([1, 0, 2]) as tf.Tensor3D, state: { ...state, hidden: r.hT }, attentionWeights: r.weights };
  }

  /** d2l's loop as tfjs ops, step by step (the reference). */
  private forwardOps(X: tf.Tensor2D, state: AttentionState, ctx: ForwardContext): HiddenOutput {
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
    return { hidden: tf.stack(outputs, 1) as tf.Tensor3D, state: { ...state, hidden }, attentionWeights: tf.concat(weights, 1) as tf.Tensor3D };
  }

  variables(): tf.Variable[] {
    return [this.embedding, this.attention.wq, this.attention.wk, this.attention.wv, ...this.layers.flatMap((l) => [l.wx, l.wh, l.b]), this.denseW, this.denseB];
  }
}
