/**
 * d2l's RNNModel (8.5 from scratch, 8.6 concise, 9.3 deep, 9.4 bidirectional): recurrent layers
 * over one-hot (or embedded) tokens and a dense output layer to the vocabulary.
 *
 * Each layer × direction is a RecurrentLayer (./recurrent/layer.ts); how it computes — fused
 * kernel, per-step reference cells or tf.layers — is a strategy (./recurrent/strategy.ts) that
 * shares the packed parameter layout and therefore checkpoints. Sequences are time-major: X is
 * int32 [T, B], logits are [T·B, V] (row t·B + b), as in d2l.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedDense, hasFusedDense } from '../kernels/dense-op';
import { embeddingLookup } from '../kernels/embedding-op';
import { hasFusedHeadLoss, headCrossEntropy } from '../kernels/head-loss-op';
import { currentKernel } from '../kernels/select';
import type { RecurrentKernel } from '../kernels/types';
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { Rng } from '../util/random';
import { linear } from './linear';
import { GATES, type CellKind, type GruVariant } from './cells';
import { LANGUAGE_MODEL_NAMES } from './registry';
import { INITIALIZERS, initDense, initRecurrent, normalTensor, type Initializer } from './recurrent/init';
import type { LayerRecord, LayerState, PackedWeights, RecurrentLayer } from './recurrent/layer';
import { createRecurrentLayer } from './recurrent/packed-layer';
import { emptyRecord } from './recurrent/reference';
import { IMPLS, chooseStrategy, gradScaling, type Impl } from './recurrent/strategy';

export { IMPLS, type Impl } from './recurrent/strategy';
export type { LayerRecord } from './recurrent/layer';
export const CELL_KINDS: readonly CellKind[] = LANGUAGE_MODEL_NAMES;

export interface ModelConfig {
  kind: CellKind;
  impl: Impl;
  vocabSize: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  /** 0 = one-hot inputs (the textbook's character models); > 0 = a learned embedding of this size. */
  embedding: number;
  /** Seed of the initial weights. */
  seed: number;
  /** Initial weights (./recurrent/init.ts); omitted = 'd2l', the textbook's. */
  init?: Initializer;
  /** GRU only: d2l's from-scratch GRU (default) or PyTorch's (reset after the hidden product, own b_hn; see ./cells.ts). */
  variant?: GruVariant;
}

/** Per layer × direction (index layer·dirs + d): hidden state, and memory for LSTM. */
export interface LMState {
  h: tf.Tensor2D[];
  c: (tf.Tensor2D | null)[];
}

export interface ForwardOptions {
  /**
   * Gradient multiplier on the state entering step t (t = 1…T−1) for truncated BPTT: 0 cuts,
   * 1 passes, 1/π reweights (randomised truncation; needs the reference strategy, see
   * chooseStrategy). Omitted = full BPTT over the window.
   */
  gradScales?: number[];
  /** Record gate activations per step (runs the reference cells, see chooseStrategy). */
  record?: boolean;
  /** Compute with this strategy instead of the model's own (same weights). */
  impl?: Impl;
  /**
   * Output layer: 'fused' = one dense-layer kernel op (fusedDense), 'ops' = tfjs matMul + add.
   * Default: 'fused' when the fused impl runs on a compiled kernel path (wasm / native) and the
   * tfjs backend is wasm or cpu (measured: head + gradient ~1–1.5 ms instead of ~4 ms per
   * textbook step); else 'ops' (the TypeScript reference kernel is ~15× slower than the wasm
   * backend's matMul; tfjs-node's multi-threaded matMul is not measured here).
   */
  head?: 'fused' | 'ops';
}

