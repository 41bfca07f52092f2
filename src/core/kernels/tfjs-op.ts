/**
 * The fused recurrent layer as a TensorFlow.js op. One op runs the whole sequence forward
 * (all gates, all steps) and its gradient runs the whole BPTT backward, through whichever
 * kernel path is current (see ./select.ts). Built with tf.customGrad, so tf.variableGrads,
 * tf.grads and the optimizers work unchanged; kernels run on raw Float32Arrays, so any tfjs
 * backend (cpu, wasm, tfjs-node) works.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer-pool';
import { tsKernel } from './reference';
import { currentKernel } from './select';
import { GATES, type CellKind, type Dims, type RecurrentKernel } from './types';
import { f32Weights, readValues, recording, release, tensorFrom } from './tensor-io';

export interface FusedRecurrentResult {
  /** [T, B, H] */
  hs: tf.Tensor3D;
  /** [B, H] */
  hT: tf.Tensor2D;
  /** [B, H] for LSTM, else null */
  cT: tf.Tensor2D | null;
}

export interface FusedRecurrentOptions {
  /** vocabulary size when x holds int32 token ids [T, B] (defaults to wx.shape[0]) */
  inputSize?: number;
  /** run on this kernel instead of the current one (tests, bench) */
  kernel?: RecurrentKernel;
  /** GRU only: b_hn [H], selecting PyTorch's reset-after variant (see ./types.ts) */
  bhn?: tf.Tensor1D | tf.Tensor;
}

/**
 * The kernel that runs a layer: `preferred` unless the layer is PyTorch's GRU variant and that
 * path lacks it; then the TypeScript reference (resetAfterNote says so to people).
 */
export function kernelFor(preferred: RecurrentKernel, resetAfter: boolean): RecurrentKernel {
  return resetAfter && !preferred.resetAfter ? tsKernel : preferred;
}

/** The sentence for run info when PyTorch-style GRUs cannot use the current fused path, else null. */
export function resetAfterNote(kernel: RecurrentKernel = currentKernel()): string | null {
  return kernel.resetAfter ? null : `PyTorch-style GRU runs on the per-step path (the ${kernel.path} kernel computes d2l's GRU only; the TypeScript reference kernel runs it).`;
}

/**
 * Runs one recurrent layer over a whole sequence.
 * @param x float [T, B, I] inputs, or int32 [T, B] token ids (one-hot inputs, gathered)
 * @param h0 [B, H]; c0 [B, H] for LSTM, null otherwise
 * @param wx [I, G·H]; wh [H, G·H]; b [G·H] — gate order rnn [h], gru [z, r, h̃], lstm [i, f, o, c̃]
 */
