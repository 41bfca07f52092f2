/**
 * The recurrent cells from the textbook's equations (d2l 9.4 RNN, 10.2 GRU, 10.1 LSTM in the
 * PyTorch edition's chapters 9–10; Seqlab's chapters 8–9), with explicit parameters. This is the
 * readable "from scratch" path; the fused kernel (src/core/kernels) computes the same thing.
 *
 * Parameters use the kernels' packed layout: per layer wx [I, G·H], wh [H, G·H], b [G·H], gate
 * blocks in columns g·H … (g+1)·H−1, gate order RNN [h], GRU [z, r, h̃], LSTM [i, f, o, c̃].
 * A step receives `xw` = X_t W_x + b for all gates at once (the input projection of a whole
 * sequence is one product, done by the caller) and the previous state, and returns the new
 * state together with its gate activations so callers can record them.
 */
import * as tf from '@tensorflow/tfjs';
import { GATES, type CellKind, type GruVariant } from '../kernels/types';
import { linear } from './linear';

export type { CellKind, GruVariant } from '../kernels/types';
export { GRU_VARIANTS } from '../kernels/types';
export { GATES };

/** Gate names per cell, in packed order; the names the Gate Heatmap shows. */
export const GATE_NAMES: Readonly<Record<CellKind, readonly string[]>> = {
  rnn: [],
  gru: ['z', 'r', 'h̃'],
  lstm: ['i', 'f', 'o', 'c̃'],
};

export interface CellState {
  h: tf.Tensor2D;
  /** LSTM memory cell; null for RNN and GRU. */
  c: tf.Tensor2D | null;
}

export interface CellStep extends CellState {
  /** Gate activations by name, each [B, H] (empty for RNN). */
  gates: Record<string, tf.Tensor2D>;
}

/** wh split into its gate blocks once per sequence (slicing per step would cost an op each). */
export type HiddenWeights = tf.Tensor2D[];

export function splitGates(w: tf.Tensor2D, kind: CellKind): HiddenWeights {
  return kind === 'rnn' ? [w] : (tf.split(w, GATES[kind], 1) as tf.Tensor2D[]);
}

/** H_t = tanh(X_t W_xh + H_{t−1} W_hh + b_h)  (d2l 8.4) */
export function rnnCell(xw: tf.Tensor2D, state: CellState, wh: HiddenWeights): CellStep {
  const [whh] = wh;
  const h = tf.tanh(tf.add(xw, linear(state.h, whh))) as tf.Tensor2D;
  return { h, c: null, gates: {} };
}

/**
 * GRU (d2l 9.1):
 *   Z_t = σ(X_t W_xz + H_{t−1} W_hz + b_z)          update gate
 *   R_t = σ(X_t W_xr + H_{t−1} W_hr + b_r)          reset gate
 *   H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t−1}) W_hh + b_h)   candidate hidden state
 *   H_t = Z_t ⊙ H_{t−1} + (1 − Z_t) ⊙ H̃_t
 */
export function gruCell(xw: tf.Tensor2D, state: CellState, wh: HiddenWeights): CellStep {
  const [whz, whr, whh] = wh;
  const [xz, xr, xh] = tf.split(xw, 3, 1) as tf.Tensor2D[];
  const H = state.h;
  const Z = tf.sigmoid(tf.add(xz, linear(H, whz))) as tf.Tensor2D;
  const R = tf.sigmoid(tf.add(xr, linear(H, whr))) as tf.Tensor2D;
  const Htilde = tf.tanh(tf.add(xh, linear(tf.mul(R, H), whh))) as tf.Tensor2D;
  const h = tf.add(tf.mul(Z, H), tf.mul(tf.sub(1, Z), Htilde)) as tf.Tensor2D;
  return { h, c: null, gates: { z: Z, r: R, 'h̃': Htilde } };
}