/** Whether the output layer runs as the fused dense op by default (see ForwardOptions.head). */
export function defaultFusedHead(impl: Impl, kernel: RecurrentKernel = currentKernel()): boolean {
  if (impl !== 'fused' || kernel.path === 'ts' || !hasFusedDense(kernel)) return false;
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

export interface ForwardResult {
  logits: tf.Tensor2D;
  state: LMState;
  records?: LayerRecord[];
}

export function validateModelConfig(c: ModelConfig): void {
  if (!CELL_KINDS.includes(c.kind)) throw new SeqlabError(`Unknown model "${String(c.kind)}"; use ${CELL_KINDS.join(', ')}.`);
  if (!IMPLS.includes(c.impl)) throw new SeqlabError(`Unknown implementation "${String(c.impl)}"; use scratch, fused or layers.`);
  if (c.init !== undefined && !INITIALIZERS.includes(c.init)) throw new SeqlabError(`Unknown initialiser "${String(c.init)}"; use ${INITIALIZERS.join(' or ')}.`);
  assertPositiveInt(c.vocabSize, 'The vocabulary size');
  assertPositiveInt(c.hidden, 'The number of hidden units');
  assertPositiveInt(c.layers, 'The number of layers');
  if (!Number.isInteger(c.embedding) || c.embedding < 0) throw new SeqlabError(`The embedding size must be 0 (one-hot) or a positive whole number, got ${c.embedding}.`);
  if (!Number.isInteger(c.seed)) throw new SeqlabError(`The seed must be a whole number, got ${c.seed}.`);
  if (c.variant !== undefined && c.variant !== 'd2l' && c.variant !== 'pytorch') throw new SeqlabError(`Unknown GRU variant "${String(c.variant)}"; use d2l or pytorch.`);
  if (c.variant === 'pytorch' && c.kind !== 'gru') throw new SeqlabError(`The pytorch variant is a GRU's; a ${c.kind} has none.`);
  if (c.variant === 'pytorch' && c.impl === 'layers') throw new SeqlabError("tf.layers has no PyTorch-style GRU here; run it with --impl fused or scratch.");
}

/** Whether the model is PyTorch's GRU variant (each layer then has its own b_hn). */
export function isResetAfter(c: ModelConfig): boolean {
  return c.kind === 'gru' && c.variant === 'pytorch';
}

let modelCounter = 0;

/** Checkpoint name of layer × direction idx: l0.fw, l0.bw, l1.fw, … */
function layerName(idx: number, dirs: number): string {
  return `l${Math.floor(idx / dirs)}.${idx % dirs ? 'bw' : 'fw'}`;
}

export class RecurrentLM {
  readonly dirs: number;
  readonly G: number;
  private readonly prefix: string;
  /** Per layer × direction (index layer·dirs + d). */
  readonly recurrent: RecurrentLayer[] = [];
  readonly embed: tf.Variable | null;
  readonly wq: tf.Variable;
  readonly bq: tf.Variable;

  constructor(readonly config: ModelConfig) {
    validateModelConfig(config);
    const { kind, hidden: H, layers, vocabSize: V, embedding: E } = config;
    const init = config.init ?? 'd2l';
    this.dirs = config.bidirectional ? 2 : 1;
    this.G = GATES[kind];
    // tfjs registers variables by name globally: a per-model prefix lets models coexist.
    this.prefix = `seqlab${++modelCounter}`;
    // One generator in a fixed order (embedding, each layer's wx, wh, b, the head): a seed gives the same weights.
    const rng = new Rng(config.seed);
    const v = (t: tf.Tensor, name: string) => {
      const variable = tf.variable(t, true, `${this.prefix}/${name}`);
      t.dispose();
      return variable;
    };
    this.embed = E > 0 ? v(normalTensor(rng, [V, E], 1), 'embed') : null;
    for (let idx = 0; idx < layers * this.dirs; idx++) {
      const I = this.inputSize(Math.floor(idx / this.dirs));
      const w = initRecurrent(init, rng, I, H, this.G);
      // zeros: drawing b_hn would shift the random stream of every weight after it
      if (isResetAfter(config)) w.bhn = tf.zeros([H]);
      this.recurrent.push(createRecurrentLayer(kind, I, H, config.impl, w, `${this.prefix}/${layerName(idx, this.dirs)}`));
    }
    const head = initDense(init, rng, this.dirs * H, V);
    this.wq = v(head.w, 'head.w');
    this.bq = v(head.b, 'head.b');
  }

  /** Input size of layer l: one-hot vocabulary, embedding, or the layer below's output. */
  inputSize(l: number): number {
    if (l > 0) return this.dirs * this.config.hidden;
    return this.config.embedding > 0 ? this.config.embedding : this.config.vocabSize;
  }

  /** The parameters in packed layout (for the layers strategy: converted copies; dispose them). */
  packedWeights(idx: number): PackedWeights {
    return this.recurrent[idx].packedWeights();
  }

  /** Every trainable variable, for variableGrads and the optimizer. */
  variables(): tf.Variable[] {
    return [...(this.embed ? [this.embed] : []), ...this.recurrent.flatMap((l) => l.variables()), this.wq, this.bq];
  }

  numParameters(): number {
    return this.variables().reduce((a, v) => a + v.size, 0);
  }

  /** d2l's begin_state: zeros, one [B, H] per layer and direction (and memory for LSTM). */
  beginState(batch: number): LMState {
    const states = this.recurrent.map((l) => l.initState(batch));
    return { h: states.map((s) => s.h), c: states.map((s) => s.c) };
  }

  /**
   * Keeps a state beyond the tidy that made it, to carry into the next batch. tfjs records a
   * new tape per variableGrads call, so a carried state is detached from the previous batch's
   * graph (d2l's `state.detach_()`) by this alone.
   */
  detachState(s: LMState): LMState {
    return keepState(s);
  }

  /** The recurrent layers: X int32 [T, B] → the last layer's outputs [T·B, dirs·H], whether the head runs fused, the state. */
  private hidden(X: tf.Tensor2D, state: LMState, opts: ForwardOptions): { flat: tf.Tensor2D; fusedHead: boolean; state: LMState; records?: LayerRecord[] } {
    const { layers, hidden: H, kind } = this.config;
    if (X.dtype !== 'int32') throw new SeqlabError('The model input must be int32 token ids.');
    const [T, B] = X.shape;
    if (state.h.length !== layers * this.dirs || state.h[0].shape[0] !== B) throw new SeqlabError(`The state does not fit this model and a batch of ${B}.`);
    const scales = opts.gradScales;
    if (scales && scales.length !== T) throw new SeqlabError(`gradScales needs one entry per time step (${T}), got ${scales.length}.`);
    // The configured strategy, or what chooseStrategy says a recording needs; never a silent switch.
    const { strategy } = opts.record ? chooseStrategy(opts.impl ?? this.config.impl, { record: true, scaling: gradScaling(scales) }) : { strategy: opts.impl ?? this.config.impl };
    if (strategy === 'layers' && gradScaling(scales) !== 'none') chooseStrategy('layers', { scaling: gradScaling(scales) });
    const records: LayerRecord[] = [];
    const next: LMState = { h: [], c: [] };
    // Layer 0 input: token ids (one-hot, gathered rows of wx) or embeddings.
    let input: tf.Tensor = this.embed ? embeddingLookup(this.embed as tf.Tensor as tf.Tensor2D, X) : X;
    for (let l = 0; l < layers; l++) {
      const outs: tf.Tensor3D[] = [];
      for (let d = 0; d < this.dirs; d++) {
        const idx = l * this.dirs + d;
        const x = d === 1 ? tf.reverse(input, 0) : input;
        const record = opts.record ? emptyRecord(kind, l, d ? 'backward' : 'forward') : undefined;
        const s0: LayerState = { h: state.h[idx], c: state.c[idx] };
        const r = this.recurrent[idx].forward(x, s0, { strategy, gradScales: scales, record });
        if (record) records.push(record);
        outs.push(d === 1 ? (tf.reverse(r.hs, 0) as tf.Tensor3D) : r.hs);
        next.h.push(r.state.h);
        next.c.push(r.state.c);
      }
      input = outs.length === 1 ? outs[0] : tf.concat(outs, 2);
    }
    const flat = tf.reshape(input, [T * B, this.dirs * H]) as tf.Tensor2D;
    const fusedHead = opts.head ? opts.head === 'fused' : defaultFusedHead(strategy);
    return { flat, fusedHead, state: next, records: opts.record ? records : undefined };
  }

  /**
   * X int32 [T, B] → logits [T·B, V] and the state after the last step. Call inside tf.tidy
   * (or variableGrads); keep the returned state with detachState to carry it across batches.
   */
  forward(X: tf.Tensor2D, state: LMState, opts: ForwardOptions = {}): ForwardResult {
    const { flat, fusedHead, state: next, records } = this.hidden(X, state, opts);
    const wq = this.wq as tf.Tensor as tf.Tensor2D;
    const logits = (fusedHead ? fusedDense(flat, wq, this.bq) : tf.add(linear(flat, wq), this.bq)).reshape([X.shape[0] * X.shape[1], this.config.vocabSize]) as tf.Tensor2D;
    return { logits, state: next, records };
  }

  /**
   * The mean cross-entropy of the predictions for X against the next tokens Y (int32 [T·B], in
   * the logits' order) and the state after the last step. With the fused head (ForwardOptions.head)
   * the output layer and the loss are one kernel op (../kernels/head-loss-op.ts: the [T·B, V]
   * logits never become a tensor); otherwise `lossOf` of forward's logits.
   */
  forwardLoss(X: tf.Tensor2D, Y: tf.Tensor1D, state: LMState, lossOf: (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar, opts: ForwardOptions = {}): { loss: tf.Scalar; state: LMState } {
    const { flat, fusedHead, state: next } = this.hidden(X, state, opts);
    const wq = this.wq as tf.Tensor as tf.Tensor2D;
    if (fusedHead && hasFusedHeadLoss()) return { loss: headCrossEntropy(flat, wq, this.bq, Y), state: next };
    const logits = fusedHead ? fusedDense(flat, wq, this.bq) : (tf.add(linear(flat, wq), this.bq) as tf.Tensor2D);
    return { loss: lossOf(logits, Y), state: next };
  }

  /** Weights by name in packed layout (the checkpoint format, independent of the strategy). */
  namedWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    if (this.embed) out.embed = this.embed;
    this.recurrent.forEach((layer, idx) => {
      const name = layerName(idx, this.dirs);
      const w = layer.packedWeights();
      out[`${name}.wx`] = w.wx;
      out[`${name}.wh`] = w.wh;
      out[`${name}.b`] = w.b;
      if (w.bhn) out[`${name}.bhn`] = w.bhn;
    });
    out['head.w'] = this.wq;
    out['head.b'] = this.bq;
    return out;
  }

  /** Loads weights saved by namedWeights; a missing or misshapen weight is a clear error. */
  loadWeights(weights: Map<string, { shape: number[]; data: Float32Array }>): void {
    const expected = tf.tidy(() => Object.fromEntries(Object.entries(this.namedWeights()).map(([k, t]) => [k, t.shape])));
    for (const [name, shape] of Object.entries(expected)) {
      const w = weights.get(name);
      if (!w) throw new SeqlabError(`The checkpoint's weights do not fit this model: ${name} is missing.`, 'checkpoint');
      if (w.shape.join() !== shape.join()) {
        throw new SeqlabError(`The checkpoint's weights do not fit this model: ${name} is [${w.shape}], the model needs [${shape}].`, 'checkpoint');
      }
    }
    const get = (name: string) => tf.tensor(weights.get(name)!.data, weights.get(name)!.shape);
    tf.tidy(() => {
      if (this.embed) this.embed.assign(get('embed'));
      this.recurrent.forEach((layer, idx) => {
        const name = layerName(idx, this.dirs);
        const bhn = weights.has(`${name}.bhn`) && isResetAfter(this.config) ? { bhn: get(`${name}.bhn`) as tf.Tensor1D } : {};
        layer.setPackedWeights({ wx: get(`${name}.wx`) as tf.Tensor2D, wh: get(`${name}.wh`) as tf.Tensor2D, b: get(`${name}.b`) as tf.Tensor1D, ...bhn });
      });
      this.wq.assign(get('head.w'));
      this.bq.assign(get('head.b'));
    });
  }

  dispose(): void {
    for (const layer of this.recurrent) layer.dispose();
    tf.dispose([this.wq, this.bq]);
    if (this.embed) this.embed.dispose();
  }
}

export function disposeState(s: LMState): void {
  tf.dispose([...s.h, ...s.c.filter((c): c is tf.Tensor2D => c !== null)]);
}

export function keepState(s: LMState): LMState {
  s.h.forEach((t) => tf.keep(t));
  s.c.forEach((t) => t && tf.keep(t));
  return s;
}
