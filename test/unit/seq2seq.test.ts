import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { maskedSoftmaxCELoss, sequenceMask } from '../../src/core/translation/loss';
import { Seq2Seq, Seq2SeqDecoder, Seq2SeqEncoder } from '../../src/core/translation/seq2seq';
import { gruLayer } from '../../src/core/translation/gru';
import { Rng } from '../../src/core/util/random';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= eps * (1 + Math.abs(b[i])), `[${i}] ${a[i]} ≉ ${b[i]}`);
};

describe('seq2seq model and masked loss (d2l 9.6–9.7)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test("sequence_mask: the book's example", () => {
    const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(sequenceMask(X, [1, 2]).arraySync(), [[1, 0, 0], [4, 5, 0]]);
    const X3 = tf.ones([2, 3, 4]);
    assert.deepEqual((sequenceMask(X3, [1, 2], -1).arraySync() as number[][][])[0][1], [-1, -1, -1, -1]);
  });

  test("MaskedSoftmaxCELoss: the book's example [2.3026, 1.1513, 0]", () => {
    const l = maskedSoftmaxCELoss(tf.ones([3, 4, 10]) as tf.Tensor3D, tf.ones([3, 4], 'int32') as tf.Tensor2D, [4, 2, 0]);
    close(l.dataSync(), [2.3026, 1.1513, 0], 1e-4);
  });

  test('padding changes nothing: labels and logits past valid_len do not move the loss', () => {
    const rng = new Rng(4);
    const B = 3, T = 5, V = 7;
    const logits = Array.from({ length: B * T * V }, () => rng.normal());
    const labels = Array.from({ length: B * T }, () => rng.randint(0, V - 1));
    const valid = [5, 2, 1];
    const base = maskedSoftmaxCELoss(tf.tensor3d(logits, [B, T, V]), tf.tensor2d(labels, [B, T], 'int32'), valid).dataSync();
    const logits2 = [...logits];
    const labels2 = [...labels];
    for (let b = 0; b < B; b++) {
      for (let t = valid[b]; t < T; t++) {
        labels2[b * T + t] = rng.randint(0, V - 1);
        for (let v = 0; v < V; v++) logits2[(b * T + t) * V + v] = rng.normal(0, 10);
      }
    }
    const moved = maskedSoftmaxCELoss(tf.tensor3d(logits2, [B, T, V]), tf.tensor2d(labels2, [B, T], 'int32'), valid).dataSync();
    assert.deepEqual(Array.from(moved), Array.from(base));
  });

  test("shapes as in the book: encoder output (7, 4, 16), state (2, 4, 16); decoder output (4, 7, 10)", () => {
    const cfg = { srcVocabSize: 10, tgtVocabSize: 10, embedSize: 8, numHiddens: 16, numLayers: 2, dropout: 0 };
    const rng = new Rng(0);
    const enc = new Seq2SeqEncoder(cfg, rng);
    const dec = new Seq2SeqDecoder(cfg, rng);
    const X = tf.zeros([4, 7], 'int32') as tf.Tensor2D;
    const e = enc.forward(X, { training: false });
    assert.deepEqual(e.outputs.shape, [7, 4, 16]);
    assert.deepEqual(e.state.map((s) => s.shape), [[4, 16], [4, 16]]);
    const d = dec.forward(X, dec.initState(e), { training: false });
    assert.deepEqual(d.output.shape, [4, 7, 10]);
    assert.equal(d.state.hidden.length, 2);
  });

  test('the fused recurrent op and plain tf ops give the same GRU, forward and backward', () => {
    const rng = new Rng(11);
    const T = 4, B = 3, I = 5, H = 6;
    const r = (n: number, s = 0.5) => Array.from({ length: n }, () => rng.normal(0, s));
    const x = tf.tensor3d(r(T * B * I), [T, B, I]);
    const h0 = tf.tensor2d(r(B * H), [B, H]);
    const w = { wx: tf.tensor2d(r(I * 3 * H), [I, 3 * H]), wh: tf.tensor2d(r(H * 3 * H), [H, 3 * H]), b: tf.tensor1d(r(3 * H)) };
    const grads = (impl: 'fused' | 'tfops') =>
      tf.grads((xx, hh, wx, wh, b) => {
        const o = gruLayer(xx as tf.Tensor3D, hh as tf.Tensor2D, { wx: wx as tf.Tensor2D, wh: wh as tf.Tensor2D, b: b as tf.Tensor1D }, impl);
        return tf.add(tf.sum(tf.mul(o.hs, tf.linspace(-1, 1, T * B * H).reshape([T, B, H]))), tf.sum(o.hT));
      })([x, h0, w.wx, w.wh, w.b]);
    const f = gruLayer(x, h0, w, 'fused');
    const t = gruLayer(x, h0, w, 'tfops');
    close(f.hs.dataSync(), t.hs.dataSync());
    close(f.hT.dataSync(), t.hT.dataSync());
    const gf = grads('fused');
    const gt = grads('tfops');
    gf.forEach((g, i) => close(g.dataSync(), gt[i].dataSync(), 1e-4));
  });

  test('the same seed builds the same model; dropout is off outside training', () => {
    const cfg = { srcVocabSize: 12, tgtVocabSize: 9, embedSize: 4, numHiddens: 5, numLayers: 2, dropout: 0.5 };
    const a = new Seq2Seq(cfg, 3);
    const b = new Seq2Seq(cfg, 3);
    a.variables().forEach((v, i) => assert.deepEqual(Array.from(v.dataSync()), Array.from(b.variables()[i].dataSync())));
    const X = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const o1 = a.forward(X, X, { training: false }).output.dataSync();
    const o2 = a.forward(X, X, { training: false }).output.dataSync();
    assert.deepEqual(Array.from(o1), Array.from(o2));
    assert.deepEqual(a.namedVariables().map(([n]) => n).slice(0, 4), ['encoder.embedding', 'encoder.gru.0.wx', 'encoder.gru.0.wh', 'encoder.gru.0.b']);
    a.dispose();
    b.dispose();
  });
});
