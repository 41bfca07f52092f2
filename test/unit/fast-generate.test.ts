import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { predictIds, type SampleOptions } from '../../src/core/models/predict';
import { KernelStepper, stepWeightsOf, supportsKernelGenerate } from '../../src/core/models/fast-generate';
import { RecurrentLM, type ModelConfig } from '../../src/core/models/rnn-lm';
import { currentKernel, getKernel, useKernelPath, PATH_ORDER } from '../../src/core/kernels/select';
import type { KernelPath } from '../../src/core/kernels/types';
import { Rng } from '../../src/core/util/random';

const V = 28;
const paths: KernelPath[] = [];
let saved: KernelPath;

before(async () => {
  await initBackend({ backend: 'cpu' });
  saved = currentKernel().path;
  for (const p of PATH_ORDER) if (await getKernel(p)) paths.push(p);
});

after(async () => {
  await useKernelPath(saved);
});

/** A model with weights large enough that the text depends on the whole history. */
function model(cfg: Partial<ModelConfig> & Pick<ModelConfig, 'kind'>): RecurrentLM {
  const m = new RecurrentLM({ impl: 'fused', vocabSize: V, hidden: 24, layers: 1, bidirectional: false, embedding: 0, seed: 5, ...cfg });
  const rng = new Rng(17);
  tf.tidy(() => m.variables().forEach((v) => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal(0, 0.6)), v.shape))));
  return m;
}

const OPTIONS: SampleOptions[] = [{}, { temperature: 0.8, seed: 3 }, { topK: 5, seed: 7 }, { temperature: 1.5, topK: 4, seed: 11 }];
const PREFIX = [3, 1, 4, 1, 5, 9, 2, 6];

describe('generation on the kernel without tfjs ops (issue #7)', () => {
  test('same tokens as the tfjs path: rnn/gru/lstm, 1 and 2 layers, one-hot and embedding, greedy and sampled, every kernel path', async () => {
    assert.ok(paths.includes('ts'));
    for (const p of paths) {
      assert.ok(await useKernelPath(p));
      for (const kind of ['rnn', 'gru', 'lstm'] as const) {
        for (const layers of [1, 2]) {
          for (const embedding of [0, 8]) {
            const m = model({ kind, layers, embedding });
            assert.ok(supportsKernelGenerate(m));
            for (const opts of OPTIONS) {
              const before = tf.memory().numTensors;
              const ref = predictIds(m, PREFIX, 60, opts, 'tfjs');
              const fast = predictIds(m, PREFIX, 60, opts, 'kernel');
              const auto = predictIds(m, PREFIX, 60, opts);
              assert.equal(tf.memory().numTensors, before, 'no tensor leak');
              const what = `${kind} ${layers} layer(s) embedding ${embedding} on ${p}, ${JSON.stringify(opts)}`;
              assert.deepEqual(fast, ref, what);
              assert.deepEqual(auto, ref, what);
              // sampled text must vary (greedy text may settle into a loop)
              if (opts.seed !== undefined) assert.ok(new Set(ref.slice(PREFIX.length)).size > 3, `${what}: the text should vary`);
            }
            // one-token prefix (no warm-up call) and zero predictions
            assert.deepEqual(predictIds(m, [2], 30, { seed: 1, temperature: 1 }, 'kernel'), predictIds(m, [2], 30, { seed: 1, temperature: 1 }, 'tfjs'));
            assert.deepEqual(predictIds(m, [2, 3], 0, {}, 'kernel'), [2, 3]);
            m.dispose();
          }
        }
      }
    }
  });

  test('runs no tfjs kernel and creates no tensor per character', async () => {
    const m = model({ kind: 'gru', layers: 2 });
    predictIds(m, PREFIX, 5); // reads (and caches) the weights
    const info = await tf.profile(() => {
      predictIds(m, PREFIX, 50, { temperature: 1, seed: 2 });
    });
    assert.equal(info.kernels.length, 0, info.kernels.map((k) => k.name).join());
    assert.equal(info.newTensors, 0);
    m.dispose();
  });

  test('the stepper fed the prefix in one call equals feeding it token by token', () => {
    const m = model({ kind: 'lstm', layers: 2, embedding: 6 });
    const a = new KernelStepper(stepWeightsOf(m));
    const b = new KernelStepper(stepWeightsOf(m));
    const whole = a.feed(PREFIX)!;
    let last: Float32Array | null = null;
    for (const t of PREFIX) last = b.feed([t]);
    for (let i = 0; i < V; i++) assert.ok(Math.abs(whole[i] - last![i]) < 1e-5);
    a.reset();
    assert.deepEqual(Array.from(a.feed(PREFIX)!), Array.from(whole));
    assert.equal(a.feed([1], false), null);
    m.dispose();
  });

  test('bidirectional and non-fused models keep the tfjs path', () => {
    for (const cfg of [{ bidirectional: true }, { impl: 'scratch' as const }, { impl: 'layers' as const }]) {
      const m = model({ kind: 'gru', ...cfg });
      assert.equal(supportsKernelGenerate(m), false);
      const before = tf.memory().numTensors;
      assert.deepEqual(predictIds(m, PREFIX, 20, { seed: 4, temperature: 1 }), predictIds(m, PREFIX, 20, { seed: 4, temperature: 1 }, 'tfjs'));
      assert.equal(tf.memory().numTensors, before);
      assert.throws(() => predictIds(m, PREFIX, 3, {}, 'kernel'), /fused, unidirectional/);
      m.dispose();
    }
  });
});
