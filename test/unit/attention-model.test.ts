import { test, describe, before, after } from 'node:test';
import { writeChecksums } from '../../src/core/training/checkpoint-sums';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { writeCheckpoint } from '../../src/core/training/checkpoint';
import { resolveMtConfig } from '../../src/core/translation/mt-config';
import { loadTranslator, readMtFiles, saveMtFiles } from '../../src/core/translation/mt-checkpoint';
import { Seq2SeqTrainer, trainSeq2seq } from '../../src/core/translation/train';
import { Seq2SeqAttention } from '../../src/core/translation/attention/model';
import { Translator } from '../../src/core/translation/translator';
import { Vocab } from '../../src/core/text/vocab';
import { Rng } from '../../src/core/util/random';
import { runCli, runJson } from './helpers/cli';

/**
 * A copy task: random 3–5-letter sequences of 8 letters, the target equal to the source; one
 * in five has a word seen only once, which min_freq 2 makes <unk> on both sides.
 */
function copyPairs(n: number, seed: number): string {
  const rng = new Rng(seed);
  const letters = 'abcdefgh'.split('');
  return Array.from({ length: n }, (_, i) => {
    const s = Array.from({ length: rng.randint(3, 5) }, () => letters[rng.randint(0, letters.length - 1)]);
    if (rng.next() < 0.2) s[rng.randint(0, s.length - 1)] = `w${i}`;
    return `${s.join(' ')}\t${s.join(' ')}`;
  }).join('\n');
}

const TOY = { model: 'attention', pairs: 'copy', numExamples: null, numSteps: 7, minFreq: 2, embedSize: 16, numHiddens: 32, numLayers: 1, dropout: 0, lr: 0.01, epochs: 20, batchSize: 32, seed: 0 };
const argmax = (row: number[]) => row.indexOf(Math.max(...row));

let tmp = '';
let copy: Seq2SeqTrainer;
let copyText = '';

