import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { loadDataNmt, nmtBatches, type NmtBatch } from '../../src/core/translation/nmt-data';
import { maskedSoftmaxCELoss } from '../../src/core/translation/loss';
import { resolveMtConfig } from '../../src/core/translation/mt-config';
import { Seq2SeqTrainer } from '../../src/core/translation/train';
import { Seq2Seq } from '../../src/core/translation/seq2seq/model';
import { Seq2SeqAttention } from '../../src/core/translation/attention/model';
import { Rng } from '../../src/core/util/random';

/** Pairs of 1–9 words (so targets of 2–10 tokens with <eos>) over a small vocabulary, seeded. */
function pairsText(n: number, seed: number): string {
  const rng = new Rng(seed);
  const words = 'a b c d e f g h i j k l'.split(' ');
  const sentence = () => Array.from({ length: rng.randint(1, 9) }, () => words[rng.randint(0, words.length - 1)]).join(' ');
  return Array.from({ length: n }, () => `${sentence()}\t${sentence()}`).join('\n');
}

const T = 8;
const data = loadDataNmt(pairsText(700, 3), { numSteps: T });
const rows = Array.from({ length: data.source.length }, (_, i) => i);
const batchesOf = (seed: number, bucketing: boolean, B = 16) => [...nmtBatches(data.src, data.tgt, rows, B, new Rng(seed), { bucketing })];
const padded = (bs: NmtBatch[]) => bs.reduce((a, b) => a + b.Y.length * b.Y[0].length, 0);

describe('length bucketing (option `bucketing`; default = the textbook\'s fixed num_steps)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await selectKernelPath();
  });
  after(() => disposeKernels());

  test('each batch cut to its longest target, deterministic per rng seed, far less padding', () => {
    const plain = batchesOf(5, false);
    const bucketed = batchesOf(5, true);
    assert.equal(bucketed.reduce((a, b) => a + b.X.length, 0), rows.length);
    for (const b of bucketed) {
      const w = b.Y[0].length;
      assert.ok(b.Y.every((y) => y.length === w) && b.X.every((x) => x.length === T), 'targets share the batch width; sources keep num_steps');
      assert.equal(w, Math.min(T, Math.max(2, ...b.YValidLen)));
    }
    assert.ok(plain.every((b) => b.Y[0].length === T), 'without bucketing every batch is num_steps wide (the book)');
    assert.deepEqual(batchesOf(5, true), bucketed, 'the same rng seed gives the same batches');
    assert.notDeepEqual(batchesOf(6, true), bucketed);
    assert.ok(padded(bucketed) < 0.8 * padded(plain), `${padded(bucketed)} vs ${padded(plain)} target positions`);
  });

  test('every row exactly once: the multiset of (source, target) rows equals the unbucketed epoch\'s', () => {
    const key = (b: NmtBatch, i: number) => `${b.X[i].join(',')}>${b.Y[i].slice(0, b.YValidLen[i]).join(',')}`;
    const all = (bs: NmtBatch[]) => bs.flatMap((b) => b.X.map((_, i) => key(b, i))).sort();
    const expected = rows.map((r) => `${data.src.array[r].join(',')}>${data.tgt.array[r].slice(0, data.tgt.validLen[r]).join(',')}`).sort();
    assert.deepEqual(all(batchesOf(9, true)), expected);
    assert.deepEqual(all(batchesOf(9, false)), expected);
  });

  for (const Arch of [Seq2Seq, Seq2SeqAttention]) {
    test(`${Arch.name}: per-pair losses of a bucketed batch equal the full-width ones (mean over num_steps kept)`, () => {
      const model = new Arch({ srcVocabSize: data.srcVocab.size, tgtVocabSize: data.tgtVocab.size, embedSize: 8, numHiddens: 16, numLayers: 2, dropout: 0 }, 1);
      const bos = data.tgtVocab.indexOf('<bos>');
      const perPair = (b: NmtBatch, full: boolean) =>
        tf.tidy(() => {
          const B = b.X.length;
          const pad = data.tgtVocab.indexOf('<pad>');
          const Y = full ? b.Y.map((y) => [...y, ...Array<number>(T - y.length).fill(pad)]) : b.Y;
          const Tt = Y[0].length;
          const Yt = tf.tensor2d(Y, [B, Tt], 'int32');
          const dec = tf.concat([tf.fill([B, 1], bos, 'int32'), Yt.slice([0, 0], [B, Tt - 1])], 1) as tf.Tensor2D;
          const { output } = model.forward(tf.tensor2d(b.X, [B, T], 'int32'), dec, { training: false }, b.XValidLen);
          return Array.from(maskedSoftmaxCELoss(output, Yt, b.YValidLen).mul(Tt / T).dataSync());
        });
      let narrower = 0;
      for (const b of batchesOf(2, true, 32).slice(0, 6)) {
        if (b.Y[0].length < T) narrower++;
        const cut = perPair(b, false);
        const full = perPair(b, true);
        cut.forEach((l, i) => assert.ok(Math.abs(l - full[i]) <= 1e-5 * Math.max(1, full[i]), `pair ${i}: ${l} vs ${full[i]}`));
      }
      assert.ok(narrower > 0, 'some batches are narrower than num_steps');
      model.dispose();
    });
  }

  test('the trainer: one batch holding every pair gives the same first-epoch loss with and without bucketing', async () => {
    const text = pairsText(120, 4);
    const loss = async (bucketing: boolean) => {
      const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ pairs: 'x', numExamples: null, numSteps: T, embedSize: 8, numHiddens: 16, dropout: 0, batchSize: 200, epochs: 1, bucketing }), text);
      const m = await tr.trainEpoch(1);
      tr.dispose();
      return m.loss;
    };
    const [a, b] = [await loss(false), await loss(true)];
    assert.ok(Math.abs(a - b) <= 1e-5 * a, `${a} vs ${b}`);
  });
});
