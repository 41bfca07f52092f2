import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseStrategy, describeStrategy, gradScaling } from '../../src/core/models/recurrent/strategy';
import { RecurrentLM } from '../../src/core/models/rnn-lm';

test('chooseStrategy: the configured strategy unless a recording or reweighted gradients need the reference cells, and says why', () => {
  assert.deepEqual(chooseStrategy('fused'), { strategy: 'fused', configured: 'fused' });
  assert.deepEqual(chooseStrategy('fused', { scaling: 'cuts' }), { strategy: 'fused', configured: 'fused' });
  const random = chooseStrategy('fused', { scaling: 'reweighted' });
  assert.equal(random.strategy, 'scratch');
  assert.match(describeStrategy(random), /^per-step reference cells \(fused kernel configured; randomised truncation/);
  assert.equal(chooseStrategy('layers', { record: true }).strategy, 'scratch');
  assert.throws(() => chooseStrategy('layers', { scaling: 'cuts' }), /full BPTT only/);
  assert.deepEqual([gradScaling(undefined), gradScaling([1, 1]), gradScaling([1, 0, 1]), gradScaling([1, 1.5, 0])], ['none', 'none', 'cuts', 'reweighted']);
});

test('the fused strategy refuses reweighted gradients instead of switching silently', () => {
  const m = new RecurrentLM({ kind: 'gru', impl: 'fused', vocabSize: 5, hidden: 3, layers: 1, bidirectional: false, embedding: 0, seed: 0 });
  try {
    const X = tf.tensor2d([[1], [2], [3]], [3, 1], 'int32');
    assert.throws(() => tf.tidy(() => {
      m.forward(X, m.beginState(1), { gradScales: [1, 1.5, 0] });
    }), /cannot reweight/);
    // the same window on the reference cells, asked for explicitly
    assert.doesNotThrow(() => tf.tidy(() => {
      m.forward(X, m.beginState(1), { gradScales: [1, 1.5, 0], impl: 'scratch' });
    }));
    X.dispose();
  } finally {
    m.dispose();
  }
});

test('a run with randomised truncation on the fused config trains on the reference cells and says so in its run info', async () => {
  const { parseLMConfig } = await import('../../src/core/training/lm-config');
  const { loadLMData } = await import('../../src/core/training/lm-data');
  const { LMTrainer } = await import('../../src/core/training/lm-trainer');
  const { LMJob } = await import('../../src/core/training/lm-job');
  const config = parseLMConfig({ corpus: 'timemachine', model: 'gru', impl: 'fused', hidden: 4, batch: 2, steps: 5, maxTokens: 400, truncation: 'random', truncK: 3, epochs: 1 });
  const job = new LMJob(new LMTrainer(config, await loadLMData(config, { dataDirectory: process.env.SEQLAB_DATA_DIR, allowDownload: false })));
  try {
    assert.equal(job.trainer.strategy.strategy, 'scratch');
    assert.match(job.computation(), /reference cells.*randomised truncation/);
    const m = await job.trainEpoch(1, { runId: 't', between: async () => {}, progress: () => {} });
    assert.ok(Number.isFinite(m.loss));
  } finally {
    job.dispose();
  }
});
