/**
 * Sizes every path of the fused kernels derives from the cell kind and dims, and the checks
 * on them: one place, so the TS, WASM and native paths reject the same calls with the same
 * sentence. Also the constants the C core (native addon and WASM) is compiled with.
 */
import { GATES, type CellKind, type CellWeights, type DenseDims, type Dims, type ForwardCache, type SeqInput } from './types';

/** The C core's cell codes (`kind` in its args struct). */
export const KIND_CODE: Readonly<Record<CellKind, number>> = { rnn: 0, gru: 1, lstm: 2 };
/** The C core's code of a call: KIND_CODE, or 3 for PyTorch's GRU variant (weights with bhn). */
export function kindCode(kind: CellKind, w: Pick<CellWeights, 'bhn'>): number {
  return kind === 'gru' && w.bhn ? 3 : KIND_CODE[kind];
}
/** Column width of the C core's packed weight panels. */
export const NR = 16;
/** n rounded up to whole panels: the C core packs weights in NR-wide blocks. */
export const panelPad = (n: number): number => Math.ceil(n / NR) * NR;

/** Dims plus G gate blocks and N = G·H gate columns. */
export interface Shape extends Dims {
  G: number;
  N: number;
}

/** Forward's sizes, after checking every argument against them. */
export function forwardShape(kind: CellKind, dims: Dims, input: SeqInput, h0: Float32Array, c0: Float32Array | null, w: CellWeights): Shape {
  const G = checkArgs(kind, dims, input, h0, c0, w);
  const { T, B, I, H } = dims;
  return { T, B, I, H, G, N: G * H };
}

/** Backward's sizes, from the forward cache, after checking dhs against them. */
export function backwardShape(cache: ForwardCache, dhs: Float32Array): Shape {
  const { T, B, I, H } = cache.dims;
  const G = GATES[cache.kind];
  if (dhs.length !== T * B * H) throw new Error(`fused recurrent backward: dhs needs ${T * B * H} entries`);
  return { T, B, I, H, G, N: G * H };
}

/** Throws on inconsistent sizes; returns G. */
export function checkArgs(
  kind: CellKind,
  d: Dims,
  input: SeqInput,
  h0: Float32Array,
  c0: Float32Array | null,
  w: CellWeights,
): number {
  const G = GATES[kind];
  if (G === undefined) throw new Error(`fused recurrent: unknown cell kind '${String(kind)}'`);
  const { T, B, I, H } = d;
  for (const [k, v] of Object.entries(d)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`fused recurrent: dims.${k} must be a positive integer, got ${v}`);
  }
  const N = G * H;
  if (input instanceof Int32Array) {
    if (input.length !== T * B) throw new Error(`fused recurrent: token ids need T·B = ${T * B} entries, got ${input.length}`);
    for (let i = 0; i < input.length; i++) {
      const id = input[i];
      if (id < 0 || id >= I) throw new Error(`fused recurrent: token id ${id} outside [0, ${I})`);
    }
  } else if (input.length !== T * B * I) {
    throw new Error(`fused recurrent: x needs T·B·I = ${T * B * I} entries, got ${input.length}`);
  }
  if (h0.length !== B * H) throw new Error(`fused recurrent: h0 needs B·H = ${B * H} entries, got ${h0.length}`);
  if (kind === 'lstm') {
    if (!c0 || c0.length !== B * H) throw new Error(`fused recurrent: LSTM needs c0 of B·H = ${B * H} entries`);
  }
  if (w.wx.length !== I * N) throw new Error(`fused recurrent: wx must be [${I}, ${N}], got ${w.wx.length} entries`);
  if (w.wh.length !== H * N) throw new Error(`fused recurrent: wh must be [${H}, ${N}], got ${w.wh.length} entries`);
  if (w.b.length !== N) throw new Error(`fused recurrent: b must be [${N}], got ${w.b.length} entries`);
  if (w.bhn && kind !== 'gru') throw new Error(`fused recurrent: bhn (PyTorch's GRU variant) belongs to a GRU, not ${kind}`);
  if (w.bhn && w.bhn.length !== H) throw new Error(`fused recurrent: bhn must be [${H}], got ${w.bhn.length} entries`);
  return G;
}

