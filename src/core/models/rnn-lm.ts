/**
 * d2l's RNNModel (8.5 from scratch, 8.6 concise, 9.3 deep, 9.4 bidirectional): recurrent layers
 * over one-hot (or embedded) tokens and a dense output layer to the vocabulary.
 *
 * Three implementations of the recurrent layers share this class, the parameter layout (see
 * ./cells.ts) and therefore checkpoints:
 *   - 'scratch': the cells of ./cells.ts, one step at a time (readable; records gates).
 *   - 'fused':   the fused kernel op (src/core/kernels/tfjs-op.ts), whole sequence per call.
 *   - 'layers':  tf.layers simpleRNN / gru / lstm (the textbook's "concise" path).
 * Sequences are time-major: X is int32 [T, B], logits are [T·B, V] (row t·B + b), as in d2l.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedRecurrent } from '../kernels/tfjs-op';
import { fusedDense, hasFusedDense } from '../kernels/dense-op';
import { currentKernel } from '../kernels/select';
import type { RecurrentKernel } from '../kernels/types';
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { Rng } from '../util/random';
import { linear } from './linear';
import { GATES, GATE_NAMES, cellFor, scaleGradient, splitGates, type CellKind, type CellState, type GruVariant } from './cells';

export type Impl = 'scratch' | 'fused' | 'layers';
export const IMPLS: readonly Impl[] = ['scratch', 'fused', 'layers'];
export const CELL_KINDS: readonly CellKind[] = ['rnn', 'gru', 'lstm'];

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
  /** GRU only: d2l's from-scratch GRU (default) or PyTorch's (reset after the hidden product, own b_hn; see ./cells.ts). */
  variant?: GruVariant;
}

/** Per layer × direction (index layer·dirs + d): hidden state, and memory for LSTM. */
export interface LMState {
  h: tf.Tensor2D[];
  c: (tf.Tensor2D | null)[];
}

/** What the scratch path recorded for one layer × direction, [T][B][H] per gate. */
export interface LayerRecord {
  layer: number;
  direction: 'forward' | 'backward';
  gates: Record<string, tf.Tensor2D[]>;
  hidden: tf.Tensor2D[];
  memory?: tf.Tensor2D[];
}

export interface ForwardOptions {
  /**
   * Gradient multiplier on the state entering step t (t = 1…T−1) for truncated BPTT: 0 cuts,
   * 1 passes, 1/π reweights (randomised truncation). Omitted = full BPTT over the window.
   */
  gradScales?: number[];
  /** Record gate activations per step (runs the scratch path). */
  record?: boolean;
  /** Run this implementation instead of the model's own (same weights). */
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
  if (!CELL_KINDS.includes(c.kind)) throw new SeqlabError(`Unknown model "${String(c.kind)}"; use rnn, gru or lstm.`);
  if (!IMPLS.includes(c.impl)) throw new SeqlabError(`Unknown implementation "${String(c.impl)}"; use scratch, fused or layers.`);
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

/**
 * Rows of `table` for token ids = one-hot(ids) · table (the textbook's one-hot input). A gather
 * is far cheaper for large vocabularies, but its gradient needs UnsortedSegmentSum, which the
 * wasm backend lacks; there the explicit one-hot product runs instead (same numbers).
 */
export function tokenRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const hasScatter = tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined;
  if (hasScatter) return tf.gather(table, ids);
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const rows = linear(tf.oneHot(flat, table.shape[0]).toFloat() as tf.Tensor2D, table);
  return tf.reshape(rows, [...ids.shape, table.shape[1]]);
}

/** d2l's init: weights normal(0, 0.01), biases zero. */
function normal(rng: Rng, shape: number[], std: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal(0, std);
  return tf.tensor(data, shape);
}

/** Packed [i, f, o, c̃] ↔ Keras [i, f, c, o]: swapping blocks 2 and 3 converts both ways. */
function swapLstmBlocks(w: tf.Tensor, H: number): tf.Tensor {
  const axis = w.rank - 1;
  const [i, f, a, b] = tf.split(w, [H, H, H, H], axis);
  return tf.concat([i, f, b, a], axis);
}

interface Packed {
  wx: tf.Variable;
  wh: tf.Variable;
  b: tf.Variable;
  /** PyTorch's GRU variant only: b_hn [H] */
  bhn?: tf.Variable;
}

export class RecurrentLM {
  readonly dirs: number;
  readonly G: number;
  private readonly prefix: string;
  private readonly packed: Packed[] = [];
  private readonly rnnLayers: tf.layers.Layer[] = [];
  readonly embed: tf.Variable | null;
  readonly wq: tf.Variable;
  readonly bq: tf.Variable;

