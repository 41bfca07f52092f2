import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { sineExperiment } from '../../src/core/models/sine-mlp';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('d2l 8.1: autoregressive MLP on the noisy sine (τ = 4)', () => {
  test('trains to the textbook loss, and k-step errors grow with k', () => {
    const before = tf.memory().numTensors;
    const r = sineExperiment({ tau: 4, seed: 0 });
    assert.equal(tf.memory().numTensors, before);
    // The textbook prints a loss around 0.05–0.06 after 5 epochs; the noise alone (σ = 0.2) gives 0.04.
    assert.ok(r.trainMse > 0.035 && r.trainMse < 0.08, `train MSE ${r.trainMse}`);
    assert.ok(r.onestepMse < 0.08);
    const k = r.kStepMse;
    assert.deepEqual(Object.keys(k), ['1', '4', '16', '64']);
    assert.ok(k['1'] < k['4'] && k['4'] < k['16'] && k['16'] < k['64'], JSON.stringify(k));
    // Multi-step predictions from t = 604 drift away: far worse than 1-step ones.
    assert.ok(r.multistepMse > 5 * r.onestepMse);
    assert.equal(r.multistep.length, 1000);
    assert.equal(r.kStep['64'].start, 67);
    assert.equal(r.kStep['64'].values.length, 1000 - 4 - 64 + 1);
  });

  test('is deterministic per seed and validates τ', () => {
    assert.deepEqual(sineExperiment({ epochs: 1, seed: 3 }).kStepMse, sineExperiment({ epochs: 1, seed: 3 }).kStepMse);
    assert.throws(() => sineExperiment({ tau: 0 }), /τ must be a whole number/);
    assert.throws(() => sineExperiment({ tau: 4, lr: 0 }), /learning rate/);
  });
});