/**
 * Checks the fused dense layer's arrays against its dims: a [N, D], w [D, V], and `last`
 * (b [V] for the forward, dY [N, V] for the backward).
 */
export function checkDense(d: DenseDims, a: Float32Array, w: Float32Array, last: Float32Array, backward = false): void {
  for (const [k, v] of Object.entries(d)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`fused dense: dims.${k} must be a positive integer, got ${v}`);
  }
  const { N, D, V } = d;
  if (a.length !== N * D) throw new Error(`fused dense: a must be [${N}, ${D}], got ${a.length} entries`);
  if (w.length !== D * V) throw new Error(`fused dense: w must be [${D}, ${V}], got ${w.length} entries`);
  if (backward && last.length !== N * V) throw new Error(`fused dense backward: dy must be [${N}, ${V}], got ${last.length} entries`);
  if (!backward && last.length !== V) throw new Error(`fused dense: b must be [${V}], got ${last.length} entries`);
}

/**
 * Softmax cross-entropy's inputs: logits [N, V], labels [N], every label a token id of the
 * vocabulary. (An out-of-range label used to count as zero loss while still dividing by N.)
 */
export function checkXent(N: number, V: number, logits: Float32Array, labels: Int32Array): void {
  if (logits.length !== N * V || labels.length !== N) throw new Error(`softmaxXent: logits must be [${N}, ${V}] and labels [${N}]`);
  checkLabels(V, labels);
}

/** Every label is a token id of a vocabulary of size V. */
export function checkLabels(V: number, labels: Int32Array): void {
  for (let n = 0; n < labels.length; n++) {
    const y = labels[n];
    if (!(y >= 0 && y < V)) throw new RangeError(`Label ${y} (row ${n}) is outside the vocabulary of size ${V}, so the cross-entropy loss is undefined.`);
  }
}

/**
 * nn.Embedding's arguments: table [V, E] (tableLength entries), ids in [0, V), dy [ids, E] when
 * given. An id outside the vocabulary is a RangeError naming it and V (every kernel path).
 */
export function checkEmbedding(V: number, E: number, tableLength: number, ids: Int32Array, dyLength?: number): void {
  if (!Number.isInteger(V) || V < 1 || !Number.isInteger(E) || E < 1) throw new Error(`embedding: V and E must be positive integers, got V=${V} E=${E}`);
  if (tableLength !== V * E) throw new Error(`embedding: the table must be [${V}, ${E}], got ${tableLength} entries`);
  if (dyLength !== undefined && dyLength !== ids.length * E) throw new Error(`embedding backward: dy must be [${ids.length}, ${E}], got ${dyLength} entries`);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (!(id >= 0 && id < V)) throw new RangeError(`Embedding: token id ${id} (position ${r}) is outside the vocabulary of size ${V}.`);
  }
}

/** Vocabulary columns per chunk of the fused head and loss (native/src/lm_head_core.h HC_COLS): its scratch sizes. */
export const HEAD_COLS = 256;
/** Pieces of the vocabulary both native threads claim in the head + loss (native/src/addon.c HEAD_PIECES). */
export const HEAD_PIECES = 4;

/** The fused head + loss's arguments: the dense layer's, and one label in [0, V) per row. */
export function checkHeadLoss(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, labels: Int32Array): void {
  checkDense(d, a, w, b);
  if (labels.length !== d.N) throw new Error(`head loss: labels must be [${d.N}], got ${labels.length} entries`);
  checkLabels(d.V, labels);
}

/** Throws unless a forward's optional per-row input term has B·N entries. */
export function checkRowBias(rowBias: Float32Array | undefined, B: number, N: number): void {
  if (rowBias && rowBias.length !== B * N) throw new Error(`fused recurrent: rowBias needs B·N = ${B * N} entries, got ${rowBias.length}`);
}