  constructor(readonly config: ModelConfig) {
    validateModelConfig(config);
    const { kind, hidden: H, layers, vocabSize: V, embedding: E } = config;
    this.dirs = config.bidirectional ? 2 : 1;
    this.G = GATES[kind];
    // tfjs registers variables by name globally: a per-model prefix lets models coexist.
    this.prefix = `seqlab${++modelCounter}`;
    const rng = new Rng(config.seed);
    const v = (t: tf.Tensor, name: string) => {
      const variable = tf.variable(t, true, `${this.prefix}/${name}`);
      t.dispose();
      return variable;
    };
    this.embed = E > 0 ? v(normal(rng, [V, E], 1), 'embed') : null;
    for (let l = 0; l < layers; l++) {
      for (let d = 0; d < this.dirs; d++) {
        const I = this.inputSize(l);
        const wx = normal(rng, [I, this.G * H], 0.01);
        const wh = normal(rng, [H, this.G * H], 0.01);
        const b = tf.zeros([this.G * H]);
        if (config.impl === 'layers') {
          this.rnnLayers.push(this.makeLayer(I, [wx, wh, b]));
          tf.dispose([wx, wh, b]);
        } else {
          const name = `l${l}.${d ? 'bw' : 'fw'}`;
          const p: Packed = { wx: v(wx, `${name}.wx`), wh: v(wh, `${name}.wh`), b: v(b, `${name}.b`) };
          if (isResetAfter(config)) p.bhn = v(tf.zeros([H]), `${name}.bhn`);
          this.packed.push(p);
        }
      }
    }
    this.wq = v(normal(rng, [this.dirs * H, V], 0.01), 'head.w');
    this.bq = v(tf.zeros([V]), 'head.b');
  }

  /** Input size of layer l: one-hot vocabulary, embedding, or the layer below's output. */
  inputSize(l: number): number {
    if (l > 0) return this.dirs * this.config.hidden;
    return this.config.embedding > 0 ? this.config.embedding : this.config.vocabSize;
  }

