/**
 * Gate recording for the Gate Heatmap: runs the scratch cells (same weights as any
 * implementation) over one sequence and returns every gate, the hidden state and (LSTM) the
 * memory cell per layer and direction as [T][H] arrays, i.e. units × time steps.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqlabError } from '../util/errors';
import type { ActivationsResult } from '../../protocol/training';
import { disposeState, type RecurrentLM } from './rnn-lm';

/** Longest sequence recorded at once (the heatmap cannot show more; the payload stays small). */
export const MAX_RECORD_STEPS = 2000;

export function recordActivations(model: RecurrentLM, ids: readonly number[], tokens: readonly string[]): ActivationsResult {
  if (ids.length === 0) throw new SeqlabError('Recording activations needs at least one token.');
  if (ids.length > MAX_RECORD_STEPS) throw new SeqlabError(`Recording activations handles up to ${MAX_RECORD_STEPS} tokens, got ${ids.length}.`);
  const state = model.beginState(1);
  try {
    return tf.tidy(() => {
      const X = tf.tensor2d(ids.map((i) => [i]), [ids.length, 1], 'int32');
      const { records } = model.forward(X, state, { record: true });
      return {
        tokens: [...tokens],
        layers: records!.map((r) => {
          // Batch of one: each [1, H] step becomes one row of H numbers. The backward direction
          // ran on the reversed sequence: flip its rows so row t belongs to token t.
          const rows = (steps: tf.Tensor2D[]) => {
            const m = tf.concat(steps, 0).arraySync() as number[][];
            return r.direction === 'backward' ? m.reverse() : m;
          };
          return {
          layer: r.layer,
          direction: r.direction,
          gates: Object.fromEntries(Object.entries(r.gates).map(([g, steps]) => [g, rows(steps)])),
          hidden: rows(r.hidden),
          ...(r.memory ? { memory: rows(r.memory) } : {}),
          };
        }),
      };
    });
  } finally {
    disposeState(state);
  }
}
