import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runJson } from './helpers/cli';

describe('seqlab CLI (foundation commands)', () => {
  test('corpus-stats on The Time Machine prints the textbook numbers', async () => {
    const r = await runJson<{ lines: number; tokens: number; vocabSize: number; top: [string, number][]; ngrams: Record<string, [string, number][]>; zipf: Record<string, { slope: number; r2: number }> }>(
      'corpus-stats', '--corpus', 'timemachine', '--token', 'word', '--top', '3', '--json',
    );
    assert.equal(r.lines, 3221);
    assert.equal(r.tokens, 32775);
    assert.equal(r.vocabSize, 4580);
    assert.deepEqual(r.top, [['the', 2261], ['i', 1267], ['and', 1245]]);
    assert.deepEqual(r.ngrams['2'][0], ['of the', 309]);
    assert.deepEqual(Object.keys(r.zipf), ['1', '2', '3']);
  });
  test('vocab of characters in index order', async () => {
    const r = await runJson<{ idxToToken: string[]; counts: number[] }>('vocab', '--corpus', 'timemachine', '--token', 'char', '--json');
    assert.equal(r.idxToToken.length, 28);
    assert.deepEqual(r.idxToToken.slice(0, 4), ['<unk>', ' ', 'e', 't']);
    assert.equal(r.counts.length, 28);
  });
  test('vocab with reserved tokens and min-freq', async () => {
    const r = await runJson<{ idxToToken: string[] }>('vocab', '--corpus', 'timemachine', '--token', 'word', '--min-freq', '100', '--reserved', '<pad>,<bos>', '--json');
    assert.deepEqual(r.idxToToken.slice(0, 4), ['<unk>', '<pad>', '<bos>', 'the']);
  });
  test('tokenize gives tokens, ids and offsets into the text', async () => {
    const r = await runJson<{ tokens: string[]; ids: number[]; offsets: [number, number][] }>('tokenize', '--token', 'word', '--text', 'The cat, the hat', '--json');
    assert.deepEqual(r.tokens, ['the', 'cat', 'the', 'hat']);
    assert.deepEqual(r.ids, [1, 2, 1, 3]);
    assert.deepEqual(r.offsets, [[0, 3], [4, 7], [9, 12], [13, 16]]);
  });
  test('tokenize marks unknowns against a reference corpus vocabulary', async () => {
    const r = await runJson<{ unknown: string[] }>('tokenize', '--token', 'word', '--text', 'the zyzzyva traveller', '--vocab-corpus', 'timemachine', '--json');
    assert.deepEqual(r.unknown, ['zyzzyva']);
  });
  test('BPE tokenize round-trips through its offsets', async () => {
    const text = 'Time travellers — déjà vu!';
    const r = await runJson<{ tokens: string[]; offsets: [number, number][] }>('tokenize', '--token', 'bpe', '--text', text, '--bpe-merges', '200', '--json');
    assert.equal(r.offsets[0][0], 0);
    assert.equal(r.offsets.at(-1)![1], text.length);
  });
  test('batches on range:35', async () => {
    const b = await runJson<{ X: number[][]; Y: number[][] }[]>('batches', '--corpus', 'range:35', '--partition', 'sequential', '--batch', '2', '--steps', '5', '--seed', '1', '--json');
    assert.ok(b.length >= 2);
    for (const { X, Y } of b) X.forEach((x, i) => assert.deepEqual(Y[i], x.map((v) => v + 1)));
  });
  test('bad input: one clear sentence on stderr and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-cli-'));
    writeFileSync(join(dir, 'bin.dat'), Buffer.from([1, 0, 2, 3]));
    writeFileSync(join(dir, 'empty.txt'), '...\n');
    const cases: [string[], RegExp][] = [
      [['corpus-stats', '--corpus', join(dir, 'missing.txt')], /does not exist/],
      [['corpus-stats', '--corpus', join(dir, 'bin.dat')], /binary file/],
      [['corpus-stats', '--corpus', join(dir, 'empty.txt'), '--token', 'word'], /no tokens/],
      [['corpus-stats', '--bogus'], /Unknown option '--bogus'/],
      [['corpus-stats', '--token', 'syllable'], /--token must be one of char, word, bpe/],
      [['tokenize', '--token', 'word', '--text', '   '], /input is empty/],
      [['batches', '--batch', 'two'], /--batch must be a number/],
      [['frobnicate'], /Unknown command/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(...argv);
      assert.notEqual(r.code, 0, argv.join(' '));
      assert.match(r.err, re);
      assert.equal(r.err.split('\n').length, 1, 'one line');
      assert.ok(!r.err.includes('    at '), 'no stack trace');
    }
  });
});
