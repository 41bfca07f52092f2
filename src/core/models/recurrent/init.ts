/**
 * Initial weights of a language model, by name (the `init` config key):
 *   - 'd2l':     the textbook's from-scratch code (8.5, 9.1, 9.2): weights N(0, 0.01), biases 0.
 *   - 'pytorch': what d2l's concise chapters train with (nn.RNN / nn.GRU / nn.LSTM and
 *                nn.Linear defaults): every weight U(−1/√H, 1/√H) with H the hidden size (the
 *                output layer: U(−1/√in, 1/√in) over its inputs). PyTorch's cells have two bias
 *                vectors, b_ih and b_hh, each U(−1/√H, 1/√H), that only ever appear summed;
 *                Seqlab's one packed bias is drawn as that sum, so it ranges over ±2/√H.
 * The learned embedding (embedding > 0) is nn.Embedding's N(0, 1) under both.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/random';
import type { PackedWeights } from './layer';

import type { Initializer } from '../registry';

export { INITIALIZERS, type Initializer } from '../registry';

function draw(shape: number[], sample: () => number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = sample();
  return tf.tensor(data, shape);
}

export function normalTensor(rng: Rng, shape: number[], std: number): tf.Tensor {
  return draw(shape, () => rng.normal(0, std));
}

export function uniformTensor(rng: Rng, shape: number[], bound: number): tf.Tensor {
  return draw(shape, () => (rng.next() * 2 - 1) * bound);
}

/** A recurrent layer's packed weights wx [I, G·H], wh [H, G·H], b [G·H], drawn in that order. */
export function initRecurrent(init: Initializer, rng: Rng, inputSize: number, hidden: number, gates: number): PackedWeights {
  const GH = gates * hidden;
  if (init === 'd2l') {
    return { wx: normalTensor(rng, [inputSize, GH], 0.01) as tf.Tensor2D, wh: normalTensor(rng, [hidden, GH], 0.01) as tf.Tensor2D, b: tf.zeros([GH]) };
  }
  const k = 1 / Math.sqrt(hidden);
  return {
    wx: uniformTensor(rng, [inputSize, GH], k) as tf.Tensor2D,
    wh: uniformTensor(rng, [hidden, GH], k) as tf.Tensor2D,
    b: draw([GH], () => (rng.next() * 2 - 1) * k + (rng.next() * 2 - 1) * k) as tf.Tensor1D,
  };
}

/** The output layer [in, out] and its bias [out]. */
export function initDense(init: Initializer, rng: Rng, inSize: number, outSize: number): { w: tf.Tensor2D; b: tf.Tensor1D } {
  if (init === 'd2l') return { w: normalTensor(rng, [inSize, outSize], 0.01) as tf.Tensor2D, b: tf.zeros([outSize]) };
  const k = 1 / Math.sqrt(inSize);
  return { w: uniformTensor(rng, [inSize, outSize], k) as tf.Tensor2D, b: uniformTensor(rng, [outSize], k) as tf.Tensor1D };
}
