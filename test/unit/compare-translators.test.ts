// Compare Translators without VS Code: its message schemas, the BLEU column (d2l's bleu, k = 2,
// against a reference tokenised like the training pairs), error and all-unknown columns, Markdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bleuAgainst, checkpointEpoch, comparisonMarkdown, errorColumn, missingColumn, pendingColumn, referenceTokens, translatedColumn, withReference,
} from '../../src/extension/translate/comparison';
import { parseMessage } from '../../src/protocol/common';
import { CompareTranslatorsState, CompareTranslatorsToHost, CompareTranslatorsToWebview, CompareTranslatorsView } from '../../src/protocol/compare-translators';
import type { TranslationView } from '../../src/protocol/beam-tree';
import { RunRecord } from '../../src/protocol/runs';

const run = (id: string, model: string, checkpoint: string | null = `/g/runs/checkpoints/${id}/epoch-000030`) => RunRecord.parse({
  id, kind: 'translator', name: `${model} run`, data: 'fra-eng', model: { cell: 'gru', layers: 2, hidden: 32, token: 'word' },
  hyper: { numExamples: 200, model }, status: 'done', epoch: 30, epochs: 30, latest: 0.1, metric: 'loss', history: [], checkpoint, created: 1, updated: 2,
});
const s2s = { run: run('seq-1', 'seq2seq'), arch: 'seq2seq' };
const att = { run: run('att-1', 'attention'), arch: 'attention' };

const tree = { nodes: [], beamSize: 2, alpha: 0.75, maxLen: 10, childrenPerNode: 2 };
const plain: TranslationView = {
  runId: 'seq-1', runName: 'seq2seq run', source: "he's calm .", sourceTokens: ["he's", 'calm', '.'], unknown: [], truncated: false, arch: 'seq2seq', notes: [], tree,
  translations: [{ text: 'il est riche .', score: -0.4, logProb: -0.9, finished: true }, { text: 'il est calme .', score: -0.5, logProb: -1.1, finished: true }],
};
const attention: TranslationView = {
  ...plain, runId: 'att-1', runName: 'attention run', arch: 'attention',
  translations: [{ text: 'il est calme .', score: -0.2, logProb: -0.5, finished: true, attention: [[0.8, 0.1, 0.05, 0.05], [0.7, 0.2, 0.05, 0.05], [0.1, 0.8, 0.05, 0.05], [0, 0.1, 0.8, 0.1], [0, 0, 0.1, 0.9]], sourceTokens: ["he's", 'calm', '.', '<eos>'], targetTokens: ['il', 'est', 'calme', '.', '<eos>'] }],
};

test('BLEU column: d2l\'s bleu with k = 2 against the reference tokenised like the pairs (the book\'s 0.658 for "il est riche .")', () => {
  assert.equal(referenceTokens('  Il est calme.  '), 'il est calme .');
  const col = translatedColumn(s2s, plain, 'Il est calme.');
  // d2l 9.7 prints "he's calm . => il est riche ., bleu 0.658": p1 = 3/4, p2 = 1/3, no brevity penalty.
  assert.equal(col.translations[0].bleu!.toFixed(3), '0.658');
  assert.ok(Math.abs(col.translations[0].bleu! - Math.sqrt(3 / 4) * Math.pow(1 / 3, 1 / 4)) < 1e-12);
  assert.equal(col.translations[1].bleu, 1);
  assert.deepEqual(translatedColumn(s2s, plain, '   ').translations.map((t) => t.bleu), [null, null], 'no reference, no BLEU');
  assert.equal(bleuAgainst('', 'il est calme .'), 0, 'an empty translation scores 0');
  // Typing changes only BLEU: the translations and scores stay.
  const view = CompareTranslatorsView.parse({ source: "he's calm .", reference: '', referenceTokens: '', beam: 2, alpha: 0.75, columns: [col, translatedColumn(att, attention, '')] });
  const typed = withReference(view, 'il est');
  assert.equal(typed.referenceTokens, 'il est');
  assert.deepEqual(typed.columns.map((c) => c.translations.map((t) => t.score)), view.columns.map((c) => c.translations.map((t) => t.score)));
  // "il est calme ." against "il est": p1 = 2/4, p2 = 1/3, brevity penalty exp(min(0, 1 − 2/4)) = 1.
  assert.ok(Math.abs(typed.columns[1].translations[0].bleu! - Math.sqrt(2 / 4) * Math.pow(1 / 3, 1 / 4)) < 1e-12);
});

