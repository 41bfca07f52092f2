/**
 * The fused strategy: the whole sequence in one fused kernel call (forward and BPTT as one
 * tf.customGrad op, ../../kernels/tfjs-op.ts). Truncation points (gradient scale 0) split the
 * window into segments, one call each, whose entering state is detached; reweighted gradients
 * (randomised truncation) are not expressible here and are refused — chooseStrategy picks the
 * reference cells for them.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqlabError } from '../../util/errors';
import { fusedRecurrent } from '../../kernels/tfjs-op';
import type { CellKind } from '../../kernels/types';
import { scaleGradient } from '../cells';
import type { LayerState, PackedWeights } from './layer';
import { gradScaling } from './strategy';

export function fusedForward(kind: CellKind, w: PackedWeights, x: tf.Tensor, state: LayerState, inputSize: number, scales?: number[]): { hs: tf.Tensor3D; state: LayerState } {
  if (gradScaling(scales) === 'reweighted') throw new SeqlabError('The fused kernel cannot reweight per-step gradients (randomised truncation); run the reference cells (see chooseStrategy).');
  const ids = x.dtype === 'int32';
  const [T, B] = x.shape;
  const cuts = [0, ...(scales ?? []).flatMap((s, t) => (t > 0 && s === 0 ? [t] : [])), T];
  const parts: tf.Tensor3D[] = [];
  let h = state.h;
  let c = state.c;
  for (let s = 0; s + 1 < cuts.length; s++) {
    const len = cuts[s + 1] - cuts[s];
    if (s > 0) {
      h = scaleGradient(h, 0);
      c = c && scaleGradient(c, 0);
    }
    const xs = cuts.length === 2 ? x : ids ? x.slice([cuts[s], 0], [len, B]) : x.slice([cuts[s], 0, 0], [len, B, inputSize]);
    const r = fusedRecurrent(kind, xs as tf.Tensor2D | tf.Tensor3D, h, c, w.wx, w.wh, w.b, { inputSize });
    parts.push(r.hs);
    h = r.hT;
    c = r.cT;
  }
  return { hs: parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor3D), state: { h, c } };
}
