/**
 * The Bahdanau decoder loop (./attention-kernel.ts) as one TensorFlow.js op: its forward runs
 * the whole teacher-forced time loop in one kernel call and its gradient the whole backward in
 * one more. Built with tf.customGrad, so tf.variableGrads and the optimizers work unchanged.
 * Dropout masks come in as arrays (the caller draws them exactly as tf.dropout would), so the
 * op computes the per-op path's numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionWtsSize, releaseForward, type AttentionLoopDims, type AttentionLoopKernel } from './attention-kernel';
import { readValues, recording } from './tensor-io';
import './attention-wasm'; // registers the WASM module's loop

export interface AttentionLoopLayer {
  wx: tf.Tensor2D | tf.Variable;
  wh: tf.Tensor2D | tf.Variable;
  b: tf.Tensor1D | tf.Variable;
}

export interface AttentionLoopArgs {
  /** [T, B, E] time-major decoder embeddings */
  emb: tf.Tensor3D;
  /** [B, Tk, H] keys = values */
  enc: tf.Tensor3D;
  /** [B, Tk, H] W_k · keys */
  pk: tf.Tensor3D;
  /** per-layer initial states [B, H] */
  h0: tf.Tensor2D[];
  wq: tf.Tensor2D | tf.Variable;
  /** [H, 1] */
  wv: tf.Tensor2D | tf.Variable;
  layers: AttentionLoopLayer[];
  /** [B] valid source lengths */
  validLens: Int32Array;
  attMask: Float32Array | null;
  layerMask: Float32Array | null;
}

export interface AttentionLoopResult {
  /** [T, B, H] top-layer outputs */
  hs: tf.Tensor3D;
  /** per-layer final states [B, H] */
  hT: tf.Tensor2D[];
  /** [B, T, Tk] attention weights (no gradient: they are shown, not trained on) */
  weights: tf.Tensor3D;
}

function concatWeights(d: AttentionLoopDims, layers: AttentionLoopLayer[]): Float32Array {
  const out = new Float32Array(attentionWtsSize(d));
  let o = 0;
  for (const l of layers)
    for (const t of [l.wx, l.wh, l.b]) {
      const v = t.dataSync() as Float32Array;
      out.set(v, o);
      o += v.length;
    }
  return out;
}

export function attentionLoop(kernel: AttentionLoopKernel, a: AttentionLoopArgs): AttentionLoopResult {
  const [T, B, E] = a.emb.shape;
  const [, Tk, H] = a.enc.shape;
  const L = a.layers.length;
  const d: AttentionLoopDims = { T, B, Tk, E, H, L };
  if (a.pk.shape[0] !== B || a.pk.shape[1] !== Tk || a.pk.shape[2] !== H) throw new Error(`attentionLoop: pk must be [${B}, ${Tk}, ${H}], got [${a.pk.shape}]`);
  if (a.h0.length !== L || a.validLens.length !== B) throw new Error(`attentionLoop: needs ${L} initial states and ${B} valid lengths`);
  if (a.attMask && a.attMask.length !== T * B * Tk) throw new Error('attentionLoop: the attention dropout mask must be [T, B, Tk]');
  if (a.layerMask && a.layerMask.length !== T * (L - 1) * B * H) throw new Error('attentionLoop: the layer dropout mask must be [T, L−1, B, H]');
  const h0 = tf.tidy(() => tf.stack(a.h0)) as tf.Tensor3D;
  let weights: Float32Array | null = null;
  const run = () => {
    const f = kernel.forward(d, {
      emb: readValues(a.emb), enc: readValues(a.enc), pk: readValues(a.pk), vlen: a.validLens, h0: readValues(h0),
      wq: readValues(a.wq), wv: readValues(a.wv), wts: concatWeights(d, a.layers), attMask: a.attMask, layerMask: a.layerMask,
    });
    weights = f.attw;
    // one output: the top layer's outputs, then each layer's final state
    const packed = new Float32Array((T + L) * B * H);
    packed.set(f.hs, 0);
    packed.set(f.hT, T * B * H);
    return { f, value: tf.tensor3d(packed, [T + L, B, H]) };
  };
  let value: tf.Tensor3D;
  const rec = recording();
  if (!rec) {
    const r = run();
    releaseForward(r.f);
    value = r.value;
  } else {
    const inputs: tf.Tensor[] = [a.emb, a.enc, a.pk, h0, a.wq, a.wv, ...a.layers.flatMap((l) => [l.wx, l.wh, l.b])];
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      void args;
      const { f, value } = run();
      const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
        const dv = readValues(Array.isArray(dy) ? dy[0] : dy);
        const g = kernel.backward(d, f, dv.subarray(0, T * B * H), dv.subarray(T * B * H));
        const out: tf.Tensor[] = [
          tf.tensor3d(g.demb, [T, B, E]), tf.tensor3d(g.denc, [B, Tk, H]), tf.tensor3d(g.dpk, [B, Tk, H]), tf.tensor3d(g.dh0, [L, B, H]),
          tf.tensor2d(g.dwq, [H, H]), tf.tensor(g.dwv, a.wv.shape),
        ];
        let o = 0;
        for (const l of a.layers)
          for (const t of [l.wx, l.wh, l.b]) {
            out.push(tf.tensor(g.dwts.subarray(o, o + t.size), t.shape));
            o += t.size;
          }
        return out;
      };
      return { value, gradFunc };
    });
    value = op(...inputs) as tf.Tensor3D;
  }
  if (!rec) h0.dispose();
  const hs = tf.slice(value, [0, 0, 0], [T, B, H]) as tf.Tensor3D;
  const hT = Array.from({ length: L }, (_, l) => tf.reshape(tf.slice(value, [T + l, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D);
  value.dispose();
  const w = tf.tidy(() => tf.transpose(tf.tensor3d(weights!, [T, B, Tk]), [1, 0, 2])) as tf.Tensor3D;
  return { hs, hT, weights: w };
}
