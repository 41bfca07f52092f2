/**
 * One GRU layer over a whole time-major sequence, in d2l's scratch form and the shared
 * packed layout (wx [I, 3H], wh [H, 3H], b [3H], gate order [z, r, h̃]):
 *   Z = σ(X W_xz + H W_hz + b_z); R = σ(X W_xr + H W_hr + b_r)
 *   H̃ = tanh(X W_xh + (R⊙H) W_hh + b_h); H = Z⊙H + (1−Z)⊙H̃
 * Two implementations with identical numbers: the shared fused op (one kernel call for the
 * whole sequence and one for its backward; the default) and plain tf ops step by step
 * (a reference for tests and a fallback should the fused op be unavailable).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedRecurrent } from '../kernels/tfjs-op';

export type GruImpl = 'fused' | 'tfops';

export interface GruWeights {
  wx: tf.Variable | tf.Tensor2D;
  wh: tf.Variable | tf.Tensor2D;
  b: tf.Variable | tf.Tensor1D;
  /** PyTorch's GRU variant (../models/cells.ts pytorchGruCell): b_hn [H], inside the reset product */
  bhn?: tf.Variable | tf.Tensor1D;
}

export interface GruOutput {
  /** [T, B, H] */
  hs: tf.Tensor3D;
  /** [B, H] */
  hT: tf.Tensor2D;
}

let defaultImpl: GruImpl = process.env.SEQLAB_MT_GRU === 'tfops' ? 'tfops' : 'fused';

/** Switches every seq2seq GRU between the fused op and plain tf ops (tests, fallbacks). */
export function setGruImpl(impl: GruImpl): void {
  defaultImpl = impl;
}

export function gruImpl(): GruImpl {
  return defaultImpl;
}

export function gruLayer(x: tf.Tensor3D, h0: tf.Tensor2D, w: GruWeights, impl: GruImpl = defaultImpl): GruOutput {
  if (impl === 'fused') {
    const r = fusedRecurrent('gru', x, h0, null, w.wx as tf.Tensor2D, w.wh as tf.Tensor2D, w.b as tf.Tensor1D, { bhn: w.bhn });
    return { hs: r.hs, hT: r.hT };
  }
  return gruTfOps(x, h0, w);
}

function gruTfOps(x: tf.Tensor3D, h0: tf.Tensor2D, w: GruWeights): GruOutput {
  const [T, B, I] = x.shape;
  const H = h0.shape[1];
  return tf.tidy(() => {
    // All input projections at once; only the recurrent part is sequential.
    const xp = tf.add(tf.matMul(x.reshape([T * B, I]), w.wx), w.b).reshape([T, B, 3 * H]);
    const whZR = tf.slice(w.wh, [0, 0], [H, 2 * H]);
    const whH = tf.slice(w.wh, [0, 2 * H], [H, H]);
    let h = h0;
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = xp.slice([t, 0, 0], [1, B, 3 * H]).reshape([B, 3 * H]);
      const zr = tf.sigmoid(tf.add(xt.slice([0, 0], [B, 2 * H]), tf.matMul(h, whZR)));
      const z = zr.slice([0, 0], [B, H]);
      const r = zr.slice([0, H], [B, H]);
      const xh = xt.slice([0, 2 * H], [B, H]);
      // PyTorch's variant resets after the product: tanh(x_h + r ⊙ (h W_hh + b_hn))
      const hTilde = w.bhn ? tf.tanh(tf.add(xh, tf.mul(r, tf.add(tf.matMul(h, whH), w.bhn)))) : tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), whH)));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hTilde)) as tf.Tensor2D;
      hs.push(h);
    }
    return { hs: tf.stack(hs) as tf.Tensor3D, hT: h };
  });
}