  private makeLayer(I: number, packed: tf.Tensor[]): tf.layers.Layer {
    const { kind, hidden: units } = this.config;
    // Keras defaults differ from the textbook (hard sigmoid, orthogonal init): set them explicitly.
    // Initialisers are zeros because setLayerWeights overwrites them (orthogonal init is slow).
    const common = { units, returnSequences: true, returnState: true, inputShape: [null, I] as [null, number], kernelInitializer: 'zeros', recurrentInitializer: 'zeros' } as const;
    const args = { ...common, recurrentActivation: 'sigmoid' as const };
    const layer = kind === 'rnn' ? tf.layers.simpleRNN(common) : kind === 'gru' ? tf.layers.gru(args) : tf.layers.lstm(args);
    // Layer.apply builds the weights on first use (calling build() directly leaves it unbuilt).
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 1, I]));
    });
    this.setLayerWeights(layer, packed);
    return layer;
  }

  private setLayerWeights(layer: tf.layers.Layer, [wx, wh, b]: tf.Tensor[]): void {
    const H = this.config.hidden;
    const conv = (t: tf.Tensor) => (this.config.kind === 'lstm' ? swapLstmBlocks(t, H) : t.clone());
    const ws = [conv(wx), conv(wh), conv(b)];
    layer.setWeights(ws);
    tf.dispose(ws);
  }

  /** The parameters in packed layout (for the layers path: converted copies; dispose them). */
  packedWeights(idx: number): { wx: tf.Tensor2D; wh: tf.Tensor2D; b: tf.Tensor1D; bhn?: tf.Tensor1D } {
    if (this.config.impl !== 'layers') {
      const p = this.packed[idx];
      const out = { wx: p.wx as tf.Tensor as tf.Tensor2D, wh: p.wh as tf.Tensor as tf.Tensor2D, b: p.b as tf.Tensor as tf.Tensor1D };
      return p.bhn ? { ...out, bhn: p.bhn as tf.Tensor as tf.Tensor1D } : out;
    }
    const [k, r, bias] = this.rnnLayers[idx].getWeights();
    const H = this.config.hidden;
    const conv = (t: tf.Tensor) => (this.config.kind === 'lstm' ? swapLstmBlocks(t, H) : t.clone());
    return { wx: conv(k) as tf.Tensor2D, wh: conv(r) as tf.Tensor2D, b: conv(bias) as tf.Tensor1D };
  }

  /** Every trainable variable, for variableGrads and the optimizer. */
  variables(): tf.Variable[] {
    const out: tf.Variable[] = [];
    if (this.embed) out.push(this.embed);
    for (const p of this.packed) out.push(p.wx, p.wh, p.b, ...(p.bhn ? [p.bhn] : []));
    for (const layer of this.rnnLayers) for (const w of layer.trainableWeights) out.push(w.read() as tf.Variable);
    out.push(this.wq, this.bq);
    return out;
  }

  numParameters(): number {
    return this.variables().reduce((a, v) => a + v.size, 0);
  }

  /** d2l's begin_state: zeros, one [B, H] per layer and direction (and memory for LSTM). */
  beginState(batch: number): LMState {
    const n = this.config.layers * this.dirs;
    const H = this.config.hidden;
    const lstm = this.config.kind === 'lstm';
    return {
      h: Array.from({ length: n }, () => tf.zeros([batch, H]) as tf.Tensor2D),
      c: Array.from({ length: n }, () => (lstm ? (tf.zeros([batch, H]) as tf.Tensor2D) : null)),
    };
  }

  /**
   * X int32 [T, B] → logits [T·B, V] and the state after the last step. Call inside tf.tidy
   * (or variableGrads); keep the returned state with tf.keep to carry it across batches.
   */
  forward(X: tf.Tensor2D, state: LMState, opts: ForwardOptions = {}): ForwardResult {
    const { layers, hidden: H, vocabSize: V } = this.config;
    if (X.dtype !== 'int32') throw new SeqlabError('The model input must be int32 token ids.');
    const [T, B] = X.shape;
    if (state.h.length !== layers * this.dirs || state.h[0].shape[0] !== B) throw new SeqlabError(`The state does not fit this model and a batch of ${B}.`);
    let impl: Impl = opts.impl ?? this.config.impl;
    if (opts.record) impl = 'scratch';
    const scales = opts.gradScales;
    if (scales && scales.length !== T) throw new SeqlabError(`gradScales needs one entry per time step (${T}), got ${scales.length}.`);
    if (impl === 'fused' && scales && scales.some((s) => s !== 0 && s !== 1)) impl = 'scratch';
    if (impl === 'layers' && scales && scales.some((s) => s !== 1)) {
      throw new SeqlabError('The layers implementation trains with full BPTT only; use --impl scratch or fused for truncation.');
    }
    const records: LayerRecord[] = [];
    const next: LMState = { h: [], c: [] };
    // Layer 0 input: token ids (one-hot, gathered rows of wx) or embeddings.
    let input: tf.Tensor = this.embed ? tokenRows(this.embed as tf.Tensor as tf.Tensor2D, X) : X;
    for (let l = 0; l < layers; l++) {
      const outs: tf.Tensor3D[] = [];
      for (let d = 0; d < this.dirs; d++) {
        const idx = l * this.dirs + d;
        const x = d === 1 ? tf.reverse(input, 0) : input;
        const r = this.runLayer(idx, impl, x, state.h[idx], state.c[idx], scales, opts.record ? { layer: l, direction: d ? 'backward' : 'forward', records } : undefined);
        outs.push(d === 1 ? (tf.reverse(r.hs, 0) as tf.Tensor3D) : r.hs);
        next.h.push(r.hT);
        next.c.push(r.cT);
      }
      input = outs.length === 1 ? outs[0] : tf.concat(outs, 2);
    }
    const flat = tf.reshape(input, [T * B, this.dirs * H]) as tf.Tensor2D;
    const wq = this.wq as tf.Tensor as tf.Tensor2D;
    const fusedHead = opts.head ? opts.head === 'fused' : defaultFusedHead(impl);
    const logits = (fusedHead ? fusedDense(flat, wq, this.bq) : tf.add(linear(flat, wq), this.bq)).reshape([T * B, V]) as tf.Tensor2D;
    return { logits, state: next, records: opts.record ? records : undefined };
  }

  private runLayer(
    idx: number,
    impl: Impl,
    x: tf.Tensor,
    h0: tf.Tensor2D,
    c0: tf.Tensor2D | null,
    scales: number[] | undefined,
    record?: { layer: number; direction: 'forward' | 'backward'; records: LayerRecord[] },
  ): { hs: tf.Tensor3D; hT: tf.Tensor2D; cT: tf.Tensor2D | null } {
    const { kind, hidden: H } = this.config;
    const I = this.inputSize(Math.floor(idx / this.dirs));
    const ids = x.dtype === 'int32';
    const [T, B] = x.shape;
    if (impl === 'layers' && this.config.impl === 'layers') {
      const xb = tf.transpose(ids ? tf.oneHot(x as tf.Tensor2D, I).toFloat() : x, [1, 0, 2]);
      const out = this.rnnLayers[idx].apply(xb, { initialState: kind === 'lstm' ? [h0, c0!] : [h0] }) as tf.Tensor[];
      // Keras returns [sequence, h, c] for LSTM (state order [h, c]).
      return { hs: tf.transpose(out[0], [1, 0, 2]) as tf.Tensor3D, hT: out[1] as tf.Tensor2D, cT: kind === 'lstm' ? (out[2] as tf.Tensor2D) : null };
    }
    const { wx, wh, b, bhn } = this.packedWeights(idx);
    if (impl === 'fused') {
      // Truncation points (scale 0) split the window into segments run by one fused call each.
      const cuts = [0, ...(scales ?? []).flatMap((s, t) => (t > 0 && s === 0 ? [t] : [])), T];
      const parts: tf.Tensor3D[] = [];
      let h = h0;
      let c = c0;
      for (let s = 0; s + 1 < cuts.length; s++) {
        const len = cuts[s + 1] - cuts[s];
        if (s > 0) {
          h = scaleGradient(h, 0);
          c = c && scaleGradient(c, 0);
        }
        const xs = cuts.length === 2 ? x : ids ? x.slice([cuts[s], 0], [len, B]) : x.slice([cuts[s], 0, 0], [len, B, I]);
        const r = fusedRecurrent(kind, xs as tf.Tensor2D | tf.Tensor3D, h, c, wx, wh, b, { inputSize: I, bhn });
        parts.push(r.hs);
        h = r.hT;
        c = r.cT;
      }
      return { hs: parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor3D), hT: h, cT: c };
    }
    // Scratch: the input projection of all steps at once, then the cell step by step.
    const GH = this.G * H;
    const xw = ids ? tf.add(tokenRows(wx, tf.reshape(x, [T * B])), b) : tf.add(linear(tf.reshape(x, [T * B, I]) as tf.Tensor2D, wx), b);
    const steps = tf.unstack(tf.reshape(xw, [T, B, GH])) as tf.Tensor2D[];
    const whs = splitGates(wh, kind);
    const cell = cellFor(kind, this.config.variant, bhn);
    let st: CellState = { h: h0, c: c0 };
    const hs: tf.Tensor2D[] = [];
    const rec: LayerRecord | undefined = record && {
      layer: record.layer,
      direction: record.direction,
      gates: Object.fromEntries(GATE_NAMES[kind].map((g) => [g, [] as tf.Tensor2D[]])),
      hidden: [],
      memory: kind === 'lstm' ? [] : undefined,
    };
    for (let t = 0; t < T; t++) {
      if (t > 0 && scales && scales[t] !== 1) st = { h: scaleGradient(st.h, scales[t]), c: st.c && scaleGradient(st.c, scales[t]) };
      const out = cell(steps[t], st, whs);
      hs.push(out.h);
      if (rec) {
        for (const g of GATE_NAMES[kind]) rec.gates[g].push(out.gates[g]);
        rec.hidden.push(out.h);
        rec.memory?.push(out.c!);
      }
      st = out;
    }
    if (rec) record!.records.push(rec);
    return { hs: tf.stack(hs) as tf.Tensor3D, hT: st.h, cT: st.c };
  }

  /** Weights by name in packed layout (the checkpoint format, independent of the implementation). */
  namedWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    if (this.embed) out.embed = this.embed;
    for (let idx = 0; idx < this.config.layers * this.dirs; idx++) {
      const name = `l${Math.floor(idx / this.dirs)}.${idx % this.dirs ? 'bw' : 'fw'}`;
      const w = this.packedWeights(idx);
      out[`${name}.wx`] = w.wx;
      out[`${name}.wh`] = w.wh;
      out[`${name}.b`] = w.b;
      if (w.bhn) out[`${name}.bhn`] = w.bhn;
    }
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
      for (let idx = 0; idx < this.config.layers * this.dirs; idx++) {
        const name = `l${Math.floor(idx / this.dirs)}.${idx % this.dirs ? 'bw' : 'fw'}`;
        const [wx, wh, b] = [get(`${name}.wx`), get(`${name}.wh`), get(`${name}.b`)];
        if (this.config.impl === 'layers') this.setLayerWeights(this.rnnLayers[idx], [wx, wh, b]);
        else {
          this.packed[idx].wx.assign(wx);
          this.packed[idx].wh.assign(wh);
          this.packed[idx].b.assign(b);
          this.packed[idx].bhn?.assign(get(`${name}.bhn`));
        }
      }
      this.wq.assign(get('head.w'));
      this.bq.assign(get('head.b'));
    });
  }

  dispose(): void {
    for (const p of this.packed) tf.dispose([p.wx, p.wh, p.b, ...(p.bhn ? [p.bhn] : [])]);
    for (const layer of this.rnnLayers) layer.dispose();
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
