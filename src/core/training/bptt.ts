/**
 * d2l 8.7 (Backpropagation Through Time), made measurable: the norm of ∂L/∂H_t for every time
 * step t of one window, where L is the loss at the last step only. How fast it shrinks (or grows)
 * going back in time is the vanishing/exploding gradient the chapter describes; gated cells
 * (GRU, LSTM) keep it alive over more steps than the vanilla RNN.
 *
 * ∂L/∂H_t is read with a zero "probe" added to each H_t: the gradient with respect to the probe
 * is the gradient with respect to H_t.
 */
import * as tf from '@tensorflow/tfjs';
import { CELLS, splitGates, type CellKind, type CellState } from '../models/cells';
import { RecurrentLM } from '../models/rnn-lm';
import { tokenRows } from '../models/token-rows';
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { Rng } from '../util/random';
import { crossEntropy } from './lm-trainer';

export interface BpttOptions {
  kind: CellKind;
  /** Number of steps in the window. */
  steps?: number;
  hidden?: number;
  batch?: number;
  vocabSize?: number;
  /** Weight scale at initialisation (std of the normal); default 1/√H, where RNN gradients neither explode nor stay. */
  initStd?: number;
  seed?: number;
  /** Token ids to feed (e.g. a corpus slice); random ids when omitted. */
  ids?: readonly number[];
  /** Measure this model (its first layer and head) instead of a freshly initialised one. */
  model?: RecurrentLM;
}

export interface BpttResult {
  kind: CellKind;
  steps: number;
  /** ‖∂L/∂H_t‖ (Frobenius over the batch) for t = 1…steps; the loss sits at the last step. */
  gradNorms: number[];
  /** gradNorms[0] / gradNorms[last]: below 1 = vanishing, above 1 = exploding. */
  ratio: number;
  /** For people, when the kind alone does not say which model this is. */
  label?: string;
}

/**
 * The probes sit on the first layer's states, fed one-hot tokens through its input weights:
 * models with an embedding or a backward direction are refused with one sentence.
 */
export function assertMeasurable(c: { embedding: number; bidirectional: boolean }): void {
  if (c.embedding > 0 || c.bidirectional) {
    throw new SeqlabError('The BPTT explorer measures one-directional language models with one-hot inputs (the textbook’s); this run is bidirectional or uses an embedding.', 'unsupported');
  }
}

export function hiddenGradientNorms(opts: BpttOptions): BpttResult {
  const { kind, steps = 50, hidden = 32, batch = 8, seed = 0 } = opts;
  assertPositiveInt(steps, 'The number of time steps');
  assertPositiveInt(hidden, 'The number of hidden units');
  assertPositiveInt(batch, 'The batch size');
  const V = opts.model?.config.vocabSize ?? opts.vocabSize ?? 28;
  const H = opts.model?.config.hidden ?? hidden;
  if (opts.model && opts.model.config.kind !== kind) throw new SeqlabError(`The model is a ${opts.model.config.kind}, not a ${kind}.`);
  if (opts.model) assertMeasurable(opts.model.config);
  const rng = new Rng(seed);
  // Inputs: windows of the given text (label = the token after each window) or random ids.
  const ids = new Int32Array(steps * batch);
  const labels: number[] = [];
  const src = opts.ids;
  if (src && src.length < steps + 1) throw new SeqlabError(`The text has ${src.length} tokens; the experiment needs at least ${steps + 1}.`);
  for (let b = 0; b < batch; b++) {
    const off = src ? rng.randint(0, src.length - steps - 1) : 0;
    for (let t = 0; t < steps; t++) ids[t * batch + b] = src ? src[off + t] : rng.randint(0, V - 1);
    labels.push(src ? src[off + steps] : rng.randint(0, V - 1));
  }
  const own = opts.model
    ? null
    : new RecurrentLM({ kind, impl: 'scratch', vocabSize: V, hidden: H, layers: 1, bidirectional: false, embedding: 0, seed });
  const model = opts.model ?? own!;
  try {
    return tf.tidy(() => {
      const packed = model.packedWeights(0);
      const b = packed.b;
      let { wx, wh } = packed;
      if (own) {
        const std = opts.initStd ?? 1 / Math.sqrt(H);
        // Re-draw the recurrent weights at the experiment's scale (the LM's 0.01 makes everything vanish at once).
        const draw = (shape: [number, number]) => {
          const d = new Float32Array(shape[0] * shape[1]);
          for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, std);
          return tf.tensor2d(d, shape);
        };
        wx = draw(wx.shape as [number, number]);
        wh = draw(wh.shape as [number, number]);
      }
      const X = tf.tensor2d(ids, [steps, batch], 'int32');
      const xw = tf.reshape(tf.add(tokenRows(wx, tf.reshape(X, [-1])), b), [steps, batch, -1]);
      const xs = tf.unstack(xw) as tf.Tensor2D[];
      const whs = splitGates(wh, kind);
      const probes = Array.from({ length: steps }, () => tf.zeros([batch, H]) as tf.Tensor2D);
      const Y = tf.tensor1d(labels, 'int32');
      const f = (...ps: tf.Tensor[]) => {
        let st: CellState = { h: tf.zeros([batch, H]), c: kind === 'lstm' ? tf.zeros([batch, H]) : null };
        for (let t = 0; t < steps; t++) {
          const out = CELLS[kind](xs[t], st, whs);
          st = { h: tf.add(out.h, ps[t]) as tf.Tensor2D, c: out.c };
        }
        const logits = tf.add(tf.matMul(st.h, model.wq.slice([0, 0], [H, V])), model.bq) as tf.Tensor2D;
        return crossEntropy(logits, Y);
      };
      const grads = tf.grads(f)(probes);
      const gradNorms = grads.map((g) => tf.norm(g).dataSync()[0]);
      return { kind, steps, gradNorms, ratio: gradNorms[0] / gradNorms[steps - 1] } as unknown as tf.TensorContainer;
    }) as unknown as BpttResult;
  } finally {
    own?.dispose();
  }
}