export function fusedRecurrent(
  kind: CellKind,
  x: tf.Tensor3D | tf.Tensor2D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D | null,
  wx: tf.Tensor2D,
  wh: tf.Tensor2D,
  b: tf.Tensor1D | tf.Tensor,
  opts: FusedRecurrentOptions = {},
): FusedRecurrentResult {
  const G = GATES[kind];
  if (G === undefined) throw new Error(`fusedRecurrent: unknown cell kind '${String(kind)}'`);
  const ids = x.dtype === 'int32';
  if (ids && x.rank !== 2) throw new Error(`fusedRecurrent: token ids must be [T, B], got shape [${x.shape}]`);
  if (!ids && x.rank !== 3) throw new Error(`fusedRecurrent: x must be [T, B, I], got shape [${x.shape}]`);
  const [T, B] = x.shape;
  const H = h0.shape[1];
  const I = ids ? (opts.inputSize ?? wx.shape[0]) : x.shape[2]!;
  if (wx.shape[0] !== I || wx.shape[1] !== G * H) throw new Error(`fusedRecurrent: wx must be [${I}, ${G * H}], got [${wx.shape}]`);
  if (wh.shape[0] !== H || wh.shape[1] !== G * H) throw new Error(`fusedRecurrent: wh must be [${H}, ${G * H}], got [${wh.shape}]`);
  if (b.size !== G * H) throw new Error(`fusedRecurrent: b must have ${G * H} entries, got [${b.shape}]`);
  if (h0.shape[0] !== B) throw new Error(`fusedRecurrent: h0 must be [${B}, ${H}], got [${h0.shape}]`);
  const lstm = kind === 'lstm';
  if (lstm && (!c0 || c0.shape[0] !== B || c0.shape[1] !== H)) throw new Error(`fusedRecurrent: LSTM needs c0 [${B}, ${H}]`);
  const bhn = opts.bhn ?? null;
  if (bhn && (kind !== 'gru' || bhn.size !== H)) throw new Error(`fusedRecurrent: bhn belongs to a GRU and has ${H} entries, got [${bhn.shape}] for ${kind}`);
  const dims: Dims = { T, B, I, H };
  const kernel = kernelFor(opts.kernel ?? currentKernel(), bhn !== null);

  const readInput = () => (ids ? Int32Array.from(x.dataSync() as ArrayLike<number>) : readValues(x));

  if (!recording()) {
    // Inference (generation, evaluation): no cache, no tape.
    const h0v = readValues(h0), c0v = lstm ? readValues(c0!) : null;
    const xv = readInput();
    const r = kernel.forward(kind, dims, xv, h0v, c0v, { wx: f32Weights(wx), wh: f32Weights(wh), b: f32Weights(b), ...(bhn ? { bhn: f32Weights(bhn) } : {}) }, { cache: false });
    release(h0v, c0v, xv);
    return {
      hs: tensorFrom(r.hs, [T, B, H]),
      hT: tensorFrom(r.hT, [B, H]),
      cT: lstm ? tensorFrom(r.cT!, [B, H]) : null,
    };
  }

  const inputs: tf.Tensor[] = lstm ? [x, h0, c0!, wx, wh, b] : [x, h0, wx, wh, b];
  if (bhn) inputs.push(bhn);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    const h0v = readValues(h0), c0v = lstm ? readValues(c0!) : null;
    const w = { wx: readValues(wx), wh: readValues(wh), b: readValues(b), ...(bhn ? { bhn: readValues(bhn) } : {}) };
    const xv = readInput();
    const r = kernel.forward(kind, dims, xv, h0v, c0v, w);
    let value: tf.Tensor;
    if (lstm) {
      // one output tensor: hs followed by the final cell state
      const packed = bufferPool.take((T + 1) * B * H);
      packed.set(r.hs, 0);
      packed.set(r.cT!, T * B * H);
      value = tensorFrom(packed, [T + 1, B, H]);
    } else {
      // not released yet: the kernel's cache may hold r.hs until the backward
      value = tf.tensor3d(r.hs, [T, B, H]);
    }
    // the final states are read from `value`; these copies are nobody's
    bufferPool.give(r.hT, r.cT);
    const cache = r.cache!;
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const d = readValues(Array.isArray(dy) ? dy[0] : dy);
      const dhs = lstm ? d.subarray(0, T * B * H) : d;
      const dcT = lstm ? d.subarray(T * B * H) : null;
      const g = kernel.backward(cache, dhs, null, dcT);
      release(d, r.hs, h0v, c0v, w.wx, w.wh, w.b, xv);
      if (w.bhn) release(w.bhn);
      const dxT = g.dx ? tensorFrom<tf.Rank.R3>(g.dx, [T, B, I]) : tf.zeros(x.shape, 'float32');
      const out: tf.Tensor[] = [dxT, tensorFrom(g.dh0, [B, H])];
      if (lstm) out.push(tensorFrom(g.dc0!, [B, H]));
      out.push(tensorFrom(g.dwx, [I, G * H]), tensorFrom(g.dwh, [H, G * H]), tensorFrom(g.db, b.shape));
      if (bhn) out.push(tensorFrom(g.dbhn!, bhn.shape));
      return out;
    };
    return { value, gradFunc };
  });
  const value = op(...inputs) as tf.Tensor3D;
  if (!lstm) {
    const hT = tf.tidy(() => tf.reshape(tf.slice(value, [T - 1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D);
    return { hs: value, hT, cT: null };
  }
  const [hs, hT, cT] = tf.tidy(() => [
    tf.slice(value, [0, 0, 0], [T, B, H]) as tf.Tensor3D,
    tf.reshape(tf.slice(value, [T - 1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D,
    tf.reshape(tf.slice(value, [T, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D,
  ]);
  value.dispose();
  return { hs, hT, cT };
}
