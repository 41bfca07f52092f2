// The extension's vscode-free parts: Tokenize Selection's core, the vocabulary-statistics
// data, and the run registry's persistence.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { charTokenizer, wordTokenizer } from '../../src/core/text/tokenizer';
import { Vocab } from '../../src/core/text/vocab';
import { tokenizeText, summarize } from '../../src/core/text/tokenize-text';
import { computeVocabStats, logGrid } from '../../src/extension/vocab/computeStats';
import { RunRegistry } from '../../src/extension/runs/registry';
import { RunManager } from '../../src/extension/runs/runManager';

const tmVocabWords = Vocab.build('the time traveller for so it will be convenient to speak of him the the time'.split(' '));

describe('tokenizeText', () => {
  test('word tokens with ids, offsets into the original text, unknowns (textbook preprocessing)', () => {
    const text = 'The Time-Traveller, and a xylophone!';
    const r = tokenizeText(text, wordTokenizer, tmVocabWords, 'textbook');
    assert.deepEqual(r.tokens.map((t) => t.text), ['the', 'time', 'traveller', 'and', 'a', 'xylophone']);
    assert.deepEqual(r.tokens.map((t) => text.slice(t.start, t.end).toLowerCase()), ['the', 'time', 'traveller', 'and', 'a', 'xylophone']);
    assert.equal(r.tokens[0].id, tmVocabWords.indexOf('the'));
    assert.equal(r.tokens[0].id, 1);
    assert.deepEqual(r.unknownTypes, ['and', 'a', 'xylophone']);
    assert.equal(r.unknown, 3);
    assert.ok(r.tokens.filter((t) => t.unknown).every((t) => t.id === 0));
    assert.match(summarize(r, 'word', 'Time Machine'), /^6 word tokens \(6 distinct\), 3 unknown to the Time Machine vocabulary \("and", "a", "xylophone"\)\.$/);
  });

  test('char tokens keep single spaces (d2l 9.2)', () => {
    const v = Vocab.build([...'the time machine']);
    const r = tokenizeText('The  Time!', charTokenizer, v, 'textbook');
    assert.equal(r.tokens.map((t) => t.text).join(''), 'the time');
    assert.equal(r.unknown, 0);
  });

  test('empty, letter-less and binary text get one clear sentence', () => {
    assert.throws(() => tokenizeText('  \n ', wordTokenizer, tmVocabWords, 'textbook'), /nothing to tokenize/);
    assert.throws(() => tokenizeText('123 456', wordTokenizer, tmVocabWords, 'textbook'), /no tokens after the textbook preprocessing/);
    assert.throws(() => tokenizeText('ab\u0000c', wordTokenizer, tmVocabWords, 'raw'), /binary/);
  });
});

