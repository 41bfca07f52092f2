/**
 * The fused recurrent layer as a TensorFlow.js op. One op runs the whole sequence forward
 * (all gates, all steps) and its gradient runs the whole BPTT backward, through whichever
 * kernel path is current (see ./select.ts). Built with tf.customGrad, so tf.variableGrads,
 * tf.grads and the optimizers work unchanged; kernels run on raw Float32Arrays, so any tfjs
 * backend (cpu, wasm, tfjs-node) works.
 */
import * as tf from '@tensorflow/tfjs-core';
import { currentKernel } from './select';
import { GATES, type CellKind, type Dims, type RecurrentKernel } from './types';

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
}

export function f32(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/**
 * Weight arrays read for inference, keyed by the tensor's data handle: a tfjs data handle
 * never changes contents (Variable.assign swaps the handle), so repeated generation steps
 * reuse one Float32Array (and the kernels reuse their packed copy of it).
 */
const weightArrays = new WeakMap<object, Float32Array>();
export function f32Weights(t: tf.Tensor): Float32Array {
  const id = t.dataId as object;
  let a = weightArrays.get(id);
  if (!a) {
    a = f32(t);
    weightArrays.set(id, a);
  }
  return a;
}

/** True when tfjs is recording a gradient tape (inside tf.grads / variableGrads / minimize). */
export function recording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return state?.gradientDepth === undefined ? true : state.gradientDepth > 0;
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
  const dims: Dims = { T, B, I, H };
  const kernel = opts.kernel ?? currentKernel();

  const readInput = () => (ids ? Int32Array.from(x.dataSync() as ArrayLike<number>) : f32(x));

  if (!recording()) {
    // Inference (generation, evaluation): no cache, no tape.
    const r = kernel.forward(kind, dims, readInput(), f32(h0), lstm ? f32(c0!) : null, { wx: f32Weights(wx), wh: f32Weights(wh), b: f32Weights(b) }, { cache: false });
    return {
      hs: tf.tensor3d(r.hs, [T, B, H]),
      hT: tf.tensor2d(r.hT, [B, H]),
      cT: lstm ? tf.tensor2d(r.cT!, [B, H]) : null,
    };
  }

  const inputs: tf.Tensor[] = lstm ? [x, h0, c0!, wx, wh, b] : [x, h0, wx, wh, b];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const r = kernel.forward(kind, dims, readInput(), f32(h0), lstm ? f32(c0!) : null, { wx: f32(wx), wh: f32(wh), b: f32(b) });
    let value: tf.Tensor;
    if (lstm) {
      // one output tensor: hs followed by the final cell state
      const packed = new Float32Array((T + 1) * B * H);
      packed.set(r.hs, 0);
      packed.set(r.cT!, T * B * H);
      value = tf.tensor3d(packed, [T + 1, B, H]);
    } else {
      value = tf.tensor3d(r.hs, [T, B, H]);
    }
    const cache = r.cache!;
    void args;
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const d = f32(Array.isArray(dy) ? dy[0] : dy);
      const dhs = lstm ? d.subarray(0, T * B * H) : d;
      const dcT = lstm ? d.subarray(T * B * H) : null;
      const g = kernel.backward(cache, dhs, null, dcT);
      const dxT = g.dx ? tf.tensor3d(g.dx, [T, B, I]) : tf.zeros(x.shape, 'float32');
      const out: tf.Tensor[] = [dxT, tf.tensor2d(g.dh0, [B, H])];
      if (lstm) out.push(tf.tensor2d(g.dc0!, [B, H]));
      out.push(tf.tensor2d(g.dwx, [I, G * H]), tf.tensor2d(g.dwh, [H, G * H]), tf.tensor(g.db, b.shape));
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
