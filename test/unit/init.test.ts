import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { RecurrentLM } from '../../src/core/models/rnn-lm';
import { parseLMConfig } from '../../src/core/training/lm-config';
import { modelConfigOf } from '../../src/core/training/lm-trainer';

function stats(t: tf.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let q = 0;
  for (const v of d) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / d.length), min, max };
}

const H = 256;
const V = 28;
const near = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * b, `${what}: ${a} is not within ${rel * 100}% of ${b}`);

test("init 'd2l' draws weights N(0, 0.01) and zero biases (the textbook's from-scratch code)", () => {
  const m = new RecurrentLM({ kind: 'gru', impl: 'fused', vocabSize: V, hidden: H, layers: 1, bidirectional: false, embedding: 0, seed: 1, init: 'd2l' });
  try {
    const w = m.namedWeights();
    for (const name of ['l0.fw.wx', 'l0.fw.wh', 'head.w']) {
      const s = stats(w[name]);
      assert.ok(Math.abs(s.mean) < 3e-4, `${name} mean ${s.mean}`);
      near(s.std, 0.01, 0.03, `${name} std`);
    }
    for (const name of ['l0.fw.b', 'head.b']) assert.deepEqual([stats(w[name]).min, stats(w[name]).max], [0, 0]);
  } finally {
    m.dispose();
  }
});

test("init 'pytorch' draws U(−1/√H, 1/√H) weights (nn.GRU/nn.Linear), the bias as PyTorch's b_ih + b_hh", () => {
  const m = new RecurrentLM({ kind: 'lstm', impl: 'scratch', vocabSize: V, hidden: H, layers: 1, bidirectional: true, embedding: 0, seed: 2, init: 'pytorch' });
  try {
    const w = m.namedWeights();
    const k = 1 / Math.sqrt(H);
    for (const name of ['l0.fw.wx', 'l0.fw.wh', 'l0.bw.wh']) {
      const s = stats(w[name]);
      assert.ok(s.min >= -k && s.max <= k, `${name} outside ±1/√H: [${s.min}, ${s.max}]`);
      assert.ok(s.max > 0.98 * k && s.min < -0.98 * k, `${name} does not fill ±1/√H`);
      assert.ok(Math.abs(s.mean) < 0.02 * k, `${name} mean ${s.mean}`);
      near(s.std, k / Math.sqrt(3), 0.03, `${name} std`);
    }
    // the sum of two U(−k, k): within ±2k, std k·√(2/3)
    const b = stats(w['l0.fw.b']);
    assert.ok(b.min >= -2 * k && b.max <= 2 * k && b.max > k);
    near(b.std, k * Math.sqrt(2 / 3), 0.1, 'bias std');
    // the output layer reads both directions: U(−1/√(2H), 1/√(2H))
    const kq = 1 / Math.sqrt(2 * H);
    const q = stats(w['head.w']);
    assert.ok(q.min >= -kq && q.max <= kq && q.max > 0.98 * kq);
    near(q.std, kq / Math.sqrt(3), 0.03, 'head std');
  } finally {
    m.dispose();
  }
});

test('the initialiser is a config key (default d2l), passed to the model and recorded in its config', () => {
  assert.equal(parseLMConfig({}).init, 'd2l');
  assert.equal(modelConfigOf(parseLMConfig({ init: 'pytorch' }), V).init, 'pytorch');
  assert.throws(() => parseLMConfig({ init: 'xavier' }), /init/);
});
