/**
 * The reference strategy ('scratch'): the textbook's cells (../cells.ts) one step at a time —
 * readable, the only one that records gates, and the only one that reweights each step's
 * gradient (randomised truncation, d2l 8.7.1.2). The input projection of all steps is one product.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellKind } from '../../kernels/types';
import { CELLS, GATES, GATE_NAMES, scaleGradient, splitGates, type CellState } from '../cells';
import { linear } from '../linear';
import { tokenRows } from '../token-rows';
import type { LayerRecord, LayerState, PackedWeights } from './layer';

export function referenceForward(
  kind: CellKind,
  w: PackedWeights,
  x: tf.Tensor,
  state: LayerState,
  inputSize: number,
  scales?: number[],
  record?: LayerRecord,
): { hs: tf.Tensor3D; state: LayerState } {
  const ids = x.dtype === 'int32';
  const [T, B] = x.shape;
  const GH = GATES[kind] * state.h.shape[1];
  const xw = ids ? tf.add(tokenRows(w.wx, tf.reshape(x, [T * B])), w.b) : tf.add(linear(tf.reshape(x, [T * B, inputSize]) as tf.Tensor2D, w.wx), w.b);
  const steps = tf.unstack(tf.reshape(xw, [T, B, GH])) as tf.Tensor2D[];
  const whs = splitGates(w.wh, kind);
  const cell = CELLS[kind];
  let st: CellState = { h: state.h, c: state.c };
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    if (t > 0 && scales && scales[t] !== 1) st = { h: scaleGradient(st.h, scales[t]), c: st.c && scaleGradient(st.c, scales[t]) };
    const out = cell(steps[t], st, whs);
    hs.push(out.h);
    if (record) {
      for (const g of GATE_NAMES[kind]) record.gates[g].push(out.gates[g]);
      record.hidden.push(out.h);
      record.memory?.push(out.c!);
    }
    st = out;
  }
  return { hs: tf.stack(hs) as tf.Tensor3D, state: { h: st.h, c: st.c } };
}

/** An empty record for one layer × direction, to be filled by referenceForward. */
export function emptyRecord(kind: CellKind, layer: number, direction: 'forward' | 'backward'): LayerRecord {
  return {
    layer,
    direction,
    gates: Object.fromEntries(GATE_NAMES[kind].map((g) => [g, [] as tf.Tensor2D[]])),
    hidden: [],
    memory: kind === 'lstm' ? [] : undefined,
  };
}