describe('vocabulary statistics', () => {
  test('logGrid: dense head, log-spaced tail, always the last rank', () => {
    assert.deepEqual(logGrid(5), [1, 2, 3, 4, 5]);
    const g = logGrid(4580);
    assert.deepEqual(g.slice(0, 30), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(g[g.length - 1], 4580);
    assert.ok(g.length < 130);
    assert.ok(g.every((r, i) => i === 0 || r > g[i - 1]));
  });

  test('counts, d2l-ordered vocabulary, Zipf series and coverage of a small corpus', () => {
    const text = 'the cat sat on the mat\nthe dog sat on the log\n';
    const d = computeVocabStats({ source: 'x', label: 'x', corpus: { name: 'x', text, mode: 'textbook' } }, 'word');
    assert.equal(d.lines, 2);
    assert.equal(d.tokens, 12);
    assert.equal(d.vocabSize, 8);
    assert.deepEqual(d.vocab.slice(0, 4), [[0, '<unk>', 0], [1, 'the', 4], [2, 'sat', 2], [3, 'on', 2]]);
    // d2l counts n-grams over the concatenated corpus, across line ends ("mat the").
    assert.deepEqual(d.zipf.map((z) => z.types), [7, 9, 9]);
    assert.deepEqual(d.zipf[0].freq, [4, 2, 2, 1, 1, 1, 1]);
    assert.equal(d.coverage.fraction[d.coverage.fraction.length - 1], 1);
    assert.equal(d.coverage.fraction[0], 4 / 12);
  });
});

function registry(): RunRegistry {
  return new RunRegistry(mkdtempSync(join(tmpdir(), 'seqlab-reg-')));
}
const MODEL = { cell: 'gru' as const, layers: 1, hidden: 32, bidirectional: false, token: 'char' as const };

describe('RunRegistry', () => {
  test('add, metrics, samples persist across a reload; running → interrupted', () => {
    const reg = registry();
    const r = reg.add({ kind: 'language-model', name: 'GRU', data: 'timemachine', model: MODEL, hyper: { lr: 1 }, epochs: 10, metric: 'perplexity' });
    reg.setStatus(r.id, 'running');
    reg.addMetrics(r.id, { epoch: 1, train: 12, valid: 13 });
    reg.addMetrics(r.id, { epoch: 2, train: 9, valid: 10.5 });
    reg.addMetrics(r.id, { epoch: 2, train: 8.5, valid: 10 }); // a resumed epoch replaces its row
    reg.addSample(r.id, 2, 'time traveller the', 14);
    const again = new RunRegistry(reg.dir);
    const back = again.require(r.id);
    assert.equal(back.status, 'interrupted');
    assert.deepEqual(back.history.map((p) => [p.epoch, p.train]), [[1, 12], [2, 8.5]]);
    assert.equal(back.latest, 10);
    assert.equal(back.epoch, 2);
    assert.deepEqual(back.samples[0], { epoch: 2, text: 'time traveller the', lead: 14 });
  });

  test('a live run is not marked interrupted on refresh; late events for deleted runs are dropped', () => {
    const reg = registry();
    const r = reg.add({ kind: 'language-model', name: 'x', data: 'timemachine', model: MODEL, hyper: {}, epochs: 2, metric: 'perplexity' });
    reg.setStatus(r.id, 'running');
    const live = new RunRegistry(reg.dir, (id) => id === r.id);
    assert.equal(live.get(r.id)?.status, 'running');
    const events: string[] = [];
    live.onChange((c) => events.push(c.kind));
    live.delete(r.id);
    assert.equal(live.addMetrics(r.id, { epoch: 1, train: 3, valid: null }), undefined);
    assert.deepEqual(events, ['deleted']);
    assert.throws(() => live.require(r.id), /no longer exists/);
  });

  test('a corrupt file is kept aside with a warning and nothing valid is lost', () => {
    const reg = registry();
    const r = reg.add({ kind: 'translator', name: 'mt', data: 'fra-eng', model: MODEL, hyper: {}, epochs: 3, metric: 'loss' });
    const file = JSON.parse(readFileSync(reg.file, 'utf8'));
    file.runs.push({ id: 'NOT VALID' });
    writeFileSync(reg.file, JSON.stringify(file));
    const again = new RunRegistry(reg.dir);
    assert.deepEqual(again.list().map((x) => x.id), [r.id]);
    assert.match(again.loadWarnings[0], /1 unreadable run/);
    assert.ok(readdirSync(reg.dir).some((f) => f.startsWith('runs.json.corrupt-')));
    writeFileSync(reg.file, '{ not json');
    const third = new RunRegistry(reg.dir);
    assert.equal(third.list().length, 0);
    assert.match(third.loadWarnings[0], /not valid JSON/);
  });

  test('job configs: lm keys for language models, only mt keys for translators', () => {
    const reg = registry();
    const lm = reg.add({ kind: 'language-model', name: 'x', data: 'timemachine', model: { ...MODEL, cell: 'lstm', layers: 2 }, hyper: { lr: 1, batch: 32, steps: 35 }, epochs: 5, metric: 'perplexity' });
    assert.deepEqual(RunManager.jobConfig(lm, 5, '/data'), { job: 'lm', corpus: 'timemachine', token: 'char', model: 'lstm', layers: 2, hidden: 32, bidirectional: false, epochs: 5, checkpointEvery: 5, dataDirectory: '/data', lr: 1, batch: 32, steps: 35 });
    const mt = reg.add({ kind: 'translator', name: 'y', data: 'fra-eng', model: MODEL, hyper: { numExamples: 600, numLayers: 2 }, epochs: 300, metric: 'loss' });
    assert.deepEqual(RunManager.jobConfig(mt, 50), { job: 'mt', pairs: 'fra-eng', epochs: 300, checkpointEvery: 50, numExamples: 600, numLayers: 2 });
  });
});