/**
 * PyTorch's GRU (the equations of torch.nn.GRU's documentation; cuDNN's form), gates in
 * Seqlab's order [z, r, h̃] (PyTorch stores r, z, n):
 *   r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 *   z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 *   n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 * The reset gate applies after the hidden product, so b_hn cannot merge into b: `xw` carries
 * b_ir + b_hr, b_iz + b_hz and b_in; b_hn is this cell's own parameter.
 */
export function pytorchGruCell(bhn: tf.Tensor1D): CellFn {
  return (xw, state, wh) => {
    const [whz, whr, whh] = wh;
    const [xz, xr, xh] = tf.split(xw, 3, 1) as tf.Tensor2D[];
    const H = state.h;
    const Z = tf.sigmoid(tf.add(xz, linear(H, whz))) as tf.Tensor2D;
    const R = tf.sigmoid(tf.add(xr, linear(H, whr))) as tf.Tensor2D;
    const Htilde = tf.tanh(tf.add(xh, tf.mul(R, tf.add(linear(H, whh), bhn)))) as tf.Tensor2D;
    const h = tf.add(tf.mul(Z, H), tf.mul(tf.sub(1, Z), Htilde)) as tf.Tensor2D;
    return { h, c: null, gates: { z: Z, r: R, 'h̃': Htilde } };
  };
}

/**
 * LSTM (d2l 9.2):
 *   I_t = σ(X_t W_xi + H_{t−1} W_hi + b_i)   input gate
 *   F_t = σ(X_t W_xf + H_{t−1} W_hf + b_f)   forget gate
 *   O_t = σ(X_t W_xo + H_{t−1} W_ho + b_o)   output gate
 *   C̃_t = tanh(X_t W_xc + H_{t−1} W_hc + b_c)  candidate memory
 *   C_t = F_t ⊙ C_{t−1} + I_t ⊙ C̃_t        memory cell
 *   H_t = O_t ⊙ tanh(C_t)
 */
export function lstmCell(xw: tf.Tensor2D, state: CellState, wh: HiddenWeights): CellStep {
  const [whi, whf, who, whc] = wh;
  const [xi, xf, xo, xc] = tf.split(xw, 4, 1) as tf.Tensor2D[];
  const H = state.h;
  const I = tf.sigmoid(tf.add(xi, linear(H, whi))) as tf.Tensor2D;
  const F = tf.sigmoid(tf.add(xf, linear(H, whf))) as tf.Tensor2D;
  const O = tf.sigmoid(tf.add(xo, linear(H, who))) as tf.Tensor2D;
  const Ctilde = tf.tanh(tf.add(xc, linear(H, whc))) as tf.Tensor2D;
  const c = tf.add(tf.mul(F, state.c!), tf.mul(I, Ctilde)) as tf.Tensor2D;
  const h = tf.mul(O, tf.tanh(c)) as tf.Tensor2D;
  return { h, c, gates: { i: I, f: F, o: O, 'c̃': Ctilde } };
}

export type CellFn = (xw: tf.Tensor2D, state: CellState, wh: HiddenWeights) => CellStep;

export const CELLS: Readonly<Record<CellKind, CellFn>> = {
  rnn: rnnCell,
  gru: gruCell,
  lstm: lstmCell,
};

/** The cell for a kind and GRU variant ('pytorch' needs its b_hn). */
export function cellFor(kind: CellKind, variant: GruVariant = 'd2l', bhn?: tf.Tensor1D): CellFn {
  if (kind !== 'gru' || variant === 'd2l') return CELLS[kind];
  if (!bhn) throw new Error("cellFor: PyTorch's GRU variant needs b_hn");
  return pytorchGruCell(bhn);
}

/**
 * Identity forward, gradient multiplied by `scale` backward. scale 0 detaches (truncated BPTT);
 * 1/π_t on the kept steps gives the textbook's randomised truncation (d2l 8.7.1.2).
 */
export function scaleGradient<T extends tf.Tensor>(x: T, scale: number): T {
  if (scale === 1) return x;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor;
    return { value: a.clone(), gradFunc: (dy: tf.Tensor) => (scale === 0 ? tf.zerosLike(dy) : tf.mul(dy, scale)) };
  });
  return op(x) as T;
}
