import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexCorpus, loadCorpusText } from '../../src/core/data/corpus';
import { ngramBaselines, ngramPerplexityTable } from '../../src/core/ngram';
import { runCli, runJson } from './helpers/cli';

interface NgramLmResult {
  n: number;
  epsilon: number;
  vocabSize: number;
  trainTokens: number;
  evalTokens: number;
  perplexity: number;
  sample?: string;
}

const timeMachine = async (token: 'char' | 'word') =>
  indexCorpus(await loadCorpusText('timemachine', { dataDirectory: process.env.SEQLAB_DATA_DIR, allowDownload: false }), { token });

describe('n-gram baselines on The Time Machine (textbook 8.3)', () => {
  test('char level: perplexity falls from unigram to trigram, about 17 → 10 → 7 at ε = 1', async () => {
    const c = await timeMachine('char');
    const ppl = ngramBaselines(c.ids).map((b) => b.perplexity);
    assert.ok(Math.abs(ppl[0] - 17.06) < 0.01, `unigram ${ppl[0]}`);
    assert.ok(Math.abs(ppl[1] - 10.01) < 0.01, `bigram ${ppl[1]}`);
    assert.ok(Math.abs(ppl[2] - 6.95) < 0.01, `trigram ${ppl[2]}`);
    assert.equal(ngramBaselines(c.ids).find((b) => b.best)?.n, 3);
  });

  test('word level: smoothing fails, more context gives higher perplexity', async () => {
    const c = await timeMachine('word');
    const table = ngramPerplexityTable(c.ids, { ns: [1, 2, 3], epsilons: [1] });
    const [p1, p2, p3] = table.perplexity[0];
    assert.ok(p1 < p2 && p2 < p3, `${p1} < ${p2} < ${p3}`);
    assert.equal(table.vocabSize, 4327); // <unk> + the training part's types
    assert.equal(table.trainTokens, 29497); // floor(0.9 × 32,775)
    assert.equal(table.evalTokens, 3278);
    assert.equal(table.best.n, 1);
  });
});

describe('seqlab ngram-lm', () => {
  test('--json prints the model, the split and a seeded sample after the prefix', async () => {
    const argv = ['ngram-lm', '--corpus', 'timemachine', '--token', 'char', '--n', '2', '--generate', '20', '--prefix', 'Time traveller', '--seed', '3', '--json'];
    const r = await runJson<NgramLmResult>(...argv);
    assert.deepEqual(Object.keys(r), ['n', 'epsilon', 'vocabSize', 'trainTokens', 'evalTokens', 'perplexity', 'sample']);
    assert.equal(r.n, 2);
    assert.equal(r.epsilon, 1);
    assert.equal(r.vocabSize, 28);
    assert.equal(r.trainTokens + r.evalTokens, 170580);
    assert.ok(Math.abs(r.perplexity - 10.01) < 0.01);
    assert.ok(r.sample!.startsWith('time traveller'));
    assert.equal(r.sample!.length, 'time traveller'.length + 20);
    assert.equal((await runJson<NgramLmResult>(...argv)).sample, r.sample);
  });

  test('a small file: unknown evaluation tokens count as <unk>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-ngram-'));
    const file = join(dir, 'tiny.txt');
    writeFileSync(file, 'a b a a\nb c\n');
    const r = await runJson<NgramLmResult>('ngram-lm', '--corpus', file, '--token', 'word', '--n', '1', '--split', '0.7', '--json');
    // Same tiny corpus as the unit test: train a b a a, evaluate b c with c unseen → perplexity 7.5.
    assert.equal(r.vocabSize, 3);
    assert.equal(r.trainTokens, 4);
    assert.equal(r.evalTokens, 2);
    assert.ok(Math.abs(r.perplexity - 7.5) < 1e-9);
  });

  test('bad options are one clear sentence on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [['--n', '0'], /order n must be a whole number of at least 1, got 0\./],
      [['--epsilon', '0'], /ε must be a positive number, got 0\./],
      [['--epsilon=-1'], /ε must be a positive number, got -1\./],
      [['--split', '1'], /leaves none of the 170580 tokens to evaluate/],
      [['--split', '2'], /--split must be in \(0, 1\], got 2\./],
      [['--generate=-3'], /--generate must be 0 or more, got -3\./],
    ];
    for (const [extra, re] of cases) {
      const r = await runCli('ngram-lm', '--corpus', 'timemachine', '--token', 'char', ...extra, '--json');
      assert.notEqual(r.code, 0);
      assert.equal(r.out, '');
      assert.match(r.err, re);
    }
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-ngram-'));
    writeFileSync(join(dir, 'punct.txt'), '123 !!! ...\n');
    const empty = await runCli('ngram-lm', '--corpus', join(dir, 'punct.txt'), '--json');
    assert.notEqual(empty.code, 0);
    assert.match(empty.err, /no tokens after preprocessing/);
  });
});
