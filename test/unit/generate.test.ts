import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { predictIds, sampleToken } from '../../src/core/models/predict';
import { keepState, RecurrentLM } from '../../src/core/models/rnn-lm';
import { Rng } from '../../src/core/util/random';
import { Vocab } from '../../src/core/text/vocab';
import { TextCodec } from '../../src/core/training/lm-data';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

const logits = [0.1, 2.0, -1.0, 1.5, 0.0];

describe('sampleToken', () => {
  test('greedy (the textbook) takes the argmax; top-1 is greedy too', () => {
    assert.equal(sampleToken(logits, {}, new Rng(0)), 1);
    assert.equal(sampleToken(logits, { temperature: 0 }, new Rng(0)), 1);
    assert.equal(sampleToken(logits, { topK: 1, temperature: 5 }, new Rng(0)), 1);
  });

  test('temperature sampling follows softmax(logits / T), seeded', () => {
    const counts = new Array(5).fill(0);
    const rng = new Rng(1);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1 }, rng)]++;
    const z = logits.map(Math.exp);
    const total = z.reduce((a, b) => a + b, 0);
    z.forEach((p, i) => assert.ok(Math.abs(counts[i] / n - p / total) < 0.015, `token ${i}: ${counts[i] / n} vs ${p / total}`));
    const seq = (seed: number) => Array.from({ length: 20 }, ((r) => () => sampleToken(logits, { temperature: 1 }, r))(new Rng(seed)));
    assert.deepEqual(seq(5), seq(5));
    // High temperature flattens the distribution: rarely-picked token 2 shows up.
    const hot = Array.from({ length: 2000 }, ((r) => () => sampleToken(logits, { temperature: 50 }, r))(new Rng(2)));
    assert.ok(hot.filter((t) => t === 2).length > 300);
  });

  test('top-k never leaves the k most likely tokens', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logits, { topK: 2 }, rng));
    assert.deepEqual([...seen].sort(), [1, 3]);
  });
});

describe('predictIds (d2l predict_ch8)', () => {
  test('returns the prefix and n predictions; warm-up in one call equals feeding the prefix token by token', () => {
    for (const impl of ['scratch', 'fused'] as const) {
      const m = new RecurrentLM({ kind: 'gru', impl, vocabSize: 6, hidden: 5, layers: 2, bidirectional: false, embedding: 0, seed: 9 });
      // Large weights, so predictions depend on the whole prefix.
      tf.tidy(() => m.variables().forEach((v, i) => v.assign(tf.randomNormal(v.shape, 0, 1, 'float32', i + 1))));
      const before = tf.memory().numTensors;
      const out = predictIds(m, [1, 2, 3, 4], 8);
      assert.equal(tf.memory().numTensors, before);
      assert.deepEqual(out.slice(0, 4), [1, 2, 3, 4]);
      assert.equal(out.length, 12);
      // d2l's loop: one token at a time through the warm-up.
      let state = m.beginState(1);
      let last: Float32Array = new Float32Array();
      for (const id of [1, 2, 3, 4]) {
        let next = state;
        last = tf.tidy(() => {
          const o = m.forward(tf.tensor2d([[id]], [1, 1], 'int32'), state);
          next = keepState(o.state);
          return o.logits.dataSync() as Float32Array;
        }) as unknown as Float32Array;
        state = next;
      }
      let best = 0;
      last.forEach((v, i) => (best = v > last[best] ? i : best));
      assert.equal(out[4], best, impl);
      assert.deepEqual(predictIds(m, [1, 2, 3, 4], 8, { temperature: 1, seed: 4 }), predictIds(m, [1, 2, 3, 4], 8, { temperature: 1, seed: 4 }));
      m.dispose();
    }
  });

  test('bad sampling options and an empty prefix are refused', () => {
    const m = new RecurrentLM({ kind: 'rnn', impl: 'scratch', vocabSize: 4, hidden: 2, layers: 1, bidirectional: false, embedding: 0, seed: 0 });
    assert.throws(() => predictIds(m, [], 3), /at least one token/);
    assert.throws(() => predictIds(m, [1], 3, { temperature: -1 }), /temperature must be 0/);
    assert.throws(() => predictIds(m, [1], 3, { topK: 0 }), /top-k must be a positive whole number/);
    m.dispose();
  });
});

describe('TextCodec', () => {
  test('char prefixes fold like the textbook (lower-case, other characters → space), one token per character', () => {
    const vocab = Vocab.build([...'the time traveller']);
    const codec = new TextCodec(vocab, 'char', 'textbook');
    assert.deepEqual(codec.tokenize('The Time-T!'), [...'the time t ']);
    assert.equal(codec.decode(codec.encode('Time')), 'time');
    assert.equal(codec.encode('z')[0], 0, 'unknown characters are <unk>');
    const words = new TextCodec(Vocab.build(['the', 'time', 'machine']), 'word', 'textbook');
    assert.equal(words.decode(words.encode('The Time, Machine!')), 'the time machine');
  });
});
