import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { gradClipping } from '../../src/core/training/grad-clipping';
import { parseLMConfig, type LMConfigInput } from '../../src/core/training/lm-config';
import { loadLMData, type LMData } from '../../src/core/training/lm-data';
import { LMTrainer, truncationScales } from '../../src/core/training/lm-trainer';
import { Rng } from '../../src/core/util/random';

let corpus: LMData;
const base: LMConfigInput = { corpus: 'timemachine', token: 'char', model: 'gru', impl: 'fused', hidden: 8, batch: 4, steps: 10, lr: 1, maxTokens: 4000, seed: 1 };

before(async () => {
  await initBackend({ backend: 'cpu' });
  corpus = await loadLMData(parseLMConfig(base));
});

function trainer(over: LMConfigInput = {}, data?: LMData): LMTrainer {
  const config = parseLMConfig({ ...base, ...over });
  return new LMTrainer(config, data ?? corpus);
}

describe('gradClipping (d2l grad_clipping)', () => {
  test('scales every gradient by θ/‖g‖ when the global norm exceeds θ', () => {
    const { grads, norm } = gradClipping({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }, 1);
    assert.equal(norm, 5);
    assert.deepEqual(Array.from(grads.a.dataSync()), [0.6000000238418579, 0]);
    assert.deepEqual(Array.from(grads.b.dataSync()), [0, 0.800000011920929]);
    const kept = gradClipping({ a: tf.tensor1d([0.3, 0.4]) }, 1);
    assert.ok(Math.abs(kept.norm - 0.5) < 1e-7);
    assert.deepEqual(Array.from(kept.grads.a.dataSync()), [0.30000001192092896, 0.4000000059604645]);
  });
});

describe('truncationScales (d2l 8.7)', () => {
  test('full = none, fixed cuts every k steps, random keeps with π and reweights by 1/π', () => {
    assert.equal(truncationScales('full', 3, 7, new Rng(0)), undefined);
    assert.deepEqual(truncationScales('fixed', 3, 7, new Rng(0)), [1, 1, 1, 0, 1, 1, 0]);
    const r = truncationScales('random', 4, 20000, new Rng(0))!;
    assert.equal(r[0], 1);
    assert.ok(r.slice(1).every((s) => s === 0 || Math.abs(s - 4 / 3) < 1e-12));
    const mean = r.slice(1).reduce((a, b) => a + b, 0) / (r.length - 1);
    assert.ok(Math.abs(mean - 1) < 0.03, `unbiased: mean multiplier ${mean}`);
  });
});

describe('LMTrainer', () => {
  test('an untrained model (zero output layer) has perplexity = vocabulary size', () => {
    const t = trainer({ hidden: 4 });
    t.model.wq.assign(tf.zerosLike(t.model.wq));
    const p = t.evaluate(corpus.valid)!;
    assert.ok(Math.abs(p - corpus.codec.vocab.size) < 1e-3, `perplexity ${p}`);
    t.dispose();
  });

  test('a short run on a slice of The Time Machine brings perplexity well below the vocabulary size (28)', async () => {
    const t = trainer({ hidden: 64, batch: 16, steps: 20, optimizer: 'adam', lr: 0.02, maxTokens: 10000 }, await loadLMData(parseLMConfig({ ...base, maxTokens: 10000 })));
    let last;
    for (let e = 1; e <= 4; e++) last = await t.trainEpoch(e);
    assert.ok(last!.perplexity! < 10, `training perplexity ${last!.perplexity}`);
    assert.ok(last!.valPerplexity! < 12, `validation perplexity ${last!.valPerplexity}`);
    assert.ok(last!.tokensPerSecond > 0 && last!.gradNorm! > 0);
    const g = t.generate('time traveller', 20);
    assert.ok(g.text.startsWith('time traveller'));
    assert.equal(g.text.length, 34);
    t.dispose();
  });

  test('same seed, same backend → same losses; another seed → different ones', async () => {
    const small = await loadLMData(parseLMConfig({ ...base, maxTokens: 1500 }));
    const losses = async (seed: number, over: LMConfigInput = {}) => {
      const t = trainer({ seed, ...over, maxTokens: 1500 }, small);
      const m = [await t.trainEpoch(1), await t.trainEpoch(2)].map((x) => x.loss);
      t.dispose();
      return m;
    };
    assert.deepEqual(await losses(3), await losses(3));
    assert.notDeepEqual(await losses(3), await losses(4));
    assert.deepEqual(await losses(3, { partition: 'random', impl: 'scratch', truncation: 'random', truncK: 3 }), await losses(3, { partition: 'random', impl: 'scratch', truncation: 'random', truncK: 3 }));
  });

  test('no tensor leaks: tf.memory().numTensors is the same after step 10 and step 1,000', () => {
    const t = trainer({ hidden: 4, batch: 2, steps: 5 });
    const batches = t.epochBatches(1);
    let state = t.model.beginState(2);
    let at10 = 0;
    for (let i = 1; i <= 1000; i++) {
      state = t.trainStep(batches[i % batches.length], state).state;
      if (i === 10) at10 = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, at10);
    t.dispose();
  });

  for (const over of [{ impl: 'scratch' }, { impl: 'layers' }, { optimizer: 'adam', lr: 0.01 }, { model: 'lstm', layers: 2, bidirectional: true }, { truncation: 'fixed', truncK: 3 }] as LMConfigInput[]) {
    test(`no tensor leaks across epochs and evaluation: ${JSON.stringify(over)}`, async () => {
      const t = trainer({ ...over, hidden: 4, maxTokens: 1500 }, await loadLMData(parseLMConfig({ ...base, maxTokens: 1500 })));
      await t.trainEpoch(1);
      const after1 = tf.memory().numTensors;
      await t.trainEpoch(2);
      t.generate('the', 3);
      assert.equal(tf.memory().numTensors, after1);
      t.dispose();
    });
  }

  test('sequential partitioning carries the state across batches; random re-initialises it', async () => {
    // With the same weights, a carried state changes the second batch's loss versus a fresh one.
    const t = trainer({ hidden: 8 });
    const [b1, b2] = t.epochBatches(1);
    const lossOf = (fresh: boolean) => {
      const s0 = t.model.beginState(4);
      return tf.tidy(() => {
        const toT = (rows: number[][]) => tf.tensor2d(rows[0].map((_, c) => rows.map((r) => r[c])), [rows[0].length, rows.length], 'int32');
        const first = t.model.forward(toT(b1.X), s0);
        const s = fresh ? t.model.beginState(4) : first.state;
        return t.model.forward(toT(b2.X), s).logits.sum().dataSync()[0];
      });
    };
    assert.notEqual(lossOf(false), lossOf(true));
    t.dispose();
  });

  test('bad hyper-parameters get one clear sentence', () => {
    assert.throws(() => parseLMConfig({ hidden: 0 }), /hidden units must be a positive whole number, got 0/);
    assert.throws(() => parseLMConfig({ lr: -0.5 }), /learning rate must be a positive number, got -0.5/);
    assert.throws(() => parseLMConfig({ batch: 2.5 }), /batch size must be a positive whole number/);
    assert.throws(() => parseLMConfig({ model: 'transformer' }), /model/);
    assert.throws(() => parseLMConfig({ impl: 'layers', truncation: 'fixed' }), /Truncated BPTT needs/);
    assert.throws(() => trainer({ steps: 5000 }), /training split of 3600 tokens is too short for a batch of 4 sequences of 5000 steps/);
  });
});
