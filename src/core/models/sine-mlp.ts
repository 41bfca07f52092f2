/**
 * d2l 8.1 (Working with Sequences): an autoregressive MLP on the noisy sine. τ lagged values
 * predict the next one; Linear(τ, 10) → ReLU → Linear(10, 1), Xavier-uniform init, squared loss
 * summed over the batch, Adam lr 0.01, batch 16, 5 epochs, the first 600 examples for training.
 * Then: 1-step predictions, multi-step predictions from the end of the training data (each
 * prediction fed back), and k-step predictions for k = 1, 4, 16, 64 with their MSE.
 */
import * as tf from '@tensorflow/tfjs';
import { lagFeatures, noisySine } from '../data/sine';
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { Rng } from '../util/random';

export interface SineOptions {
  T?: number;
  tau?: number;
  nTrain?: number;
  epochs?: number;
  lr?: number;
  batch?: number;
  hidden?: number;
  seed?: number;
  kSteps?: number[];
}

export interface SineResult {
  tau: number;
  /** Mean squared error on the training examples after training (d2l prints "loss"). */
  trainMse: number;
  /** 1-step predictions for t = τ…T−1 and their MSE over all of them. */
  onestep: number[];
  onestepMse: number;
  /** Multi-step predictions: observed up to nTrain + τ, then fed back (d2l's multistep_preds). */
  multistep: number[];
  multistepMse: number;
  /** k-step-ahead predictions per k (aligned to times τ+k−1 …) and their MSE. */
  kStep: Record<string, { start: number; values: number[] }>;
  kStepMse: Record<string, number>;
  /** Training loss per epoch. */
  losses: number[];
  x: number[];
}

const mse = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
};

export function sineExperiment(opts: SineOptions = {}): SineResult {
  const { T = 1000, tau = 4, nTrain = 600, epochs = 5, lr = 0.01, batch = 16, hidden = 10, seed = 0, kSteps = [1, 4, 16, 64] } = opts;
  assertPositiveInt(T, 'T');
  assertPositiveInt(epochs, 'The number of epochs');
  assertPositiveInt(batch, 'The batch size');
  assertPositiveInt(hidden, 'The number of hidden units');
  if (!(lr > 0)) throw new SeqlabError(`The learning rate must be a positive number, got ${lr}.`);
  const maxSteps = Math.max(...kSteps);
  if (!Number.isInteger(tau) || tau < 1 || T - tau - maxSteps + 1 < 1) throw new SeqlabError(`τ must be a whole number from 1 to ${T - maxSteps}, got ${tau}.`);
  if (!Number.isInteger(nTrain) || nTrain < 1 || nTrain > T - tau) throw new SeqlabError(`The training size must be from 1 to ${T - tau}, got ${nTrain}.`);
  const x = noisySine(T, seed);
  const { features, labels } = lagFeatures(x, tau);
  const rng = new Rng(seed + 1);

  const vars = tf.tidy(() => [
    tf.variable(tf.initializers.glorotUniform({ seed: seed + 11 }).apply([tau, hidden])),
    tf.variable(tf.zeros([hidden])),
    tf.variable(tf.initializers.glorotUniform({ seed: seed + 12 }).apply([hidden, 1])),
    tf.variable(tf.zeros([1])),
  ]);
  const [w1, b1, w2, b2] = vars;
  const optimizer = tf.train.adam(lr);
  try {
    const net = (X: tf.Tensor2D) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X, w1), b1)), w2), b2).reshape([-1]) as tf.Tensor1D;
    const predict = (rows: Float32Array, n: number) => tf.tidy(() => net(tf.tensor2d(rows, [n, tau])).dataSync() as Float32Array);
    const trainIdx = Array.from({ length: nTrain }, (_, i) => i);
    const flat = (idx: number[]) => {
      const out = new Float32Array(idx.length * tau);
      idx.forEach((i, r) => out.set(features[i], r * tau));
      return out;
    };
    const losses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      rng.shuffle(trainIdx);
      for (let s = 0; s < nTrain; s += batch) {
        const idx = trainIdx.slice(s, s + batch);
        const X = tf.tensor2d(flat(idx), [idx.length, tau]);
        const y = tf.tensor1d(idx.map((i) => labels[i]));
        optimizer.minimize(() => tf.sum(tf.square(tf.sub(net(X), y))) as tf.Scalar, false, vars);
        tf.dispose([X, y]);
      }
      const all = Array.from({ length: nTrain }, (_, i) => i);
      losses.push(mse(predict(flat(all), nTrain), labels.subarray(0, nTrain)));
    }
    const n = labels.length;
    const onestep = predict(flat(Array.from({ length: n }, (_, i) => i)), n);
    // Multi-step from the end of the training data: every prediction becomes an input.
    const multistep = Float32Array.from(x);
    for (let i = nTrain + tau; i < T; i++) multistep[i] = predict(multistep.slice(i - tau, i), 1)[0];
    // k-step: columns 0…τ−1 observed, column τ+j = prediction from the previous τ columns.
    const rows = T - tau - maxSteps + 1;
    const cols: Float32Array[] = [];
    for (let i = 0; i < tau; i++) cols.push(x.slice(i, i + rows));
    for (let i = tau; i < tau + maxSteps; i++) {
      const inp = new Float32Array(rows * tau);
      for (let r = 0; r < rows; r++) for (let j = 0; j < tau; j++) inp[r * tau + j] = cols[i - tau + j][r];
      cols.push(predict(inp, rows));
    }
    const kStep: SineResult['kStep'] = {};
    const kStepMse: Record<string, number> = {};
    for (const k of kSteps) {
      const start = tau + k - 1;
      kStep[String(k)] = { start, values: Array.from(cols[start]) };
      kStepMse[String(k)] = mse(cols[start], x.subarray(start, start + rows));
    }
    return {
      tau,
      trainMse: losses[losses.length - 1],
      onestep: Array.from(onestep),
      onestepMse: mse(onestep, labels),
      multistep: Array.from(multistep),
      multistepMse: mse(multistep.subarray(nTrain + tau), x.subarray(nTrain + tau)),
      kStep,
      kStepMse,
      losses,
      x: Array.from(x),
    };
  } finally {
    optimizer.dispose();
    tf.dispose(vars);
  }
}