describe('Bahdanau attention decoder (d2l 10.4)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await selectKernelPath();
    tmp = mkdtempSync(join(tmpdir(), 'seqlab-attn-'));
  });
  after(() => {
    copy?.dispose();
    rmSync(tmp, { recursive: true, force: true });
    disposeKernels();
  });

  test("the book's shapes: output (4, 7, 10), keys (4, 7, 16), 2 hidden states (4, 16); weights (4, 7, 7) with rows summing to 1 over the valid source", () => {
    const cfg = { srcVocabSize: 10, tgtVocabSize: 10, embedSize: 8, numHiddens: 16, numLayers: 2, dropout: 0 };
    const m = new Seq2SeqAttention(cfg, 0);
    const X = tf.zeros([4, 7], 'int32') as tf.Tensor2D;
    const lens = [7, 3, 1, 5];
    const state = m.decoder.initState(m.encoder.forward(X, { training: false }), lens);
    assert.deepEqual(state.encOutputs.shape, [4, 7, 16]);
    const d = m.decoder.forward(X, state, { training: false });
    assert.deepEqual(d.output.shape, [4, 7, 10]);
    assert.deepEqual(d.state.hidden.map((h) => h.shape), [[4, 16], [4, 16]]);
    assert.deepEqual(d.attentionWeights.shape, [4, 7, 7]);
    const w = d.attentionWeights.arraySync() as number[][][];
    w.forEach((rows, b) => rows.forEach((row) => {
      assert.ok(Math.abs(row.reduce((a, x) => a + x, 0) - 1) < 1e-5);
      row.slice(lens[b]).forEach((x) => assert.equal(x, 0));
    }));
    assert.equal(m.namedVariables().length, 1 + 2 * 3 + 1 + 3 + 2 * 3 + 2);
    m.dispose();
  });

  test('decoding step by step (as translation does) gives the teacher-forced forward pass exactly', () => {
    const cfg = { srcVocabSize: 9, tgtVocabSize: 9, embedSize: 6, numHiddens: 8, numLayers: 2, dropout: 0.3 };
    const m = new Seq2SeqAttention(cfg, 5);
    const tokens = ['<unk>', '<pad>', '<bos>', '<eos>', 'a', 'b', 'c', 'd', 'e'];
    const vocab = Vocab.fromJSON({ idxToToken: tokens, counts: tokens.map(() => 1) } as never);
    // A Translator accepts the model and its vocabularies (reserved tokens present).
    new Translator(m, vocab, vocab, 6);
    const src = [4, 5, 6, 3, 1, 1];
    const tgtIn = [2, 7, 8, 4];
    const full = tf.tidy(() => {
      const state = m.decoder.initState(m.encoder.forward(tf.tensor2d([src], [1, 6], 'int32'), { training: false }), [4]);
      const r = m.decoder.forward(tf.tensor2d([tgtIn], [1, 4], 'int32'), state, { training: false });
      return { logp: tf.logSoftmax(r.output).arraySync() as number[][][], w: r.attentionWeights.arraySync() as number[][][] };
    });
    const dec = m.startDecoding(src, 4);
    let st = dec.init;
    tgtIn.forEach((tok, i) => {
      const out = dec.step([st], [tok]);
      const lp = Array.from(out.logProbs[0]);
      lp.forEach((x, v) => assert.ok(Math.abs(x - full.logp[0][i][v]) < 1e-5, `step ${i} token ${v}`));
      assert.deepEqual(Array.from(out.attention![0]).map((x) => +x.toFixed(5)), full.w[0][i].slice(0, 4).map((x) => +x.toFixed(5)));
      st = out.states[0];
    });
    dec.dispose();
    m.dispose();
  });

  test('a toy copy task is learned, and its attention heatmap is diagonal', async () => {
    copyText = copyPairs(300, 1);
    copy = Seq2SeqTrainer.fromText(resolveMtConfig(TOY), copyText);
    await trainSeq2seq(copy);
    const t = copy.translator();
    let exact = 0, diagonal = 0, rows = 0;
    for (const line of copyText.split('\n').slice(0, 50)) {
      const src = line.split('\t')[0];
      const r = t.translate(src, { attention: true }).translations[0];
      if (r.text === src.replace(/w\d+/g, '<unk>')) exact++;
      // Rows = output tokens with <eos>, columns = source tokens with <eos>, rows sum to 1.
      assert.deepEqual(r.sourceTokens, [...src.split(' '), '<eos>']);
      assert.equal(r.attention!.length, r.targetTokens!.length);
      for (const row of r.attention!) assert.ok(Math.abs(row.reduce((a, x) => a + x, 0) - 1) < 1e-5);
      src.split(' ').forEach((_, i) => {
        rows++;
        if (r.attention![i] && argmax(r.attention![i]) === i) diagonal++;
      });
    }
    assert.ok(exact >= 40, `${exact}/50 copied exactly`);
    assert.ok(diagonal / rows >= 0.75, `${diagonal}/${rows} rows peak on the diagonal`);
  });

  test('checkpoints know their architecture; seqlab translate --attention --json gives rows = targetTokens, columns = sourceTokens', async () => {
    const dir = join(tmp, 'copy');
    writeCheckpoint(dir, 'mt', TOY.epochs, [], (d) => saveMtFiles(d, copy));
    assert.equal(readMtFiles(dir).config.model, 'attention');
    assert.equal(readMtFiles(dir).config.model, 'attention');
    assert.ok(loadTranslator(dir).model instanceof Seq2SeqAttention);
    const j = await runJson<{ arch: string; translations: { text: string; attention: number[][]; sourceTokens: string[]; targetTokens: string[] }[] }>('translate', '--checkpoint', dir, '--attention', '--beam', '2', '--json', 'a b c');
    assert.equal(j.arch, 'attention');
    for (const tr of j.translations) {
      assert.deepEqual(tr.sourceTokens, ['a', 'b', 'c', '<eos>']);
      assert.equal(tr.attention.length, tr.targetTokens.length);
      assert.equal(tr.targetTokens.at(-1), '<eos>');
      for (const row of tr.attention) {
        assert.equal(row.length, 4);
        assert.ok(Math.abs(row.reduce((a, x) => a + x, 0) - 1) < 1e-5);
      }
    }
    const text = await runCli('translate', '--checkpoint', dir, '--attention', 'a b c');
    assert.match(text.out, /attends: a←a \(\d\.\d\d\)/);
    // A plain seq2seq has no attention to show.
    const plain = Seq2SeqTrainer.fromText(resolveMtConfig({ ...TOY, model: 'seq2seq', epochs: 1 }), copyText);
    const pdir = join(tmp, 'plain');
    writeCheckpoint(pdir, 'mt', 0, [], (d) => saveMtFiles(d, plain));
    plain.dispose();
    assert.equal(readMtFiles(pdir).config.model, 'seq2seq');
    const bad = await runCli('translate', '--checkpoint', pdir, '--attention', 'a b c');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /plain seq2seq \(d2l 9\.7\) and has no attention weights/);
    const note = await runJson<{ notes: string[] }>('translate', '--checkpoint', pdir, '--replace-unk', '--json', 'a b c');
    assert.match(note.notes[0], /replace_unk needs attention weights/);
  });

  test('replace_unk: each <unk> in the output becomes the source word its step attended to most, and the result says so', () => {
    const t = copy.translator();
    // The copy model has never seen "zz": it reads <unk> and writes <unk>, attending to that position.
    const plainOut = t.translate('a zz c', { attention: true }).translations[0];
    assert.ok(plainOut.tokens.includes('<unk>'), plainOut.text);
    const r = t.translate('a zz c', { attention: true, replaceUnk: true });
    const tr = r.translations[0];
    assert.ok(!tr.tokens.includes('<unk>'));
    for (const rep of tr.replaced!) {
      assert.equal(plainOut.tokens[rep.index], '<unk>');
      assert.equal(rep.sourceIndex, argmax(tr.attention![rep.index].slice(0, 3)));
      assert.equal(tr.tokens[rep.index], rep.source);
    }
    assert.ok(tr.replaced!.some((x) => x.source === 'zz'));
    assert.match(r.notes.join(' '), /replace_unk: <unk> at \d → “zz”/);
  });

  test('old checkpoints without an architecture load as seq2seq; an unknown architecture gets one sentence', () => {
    const dir = join(tmp, 'plain');
    const files = readMtFiles(dir);
    const cfgPath = join(files.dir, 'config.json');
    const raw = JSON.parse(readFileSync(cfgPath, 'utf8')) as { config: Record<string, unknown> };
    delete raw.config.model;
    writeFileSync(cfgPath, JSON.stringify(raw));
    // Edited on purpose: record the new checksums, as a checkpoint of an older Seqlab would hold them.
    writeChecksums(files.dir);
    assert.equal(readMtFiles(dir).config.model, 'seq2seq');
    writeFileSync(cfgPath, JSON.stringify({ ...raw, config: { ...raw.config, model: 'transformer' } }));
    writeChecksums(files.dir);
    assert.throws(() => readMtFiles(dir), /model: Invalid option: expected one of "seq2seq"\|"attention"/);
  });
});
