/**
 * Import and export as files: the safetensors format (byte-identical to the fixtures that
 * safetensors.torch.save_file wrote, every dtype, one sentence per malformed file), `seqlab
 * import` becoming a checkpoint that generate and the gate heatmap take, all-or-nothing on
 * every mismatch, export → import bit for bit, and the PyTorch GRU variant's BPTT in the
 * reference kernel against autodiff of the cells.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { weightArrays, writeLMCheckpoint } from '../../src/core/interop/lm-files';
import { importTorchLM } from '../../src/core/interop/lm-interop';
import { parseSafetensors, serializeSafetensors, type NamedArray } from '../../src/core/interop/safetensors';
import { RecurrentLM, type ModelConfig } from '../../src/core/models/rnn-lm';
import { lmActivations, loadLMCheckpoint } from '../../src/core/training/lm-job';
import { parseLMConfig } from '../../src/core/training/lm-config';
import { loadTranslator } from '../../src/core/translation/mt-checkpoint';
import { main } from '../../src/cli/main';
import { FIXTURES, fixtureFile, fixtureJson } from './helpers/interop-fixtures';

let tmp: string;
before(async () => {
  await initBackend({ backend: 'cpu' });
  tmp = mkdtempSync(join(tmpdir(), 'seqlab-interop-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), signal: new AbortController().signal });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('safetensors', () => {
  test("re-serialising PyTorch's fixtures gives their exact bytes (what safetensors.torch.save_file wrote)", () => {
    for (const name of ['rnn', 'gru', 'lstm', 'seq2seq']) {
      const bytes = readFileSync(join(FIXTURES, `${name}.safetensors`));
      const f = parseSafetensors(bytes);
      assert.ok(Buffer.from(serializeSafetensors(f.tensors)).equals(bytes), name);
    }
  });

  test('reads F16, BF16 and F64 as float32, and keeps metadata', () => {
    const header = JSON.stringify({ __metadata__: { a: 'b' }, d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, h: { dtype: 'F16', shape: [2], data_offsets: [16, 20] }, bf: { dtype: 'BF16', shape: [1, 2], data_offsets: [20, 24] } });
    const data = Buffer.alloc(24);
    data.writeDoubleLE(0.1, 0);
    data.writeDoubleLE(-3, 8);
    data.writeUInt16LE(0x3c00, 16); // 1
    data.writeUInt16LE(0xc000, 18); // −2
    data.writeUInt16LE(0x3fc0, 20); // 1.5
    data.writeUInt16LE(0x4049, 22); // ≈ 3.140625
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const f = parseSafetensors(Buffer.concat([len, Buffer.from(header), data]));
    assert.deepEqual([...f.tensors.get('d')!.data], [Math.fround(0.1), -3]);
    assert.deepEqual([...f.tensors.get('h')!.data], [1, -2]);
    assert.deepEqual([...f.tensors.get('bf')!.data], [1.5, 3.140625]);
    assert.deepEqual(f.tensors.get('bf')!.shape, [1, 2]);
    assert.deepEqual(f.metadata, { a: 'b' });
    assert.equal(f.dtypes.get('h'), 'F16');
  });

  test('a malformed file gets one sentence naming the problem (and the tensor)', () => {
    const good = serializeSafetensors([['w', { shape: [2], data: Float32Array.of(1, 2) }]]);
    const withHeader = (h: object, dataBytes = 8) => {
      const j = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(j.length));
      return Buffer.concat([len, j, Buffer.alloc(dataBytes)]);
    };
    const cases: [Uint8Array, RegExp][] = [
      [Buffer.from('hello'), /fewer than the 8-byte header length/],
      [Buffer.from('PK\x03\x04 this is a zip file, not safetensors at all'), /header length .* does not fit/],
      [good.slice(0, good.length - 4), /tensor w .*spans|data_offsets/],
      [withHeader({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }), /^SeqlabError: Tensor w has dtype I64; Seqlab reads F32, F16, BF16, F64\.$/],
      [withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), /tensor w is F32 \[3\] \(12 bytes\) but spans 8 bytes/],
      [withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }), /tensor w's data_offsets lie outside/],
      [withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), /overlap or gap/],
      [withHeader({ w: { dtype: 'F32', shape: 'x', data_offsets: [0, 8] } }), /tensor w has no valid shape/],
    ];
    for (const [bytes, re] of cases) assert.throws(() => parseSafetensors(bytes, 'model.safetensors'), re);
  });
});

describe('seqlab import', () => {
  test("a d2l PyTorch GRU LM becomes a checkpoint that generates PyTorch's greedy text and opens in the gate heatmap", async () => {
    const out = join(tmp, 'gru-run');
    const r = await cli(['import', '--weights', join(FIXTURES, 'gru.safetensors'), '--vocab', join(FIXTURES, 'gru.vocab.json'), '--kind', 'gru', '--out', out, '--backend', 'cpu', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).variant, 'pytorch');
    const io = fixtureJson<{ prefix: string; greedy: string }>('gru.io.json');
    const g = await cli(['generate', '--checkpoint', out, '--prefix', io.prefix, '--length', String(io.greedy.length - io.prefix.length), '--backend', 'cpu']);
    assert.equal(g.code, 0, g.err);
    assert.equal(g.out, io.greedy);
    const lm = loadLMCheckpoint(out);
    try {
      assert.equal(lm.model.config.variant, 'pytorch');
      assert.equal(lm.config.token, 'char');
      const acts = lmActivations(lm.model, lm.codec, 'time traveller');
      assert.deepEqual(Object.keys(acts.layers[0].gates).sort(), ['h̃', 'r', 'z']);
      assert.equal(acts.layers[0].hidden.length, 'time traveller'.length);
    } finally {
      lm.model.dispose();
    }
  });

  test("d2l's seq2seq becomes a translator checkpoint that translates greedily as PyTorch did", async () => {
    const out = join(tmp, 'mt-run');
    const r = await cli(['import', '--weights', join(FIXTURES, 'seq2seq.safetensors'), '--vocab', join(FIXTURES, 'seq2seq.vocab.json'), '--tgt-vocab', join(FIXTURES, 'seq2seq.tgt-vocab.json'), '--kind', 'seq2seq', '--out', out, '--backend', 'cpu']);
    assert.equal(r.code, 0, r.err);
    const io = fixtureJson<{ greedySource: string; greedy: string }>('seq2seq.io.json');
    const t = loadTranslator(out);
    assert.equal(t.translate(io.greedySource).translations[0].text, io.greedy);
  });

  test("d2l 1.0's names (rnn.rnn.*) map the same way", () => {
    const f = fixtureFile('lstm');
    const renamed = new Map([...f.tensors].map(([k, v]) => [k.startsWith('rnn.') ? `rnn.${k}` : k, v]));
    const vocab = fixtureJson<string[]>('lstm.vocab.json');
    const a = importTorchLM(f, vocab, { kind: 'lstm', layers: 2, bidirectional: true });
    const b = importTorchLM({ ...f, tensors: renamed }, vocab, { kind: 'lstm' });
    assert.deepEqual([...a.weights.keys()], [...b.weights.keys()]);
    assert.equal(a.model.bidirectional, true);
  });

  test('every mismatch is one sentence naming the tensor, and nothing is written', async () => {
    const f = fixtureFile('gru');
    const vocab = fixtureJson<string[]>('gru.vocab.json');
    const write = (name: string, tensors: Map<string, NamedArray>) => {
      const p = join(tmp, name);
      writeFileSync(p, serializeSafetensors(tensors));
      return p;
    };
    const without = new Map(f.tensors);
    without.delete('rnn.bias_hh_l0');
    const wrong = new Map(f.tensors);
    wrong.set('linear.bias', { shape: [3], data: new Float32Array(3) });
    const extra = new Map(f.tensors);
    extra.set('rnn.weight_hr_l0', { shape: [1], data: new Float32Array(1) });
    const vocabFile = join(tmp, 'v.json');
    writeFileSync(vocabFile, JSON.stringify(vocab));
    const shortVocab = join(tmp, 'short.json');
    writeFileSync(shortVocab, JSON.stringify(vocab.slice(0, -1)));
    const notList = join(tmp, 'bad.json');
    writeFileSync(notList, '{"a": 1}');
    const binary = join(tmp, 'binary.safetensors');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const cases: [string[], RegExp][] = [
      [['--weights', write('missing.safetensors', without), '--vocab', vocabFile, '--kind', 'gru'], /^seqlab: Tensor rnn\.bias_hh_l0 is missing \(layer 0 of the language model\)\.$/],
      [['--weights', write('wrong.safetensors', wrong), '--vocab', vocabFile, '--kind', 'gru'], /^seqlab: Tensor linear\.bias is \[3\]; the output layer needs \[\d+\]\.$/],
      [['--weights', write('extra.safetensors', extra), '--vocab', vocabFile, '--kind', 'gru'], /^seqlab: Tensor rnn\.weight_hr_l0 is not part of a d2l RNNModel/],
      [['--weights', join(FIXTURES, 'gru.safetensors'), '--vocab', shortVocab, '--kind', 'gru'], /^seqlab: Tensor rnn\.weight_ih_l0 takes \d+ inputs, but the vocabulary has \d+ tokens/],
      [['--weights', join(FIXTURES, 'gru.safetensors'), '--vocab', notList, '--kind', 'gru'], /bad\.json is not a list of tokens/],
      [['--weights', join(FIXTURES, 'gru.safetensors'), '--vocab', vocabFile, '--kind', 'lstm'], /^seqlab: Tensor rnn\.weight_hh_l0 holds a GRU layer, not an LSTM \(--kind lstm\)\.$/],
      [['--weights', join(FIXTURES, 'gru.safetensors'), '--vocab', vocabFile, '--kind', 'gru', '--layers', '2'], /the file has 1 layer\(s\), not 2/],
      [['--weights', binary, '--vocab', vocabFile, '--kind', 'gru'], /^seqlab: binary\.safetensors is not a valid safetensors file/],
      [['--weights', join(tmp, 'nope.safetensors'), '--vocab', vocabFile, '--kind', 'gru'], /There is no weights file/],
    ];
    for (const [i, [args, re]] of cases.entries()) {
      const out = join(tmp, `failed-${i}`);
      const r = await cli(['import', ...args, '--out', out, '--backend', 'cpu']);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.err, re);
      assert.equal(r.err.split('\n').length, 1);
      assert.equal(existsSync(out), false, 'no half-imported run');
    }
    assert.deepEqual(readdirSync(tmp).filter((n) => n.includes('.tmp-')), [], 'no temporary folder left');
  });
});

describe('seqlab export', () => {
  const corpus = () => {
    const p = join(tmp, 'corpus.txt');
    writeFileSync(p, 'the time traveller for so it will be convenient to speak of him\nwas expounding a recondite matter to us\n'.repeat(20));
    return p;
  };
  const shapes: Partial<ModelConfig>[] = [
    { kind: 'gru' },
    { kind: 'gru', variant: 'pytorch', layers: 2 },
    { kind: 'lstm', layers: 2, bidirectional: true, embedding: 5 },
    { kind: 'rnn' },
  ];
  for (const shape of shapes) {
    test(`export then import returns every weight bit for bit (${JSON.stringify(shape)})`, async () => {
      const vocab = ['<unk>', ' ', 'e', 't', 'o', 'a', 'r', 'h', 'i', 'n', 's', 'm', 'l', 'v', 'c', 'w', 'u', 'p', 'x', 'd', 'g', 'b', 'f', 'k', 'y'];
      const model: ModelConfig = { kind: 'gru', impl: 'fused', vocabSize: vocab.length, hidden: 6, layers: 1, bidirectional: false, embedding: 0, seed: 3, ...shape };
      const lm = new RecurrentLM(model);
      // non-zero biases (and a −0) so the bias split/merge is exercised
      tf.tidy(() => {
        for (const v of lm.variables()) if (v.rank === 1) v.assign(tf.randomUniform(v.shape, -1, 1, 'float32', 7));
      });
      const weights = weightArrays(lm);
      weights.get('head.b')!.data[0] = -0;
      lm.dispose();
      const cfg = parseLMConfig({ corpus: corpus(), model: model.kind, variant: model.variant ?? 'd2l', hidden: 6, layers: model.layers, bidirectional: model.bidirectional, embedding: model.embedding, batch: 4, steps: 5, epochs: 3, lr: 0.5 });
      const id = `${model.kind}-${model.layers}-${model.variant ?? 'd2l'}-${model.bidirectional}`;
      const ckpt = join(tmp, `ckpt-${id}`);
      writeLMCheckpoint(ckpt, { config: cfg, model, weights, idxToToken: vocab }, { source: 'test', vocab: 'test', importedAt: '', kind: model.kind });
      const exported = join(tmp, `export-${id}`);
      const r = await cli(['export', '--checkpoint', ckpt, '--out', exported, '--backend', 'cpu', '--json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(readdirSync(exported).sort(), ['corpus.txt', 'model.safetensors', 'seqlab-run.json', 'train.py', 'vocab.json']);
      const names = [...parseSafetensors(readFileSync(join(exported, 'model.safetensors'))).tensors.keys()];
      assert.ok(names.includes('rnn.weight_ih_l0') && names.includes('linear.weight'), names.join());
      if (model.bidirectional) assert.ok(names.includes('rnn.weight_hh_l1_reverse'));
      if (model.embedding) assert.ok(names.includes('embedding.weight'));
      const back = join(tmp, `back-${id}`);
      const i = await cli(['import', '--weights', join(exported, 'model.safetensors'), '--vocab', join(exported, 'vocab.json'), '--kind', model.kind, '--out', back, '--backend', 'cpu']);
      assert.equal(i.code, 0, i.err);
      const again = loadLMCheckpoint(back);
      try {
        assert.equal(again.model.config.variant, model.variant, 'the variant travels in the metadata');
        assert.equal(again.config.lr, 0.5, 'hyper-parameters travel in the metadata');
        const w2 = weightArrays(again.model);
        assert.deepEqual([...w2.keys()].sort(), [...weights.keys()].sort());
        for (const [k, w] of weights) assert.equal(bits(w2.get(k)!.data), bits(w.data), k);
      } finally {
        again.model.dispose();
      }
    });
  }

  test("a run whose weights cannot be written leaves no export folder (and BPE runs say why they cannot go)", async () => {
    const r = await cli(['export', '--checkpoint', join(tmp, 'no-such-run'), '--out', join(tmp, 'never'), '--backend', 'cpu']);
    assert.equal(r.code, 1);
    assert.match(r.err, /There is no checkpoint folder/);
    assert.equal(existsSync(join(tmp, 'never')), false);
  });
});

describe("PyTorch's GRU variant in the fused reference kernel", () => {
  test('BPTT gradients equal autodiff of the cells (scratch) on a 2-layer bidirectional model', () => {
    const cfg: ModelConfig = { kind: 'gru', variant: 'pytorch', impl: 'scratch', vocabSize: 7, hidden: 5, layers: 2, bidirectional: true, embedding: 0, seed: 1 };
    const scratch = new RecurrentLM(cfg);
    const fused = new RecurrentLM({ ...cfg, impl: 'fused' });
    tf.tidy(() => {
      for (const v of scratch.variables()) v.assign(tf.randomUniform(v.shape, -0.8, 0.8, 'float32', v.size));
    });
    fused.loadWeights(new Map([...weightArrays(scratch)]));
    const X = tf.tensor2d([[1, 2], [3, 4], [5, 6], [0, 1]], [4, 2], 'int32');
    const grads = (m: RecurrentLM) =>
      tf.variableGrads(() => {
        const r = m.forward(X, m.beginState(2));
        return tf.mean(tf.square(r.logits)) as tf.Scalar;
      }, m.variables());
    const a = grads(scratch);
    const b = grads(fused);
    const bn = Object.keys(b.grads);
    Object.values(a.grads).forEach((g, i) => {
      const h = b.grads[bn[i]];
      const d = tf.max(tf.abs(tf.sub(g, h))).dataSync()[0];
      const s = tf.max(tf.abs(g)).dataSync()[0];
      assert.ok(d <= 1e-5 * Math.max(s, 1e-3), `${bn[i]}: ${d} vs scale ${s}`);
    });
    assert.ok(Object.keys(a.grads).some((k) => k.endsWith('.bhn')), 'b_hn gets a gradient');
    scratch.dispose();
    fused.dispose();
  });
});
