import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attentionFromNode, attentionFromTranslations } from '../../src/extension/translate/attentionViews';
import { AttentionView } from '../../src/protocol/attention-heatmap';
import type { TranslationView } from '../../src/protocol/beam-tree';

const node = (id: number, parent: number | null, step: number, text: string, status: 'root' | 'kept' | 'pruned', attention?: number[]) =>
  ({ id, parent, step, token: id, text, logProb: -0.1, score: -0.1 * step, status, finished: text === '<eos>', ...(attention ? { attention } : {}) });

const view: TranslationView = {
  runId: 'r1', runName: 'Attention · English→French', source: 'go .', sourceTokens: ['go', '.'], unknown: [], truncated: false, arch: 'attention', notes: [],
  translations: [{ text: 'va !', score: -0.2, logProb: -0.3, finished: true, attention: [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0, 0.2, 0.8]], sourceTokens: ['go', '.', '<eos>'], targetTokens: ['va', '!', '<eos>'] }],
  tree: {
    nodes: [node(0, null, 0, '<bos>', 'root'), node(1, 0, 1, 'va', 'kept', [0.9, 0.05, 0.05]), node(2, 1, 2, '!', 'kept', [0.1, 0.8, 0.1]), node(3, 1, 2, '?', 'pruned', [0.1, 0.8, 0.1])],
    beamSize: 2, alpha: 0.75, maxLen: 10, childrenPerNode: 2,
  },
};

test('the heatmap of a translation: the n-best matrices as they came; of a beam node: one row per node on its path', () => {
  const t = AttentionView.parse(attentionFromTranslations(view));
  assert.deepEqual(t.hypotheses[0].targetTokens, ['va', '!', '<eos>']);
  const n = AttentionView.parse(attentionFromNode(view, 2));
  assert.equal(n.origin, 'beam-node');
  assert.deepEqual(n.hypotheses[0].targetTokens, ['va', '!']);
  assert.deepEqual(n.hypotheses[0].sourceTokens, ['go', '.', '<eos>']);
  assert.deepEqual(n.hypotheses[0].attention, [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]]);
});

test('bad requests get one sentence: a plain seq2seq, the root, a missing node', () => {
  assert.throws(() => attentionFromTranslations({ ...view, arch: 'seq2seq' }), /plain seq2seq translator \(d2l 9\.7\).*no attention weights/);
  assert.throws(() => attentionFromNode(view, 0), /root \(<bos>\) has no attention weights/);
  assert.throws(() => attentionFromNode(view, 99), /no node 99/);
  assert.equal(AttentionView.safeParse({ ...attentionFromTranslations(view), hypotheses: [{ ...attentionFromTranslations(view).hypotheses[0], targetTokens: ['va'] }] }).success, false);
});
