import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { beamSearch } from '../../src/core/decoding/beam';
import { greedySearch } from '../../src/core/decoding/greedy';
import { blockedTokens, lengthNormaliser } from '../../src/core/decoding/steering';
import type { Hypothesis } from '../../src/core/decoding/types';
import { toyModel } from './helpers/toy-decoder';

const V = 5;
const BOS = V;
const EOS = 1;
const base = { bos: BOS, eos: EOS, maxLen: 7, beam: 3, nBest: 10, tree: false };

const ngrams = (tokens: number[], n: number) => tokens.slice(0, tokens.length - n + 1).map((_, i) => tokens.slice(i, i + n).join(','));
const hasRepeat = (h: Hypothesis, n: number) => new Set(ngrams(h.tokens, n)).size < ngrams(h.tokens, n).length;

/** The first toy model (by seed) on which `pred` holds. */
function seedWhere(pred: (seed: number) => boolean): number {
  for (let seed = 0; seed < 500; seed++) if (pred(seed)) return seed;
  throw new Error('no toy model found');
}

describe('beam-search options (n-best, min length, n-gram blocking, length penalties) on fixed toy models', () => {
  test('n-best: exactly N hypotheses, best score first, the first equal to the 1-best', () => {
    const step = toyModel(V, 3);
    const r = beamSearch(step, [], { ...base, beam: 4, nBest: 3 });
    assert.equal(r.hypotheses.length, 3);
    for (let i = 1; i < 3; i++) assert.ok(r.hypotheses[i - 1].score >= r.hypotheses[i].score);
    assert.deepEqual(beamSearch(step, [], { ...base, beam: 4, nBest: 1 }).hypotheses[0], r.hypotheses[0]);
  });

  test('min length: <eos> is blocked until N tokens, and it changes a short winner', () => {
    const seed = seedWhere((s) => beamSearch(toyModel(V, s), [], base).hypotheses[0].tokens.length < 2);
    const free = beamSearch(toyModel(V, seed), [], base).hypotheses;
    const min = beamSearch(toyModel(V, seed), [], { ...base, minLen: 3 }).hypotheses;
    assert.ok(free[0].tokens.length < 2);
    assert.ok(min.every((h) => h.tokens.length >= 3), min.map((h) => h.tokens.join(' ')).join(' | '));
    assert.ok(greedySearch(toyModel(V, seed), [], { ...base, minLen: 3 }).tokens.length >= 3);
  });

  test('no-repeat n-gram: no hypothesis repeats an n-gram, and blocking changes results that did', () => {
    for (const n of [1, 2]) {
      const seed = seedWhere((s) => beamSearch(toyModel(V, s), [], base).hypotheses.some((h) => hasRepeat(h, n)));
      const free = beamSearch(toyModel(V, seed), [], base).hypotheses;
      const blocked = beamSearch(toyModel(V, seed), [], { ...base, noRepeatNgram: n }).hypotheses;
      assert.ok(free.some((h) => hasRepeat(h, n)));
      assert.ok(blocked.every((h) => !hasRepeat(h, n)), `n = ${n}: ${blocked.map((h) => h.tokens.join(' ')).join(' | ')}`);
      assert.ok(!greedySearch(toyModel(V, seed), [], { ...base, noRepeatNgram: n }).tokens.some((_, i, t) => hasRepeat({ tokens: t.slice(0, i + 1) } as Hypothesis, n)));
    }
    // The blocked set itself: bigram (2, 3) seen, prefix ends in 2 → 3 is blocked; <eos> before minLen.
    assert.deepEqual(blockedTokens([2, 3, 4, 2], EOS, { noRepeatNgram: 2 }), [3]);
    assert.deepEqual(blockedTokens([2, 3], EOS, { noRepeatNgram: 1, minLen: 3 }), [EOS, 2, 3]);
  });

  test('length penalties: textbook (1/L^α) by default, none = Σ log P, avg = Σ log P / L, wu = Σ log P / ((5+L)/6)^α', () => {
    const step = toyModel(V, 9);
    for (const [penalty, norm] of [
      ['textbook', (L: number) => Math.pow(L, 0.75)],
      ['none', () => 1],
      ['avg', (L: number) => L],
      ['wu', (L: number) => Math.pow((5 + L) / 6, 0.75)],
    ] as const) {
      const r = beamSearch(step, [], { ...base, lengthPenalty: penalty }).hypotheses;
      for (const h of r) assert.ok(Math.abs(h.score - h.logProb / norm(h.length)) < 1e-12, penalty);
      for (let i = 1; i < r.length; i++) assert.ok(r[i - 1].score >= r[i].score);
    }
    assert.deepEqual(beamSearch(step, [], base).hypotheses, beamSearch(step, [], { ...base, lengthPenalty: 'textbook' }).hypotheses);
    assert.equal(lengthNormaliser(4, 0, 'textbook'), 1);
    // Σ log P alone favours the shortest output; the textbook's normalisation can pick a longer one.
    const seed = seedWhere((s) => {
      const a = beamSearch(toyModel(V, s), [], { ...base, lengthPenalty: 'none' }).hypotheses[0];
      const b = beamSearch(toyModel(V, s), [], base).hypotheses[0];
      return b.tokens.length > a.tokens.length;
    });
    const none = beamSearch(toyModel(V, seed), [], { ...base, lengthPenalty: 'none' }).hypotheses;
    const book = beamSearch(toyModel(V, seed), [], base).hypotheses;
    assert.ok(book[0].tokens.length > none[0].tokens.length);
    assert.equal(none[0].logProb, Math.max(...none.map((h) => h.logProb)));
  });

  test('attention rows: each hypothesis carries one row per generated token (<eos> included), each tree node its own', () => {
    const step = toyModel(V, 4, 6);
    const r = beamSearch(step, [], { ...base, tree: true });
    for (const h of r.hypotheses) {
      assert.equal(h.attention!.length, h.length);
      h.attention!.forEach((row, t) => assert.equal(row.indexOf(1), t % 6));
    }
    const nodes = r.tree!.nodes;
    for (const n of nodes.slice(1)) assert.equal(n.attention!.indexOf(1), (n.step - 1) % 6);
    assert.equal(greedySearch(step, [], base).attention!.length, greedySearch(step, [], base).length);
  });

  test('bad options get one sentence', () => {
    const step = toyModel(V, 1);
    assert.throws(() => beamSearch(step, [], { ...base, lengthPenalty: 'short' as never }), /length penalty must be one of textbook, none, avg, wu/);
    assert.throws(() => beamSearch(step, [], { ...base, minLen: 7 }), /min length \(7\) must be below the max length \(7\)/);
    assert.throws(() => greedySearch(step, [], { ...base, noRepeatNgram: -1 }), /no-repeat n-gram size must be a whole number/);
  });
});