test('columns: name, architecture, data and checkpoint epoch; attention alignment; failures and all-unknown words in their own column', () => {
  const col = translatedColumn(att, attention, '');
  assert.deepEqual([col.runName, col.arch, col.data, col.epoch, col.status], ['attention run', 'attention', 'fra-eng · 200 pairs · 2×32 GRU', 30, 'ok']);
  assert.match(col.alignment!, /^il←he's \(0\.80\) {2}est←he's \(0\.70\) {2}calme←calm \(0\.80\)/);
  assert.equal(translatedColumn(s2s, plain, '').alignment, undefined, 'a plain seq2seq claims no alignment');
  assert.equal(checkpointEpoch(run('ckpt-a', 'seq2seq', '/g/ck/ckpt-a/epoch-000015')), 15);
  assert.equal(checkpointEpoch(run('ckpt-b', 'seq2seq', '/g/ck/ckpt-b')), 30, 'no epoch folder: the run\'s epoch');
  const broken = errorColumn(s2s, 'The checkpoint is corrupted: history.json is not valid JSON.');
  assert.equal(broken.status, 'error');
  assert.equal(missingColumn('gone-1').error, 'This translator no longer exists (its run was deleted).');
  assert.equal(pendingColumn(att).status, 'pending');
  const unk = translatedColumn(s2s, { ...plain, source: 'zzq xqv', sourceTokens: ['zzq', 'xqv'], unknown: ['zzq', 'xqv'] }, '');
  assert.match(unk.warning!, /^Every word of “zzq xqv” is unknown to this translator's vocabulary \(zzq, xqv\)/);
  assert.equal(translatedColumn(s2s, { ...plain, unknown: ['calm'] }, '').warning, undefined, 'one unknown word is not all');
  // A failed column next to a translated one: both in the view, both in the Markdown.
  const view = CompareTranslatorsView.parse({ source: "he's calm .", reference: 'il est calme .', referenceTokens: 'il est calme .', beam: 2, alpha: 0.75, columns: [broken, translatedColumn(att, attention, 'il est calme .')] });
  const md = comparisonMarkdown(view);
  assert.match(md, /\| # \| seq2seq run \(seq2seq, fra-eng · 200 pairs · 2×32 GRU, epoch 30\) \| attention run \(attention, /);
  assert.match(md, /\| 1 \| The checkpoint is corrupted: history\.json is not valid JSON\. \| il est calme \. — score -0\.200, log P -0\.500, BLEU 1\.000 \|/);
  assert.match(md, /attention run attends: il←he's/);
});

test('message schemas: every request the panel sends, and bad ones refused with the field named', () => {
  const ok = [
    { type: 'ready' },
    { type: 'request', id: 1, method: 'translate', params: { text: 'i lost .' } },
    { type: 'request', id: 2, method: 'reference', params: { reference: "j'ai perdu ." } },
    { type: 'request', id: 3, method: 'cancel', params: {} },
    { type: 'request', id: 4, method: 'heatmap', params: { runId: 'att-1', index: 0 } },
    { type: 'request', id: 5, method: 'markdown', params: { to: 'clipboard' } },
  ];
  for (const m of ok) assert.ok(parseMessage(CompareTranslatorsToHost, m).ok, JSON.stringify(m));
  const bad: [unknown, RegExp][] = [
    [{ type: 'request', id: 1, method: 'translate', params: { text: 'x'.repeat(1001) } }, /at params\.text/],
    [{ type: 'request', id: 1, method: 'heatmap', params: { runId: 'a', index: -1 } }, /at params\.index/],
    [{ type: 'request', id: 1, method: 'markdown', params: { to: 'printer' } }, /at params\.to/],
    [{ type: 'request', id: 1, method: 'train', params: {} }, /at method/],
  ];
  for (const [m, re] of bad) {
    const r = parseMessage(CompareTranslatorsToHost, m);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
  assert.ok(parseMessage(CompareTranslatorsToWebview, { type: 'progress', done: 1, total: 2, text: 'Translating with b (2 of 2)…' }).ok);
  assert.equal(parseMessage(CompareTranslatorsToWebview, { type: 'progress', done: 1, total: 0, text: '' }).ok, false);
  assert.equal(parseMessage(CompareTranslatorsToWebview, { type: 'comparison', view: { source: 'x', reference: '', referenceTokens: '', beam: 2, alpha: 0.75, columns: [] } }).ok, false, 'a comparison has columns');
  assert.ok(CompareTranslatorsState.safeParse({ runIds: ['a', 'b'], source: 'go .', reference: '' }).success);
  assert.equal(CompareTranslatorsState.safeParse({ runIds: [], source: 'go .', reference: '' }).success, false);
});
