import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { beamSearch, topIndices } from '../../src/core/decoding/beam';
import { exhaustiveSearch } from '../../src/core/decoding/exhaustive';
import { greedySearch } from '../../src/core/decoding/greedy';
import { finalScore } from '../../src/core/decoding/types';
import { toyModel } from './helpers/toy-decoder';

const BOS = 4;
const EOS = 1;
const V = 4;

describe('greedy and beam search (d2l 9.8) on a toy model', () => {
  test('beam size 1 equals greedy search exactly, on many toy models', () => {
    for (let seed = 0; seed < 40; seed++) {
      const step = toyModel(V, seed);
      const opts = { bos: BOS, eos: EOS, maxLen: 6, alpha: 0.75 };
      const g = greedySearch(step, [], opts);
      const b = beamSearch(step, [], { ...opts, beam: 1 });
      assert.equal(b.hypotheses.length, 1);
      assert.deepEqual(b.hypotheses[0].tokens, g.tokens);
      assert.equal(b.hypotheses[0].logProb, g.logProb);
      assert.equal(b.hypotheses[0].score, g.score);
      assert.equal(b.hypotheses[0].finished, g.finished);
    }
  });

  test('a beam wide enough to keep every hypothesis equals exhaustive search', () => {
    for (let seed = 0; seed < 10; seed++) {
      const step = toyModel(V, seed);
      const opts = { bos: BOS, eos: EOS, maxLen: 4, alpha: 0.75 };
      const all = exhaustiveSearch(step, [], opts);
      // 3 continuing tokens per step: 1 + 3 + 9 + 27 ended by <eos>, 81 cut at maxLen.
      assert.equal(all.length, 1 + 3 + 9 + 27 + 81);
      const b = beamSearch(step, [], { ...opts, beam: V ** 4, nBest: Infinity });
      assert.equal(b.hypotheses.length, all.length);
      assert.deepEqual(b.hypotheses.map((h) => h.tokens), all.map((h) => h.tokens));
      b.hypotheses.forEach((h, i) => assert.ok(Math.abs(h.score - all[i].score) < 1e-12));
    }
  });

  test('a narrow beam never scores above exhaustive search', () => {
    for (let seed = 0; seed < 10; seed++) {
      const step = toyModel(V, seed);
      const opts = { bos: BOS, eos: EOS, maxLen: 4 };
      const best = exhaustiveSearch(step, [], opts)[0].score;
      for (const k of [1, 2, 3]) assert.ok(beamSearch(step, [], { ...opts, beam: k }).hypotheses[0].score <= best + 1e-12);
    }
  });

  test('final score (1/L^α) Σ log P with α = 0.75; L counts <eos>', () => {
    assert.equal(finalScore(-3, 2, 0.75), -3 / Math.pow(2, 0.75));
    const step = toyModel(V, 7);
    const r = beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 5, beam: 3, nBest: 10 });
    for (const h of r.hypotheses) {
      assert.equal(h.length, h.tokens.length + (h.finished ? 1 : 0));
      assert.ok(Math.abs(h.score - h.logProb / Math.pow(h.length, 0.75)) < 1e-12);
    }
    for (let i = 1; i < r.hypotheses.length; i++) assert.ok(r.hypotheses[i - 1].score >= r.hypotheses[i].score);
  });

  test('the search tree: root, parents, steps, kept ≤ k per step, finished = kept <eos>, paths = hypotheses', () => {
    const step = toyModel(V, 3);
    const k = 2;
    const r = beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 5, beam: k, nBest: 20, treeChildren: V });
    const nodes = r.tree!.nodes;
    assert.equal(nodes[0].status, 'root');
    assert.equal(nodes[0].parent, null);
    assert.equal(nodes[0].token, BOS);
    nodes.forEach((n, i) => assert.equal(n.id, i));
    const keptByStep = new Map<number, number>();
    for (const n of nodes.slice(1)) {
      const p = nodes[n.parent!];
      assert.equal(n.step, p.step + 1);
      // Only kept, unfinished nodes are expanded.
      assert.ok(p.status === 'root' || (p.status === 'kept' && !p.finished));
      assert.ok(Math.abs(n.score - (p.score + n.logProb)) < 1e-12);
      if (n.status === 'kept') keptByStep.set(n.step, (keptByStep.get(n.step) ?? 0) + 1);
      assert.equal(n.finished, n.status === 'kept' && n.token === EOS);
    }
    for (const c of keptByStep.values()) assert.ok(c <= k);
    // treeChildren = V records the whole vocabulary under every expanded node.
    const expanded = new Set(nodes.slice(1).map((n) => n.parent));
    for (const p of expanded) assert.equal(nodes.filter((n) => n.parent === p).length, V);
    // Each hypothesis's node path spells its tokens (+ <eos> when finished) and carries its rank.
    r.hypotheses.forEach((h, rank) => {
      const path: number[] = [];
      for (let id: number | null = h.node!; id !== null && id !== 0; id = nodes[id].parent) path.unshift(nodes[id].token);
      assert.deepEqual(path, h.finished ? [...h.tokens, EOS] : h.tokens);
      assert.equal(nodes[h.node!].rank, rank);
      assert.equal(nodes[h.node!].finalScore, h.score);
    });
  });

  test('default tree records k children per expanded node; tree: false records none', () => {
    const step = toyModel(V, 5);
    const r = beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 4, beam: 2 });
    const nodes = r.tree!.nodes;
    const expanded = new Set(nodes.slice(1).map((n) => n.parent));
    for (const p of expanded) assert.equal(nodes.filter((n) => n.parent === p).length, 2);
    assert.equal(beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 4, beam: 2, tree: false }).tree, undefined);
  });

  test('topIndices: largest first, lower index on ties', () => {
    assert.deepEqual(topIndices([0.1, 0.5, 0.5, -1, 0.7], 3), [4, 1, 2]);
    assert.deepEqual(topIndices([3, 1, 2], 5), [0, 2, 1]);
  });

  test('bad settings are refused with one sentence', () => {
    const step = toyModel(V, 1);
    assert.throws(() => beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 3, beam: 0 }), /beam size must be a positive whole number/);
    assert.throws(() => beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 0, beam: 2 }), /maxLen must be a positive whole number/);
    assert.throws(() => beamSearch(step, [], { bos: BOS, eos: EOS, maxLen: 3, beam: 2, alpha: -1 }), /alpha must be/);
    assert.throws(() => greedySearch(step, [], { bos: BOS, eos: EOS, maxLen: 1.5 }), /maxLen must be a positive whole number/);
  });
});
