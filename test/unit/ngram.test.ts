import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NgramCounts, NgramModel, bestBaseline, ngramBaselines, ngramPerplexities, ngramPerplexityTable, splitForNgrams } from '../../src/core/ngram';
import { IntHashMap } from '../../src/core/ngram/int-hash';
import { SeqlabError } from '../../src/core/util/errors';
import { Rng } from '../../src/core/util/random';

/** A deterministic pseudo-text over ids 1…k with some structure (each id prefers a few successors). */
function synthetic(length: number, k: number, seed: number): number[] {
  const rng = new Rng(seed);
  const out = [1];
  while (out.length < length) {
    const prev = out[out.length - 1];
    out.push(rng.next() < 0.6 ? ((prev * 7) % k) + 1 : rng.randint(1, k));
  }
  return out;
}

const sumOver = (model: NgramModel, context: number[]) => model.vocabulary.reduce((s, x) => s + model.prob(context, x), 0);

describe('NgramModel: Laplace smoothing (textbook 8.3)', () => {
  // Train a b a a (a = 1, b = 2), m = 3 (<unk>, a, b), N = 4; evaluate b c (c unseen → <unk>).
  const train = [1, 2, 1, 1];
  const evalIds = [2, 3];

  test('unigram: P(x) = (n(x) + ε/m) / (N + ε), perplexity by hand', () => {
    const uni = NgramModel.fit(train, { n: 1, epsilon: 1 });
    assert.equal(uni.vocabSize, 3);
    assert.equal(uni.trainTokens, 4);
    assert.ok(Math.abs(uni.prob([], 1) - 2 / 3) < 1e-12); // (3 + 1/3) / 5
    assert.ok(Math.abs(uni.prob([], 2) - 4 / 15) < 1e-12); // (1 + 1/3) / 5
    assert.ok(Math.abs(uni.prob([], 3) - 1 / 15) < 1e-12); // unseen = <unk>: (0 + 1/3) / 5
    assert.ok(Math.abs(uni.prob([], 0) - 1 / 15) < 1e-12);
    // exp(-(ln 4/15 + ln 1/15) / 2) = sqrt(15 · 15 / 4) = 7.5
    assert.ok(Math.abs(uni.perplexity(evalIds) - 7.5) < 1e-12);
  });

  test('bigram: the first evaluation token is conditioned on the end of the training part', () => {
    const bi = NgramModel.fit(train, { n: 2, epsilon: 1 });
    // Bigrams ab, ba, aa: c(a) = 2, c(b) = 1.
    // P(b | a) = (1 + 4/15) / 3 = 19/45;  P(<unk> | b) = (0 + 1/15) / 2 = 1/30.
    assert.ok(Math.abs(bi.prob([1], 2) - 19 / 45) < 1e-12);
    assert.ok(Math.abs(bi.prob([2], 3) - 1 / 30) < 1e-12);
    assert.ok(Math.abs(bi.perplexity(evalIds) - Math.sqrt((45 / 19) * 30)) < 1e-12);
    // An explicit context replaces the training tail: P(b | b) = (0 + 4/15) / 2.
    assert.ok(Math.abs(bi.perplexity([2], { context: [2] }) - 1 / (2 / 15)) < 1e-12);
  });

  test('trigram: a context seen only at the very end of training (c = 0) falls back to the bigram', () => {
    const tri = NgramModel.fit(train, { n: 3, epsilon: 1 });
    // Context (a, a) ends the training part, so c(a a) = 0 and P(b | a a) = P(b | a) = 19/45.
    // Context (a, b): c = 1 (followed by a), so P(<unk> | a b) = (0 + P(<unk> | b)) / 2 = 1/60.
    assert.ok(Math.abs(tri.prob([1, 1], 2) - 19 / 45) < 1e-12);
    assert.ok(Math.abs(tri.prob([1, 2], 3) - 1 / 60) < 1e-12);
    assert.ok(Math.abs(tri.perplexity(evalIds) - Math.sqrt((45 / 19) * 60)) < 1e-12);
  });

  test('a context never seen in training gives the shorter context’s distribution', () => {
    const ids = synthetic(3000, 20, 1);
    const tri = NgramModel.fit(ids, { n: 3 });
    const bi = NgramModel.fit(ids, { n: 2 });
    const uni = NgramModel.fit(ids, { n: 1 });
    // 999 is not in the vocabulary (→ <unk>, never in training): back off one or two levels.
    for (const x of [1, 5, 13, 999]) {
      assert.ok(Math.abs(tri.prob([999, 4], x) - bi.prob([4], x)) < 1e-15);
      assert.ok(Math.abs(tri.prob([4, 999], x) - uni.prob([], x)) < 1e-15);
      assert.ok(Math.abs(bi.prob([999], x) - uni.prob([], x)) < 1e-15);
    }
    // Only the last n − 1 tokens of a longer context matter.
    assert.equal(tri.prob([7, 7, 7, 3, 4], 5), tri.prob([3, 4], 5));
  });

  test('every conditional sums to 1 over the vocabulary', () => {
    const ids = synthetic(5000, 30, 2);
    for (const epsilon of [0.01, 1, 50]) {
      for (const n of [1, 2, 3, 5]) {
        const model = NgramModel.fit(ids, { n, epsilon });
        assert.equal(model.vocabSize, 31);
        for (const context of [[], [1], [8, 2], [3, 22, 9, 4], [0, 0, 0, 0], [999, 1, 999, 2], ids.slice(100, 104)]) {
          assert.ok(Math.abs(sumOver(model, context) - 1) < 1e-9, `n=${n} ε=${epsilon} context=${context}`);
          const dist = model.distribution(context);
          assert.ok(Math.abs(dist.reduce((s, p) => s + p, 0) - 1) < 1e-9);
        }
      }
    }
  });

  test('a huge ε makes the bigram model equal the unigram model', () => {
    const ids = synthetic(2000, 15, 3);
    const epsilon = 1e12;
    const bi = NgramModel.fit(ids, { n: 2, epsilon });
    const uni = NgramModel.fit(ids, { n: 1, epsilon });
    for (const context of [[1], [8], [15], [0]]) {
      for (const x of bi.vocabulary) assert.ok(Math.abs(bi.prob(context, x) - uni.prob([], x)) < 1e-9);
    }
    const valid = synthetic(300, 15, 4);
    assert.ok(Math.abs(bi.perplexity(valid) / uni.perplexity(valid) - 1) < 1e-6);
  });

  test('more context lowers perplexity on structured text', () => {
    const ids = synthetic(20000, 20, 5);
    const counts = NgramCounts.build(ids.slice(0, 18000), 3);
    const [p1, p2, p3] = ngramPerplexities(counts, ids.slice(18000), { ns: [1, 2, 3], epsilon: 1 });
    assert.ok(p2 < p1, `${p2} < ${p1}`);
    // One pass for all orders gives the same numbers as one model per order.
    assert.ok(Math.abs(p3 - NgramModel.fit(ids.slice(0, 18000), { n: 3 }).perplexity(ids.slice(18000))) < 1e-9);
  });

  test('sampling is seeded, stays in the vocabulary and follows the counts', () => {
    const abc = Array.from({ length: 300 }, (_, i) => (i % 3) + 1); // a b c a b c …
    const model = NgramModel.fit(abc, { n: 3, epsilon: 0.01 });
    const a = model.sample([1, 2], 30, new Rng(7));
    const b = model.sample([1, 2], 30, new Rng(7));
    assert.deepEqual(a, b);
    assert.equal(a.length, 30);
    assert.ok(a.every((x) => model.vocabulary.includes(x)));
    assert.deepEqual(a.slice(0, 6), [3, 1, 2, 3, 1, 2]);
    assert.deepEqual(model.sample([1], 0, new Rng(1)), []);
  });

  test('a custom <unk> id: the caller’s ids come back from sampling', () => {
    const model = NgramModel.fit([10, 11, 10, 11, 5], { n: 2, unk: 5 });
    assert.equal(model.vocabSize, 3); // 5 is <unk> itself
    assert.deepEqual([...model.vocabulary].sort((x, y) => x - y), [5, 10, 11]);
    assert.ok(model.sample([10], 20, new Rng(3)).every((x) => [5, 10, 11].includes(x)));
  });

  test('bad input is a clear error', () => {
    const err = (re: RegExp) => (e: unknown) => e instanceof SeqlabError && re.test(e.message);
    assert.throws(() => NgramModel.fit([1, 2, 3], { n: 0 }), err(/order n must be a whole number of at least 1, got 0/));
    assert.throws(() => NgramModel.fit([1, 2, 3], { n: 2.5 }), err(/order n/));
    assert.throws(() => NgramModel.fit([1, 2, 3], { n: 2, epsilon: 0 }), err(/ε must be a positive number, got 0/));
    assert.throws(() => NgramModel.fit([1, 2, 3], { n: 2, epsilon: -1 }), err(/ε must be a positive number/));
    assert.throws(() => NgramModel.fit([1, 2, 3], { n: 2, epsilon: NaN }), err(/ε must be a positive number/));
    assert.throws(() => NgramModel.fit([], { n: 2 }), err(/no training tokens/));
    assert.throws(() => NgramModel.fit([1, 2], { n: 1 }).perplexity([]), err(/no evaluation tokens/));
    assert.throws(() => NgramModel.fit([1, 2], { n: 1 }).sample([], -1, new Rng(0)), err(/whole number ≥ 0/));
    assert.throws(() => ngramBaselines([]), err(/corpus is empty/));
    assert.throws(() => ngramBaselines([1, 2, 3, 4], { split: 1 }), err(/leaves none of the 4 tokens to evaluate/));
    assert.throws(() => ngramBaselines([1, 2, 3, 4], { split: 0.1 }), err(/leaves none of the 4 tokens for training/));
    assert.throws(() => ngramBaselines([1, 2, 3, 4], { split: 0 }), err(/split must be in \(0, 1\]/));
    assert.throws(() => ngramBaselines([1, 2, 3, 4], { ns: [] }), err(/at least one n-gram order/));
    assert.throws(() => ngramPerplexityTable([1, 2, 3, 4], { epsilons: [1, -2] }), err(/ε must be a positive number, got -2/));
    assert.throws(() => NgramModel.fromCounts(NgramCounts.build([1, 2, 3], 2), { n: 3 }), err(/go up to 2-grams/));
  });
});

describe('n-gram baselines and the perplexity table', () => {
  test('baselines use the split of the neural runs and mark the best; strings and ids agree', () => {
    const ids = synthetic(6000, 25, 6);
    const { train, valid } = splitForNgrams(ids, 0.9);
    assert.equal(train.length, 5400);
    assert.equal(valid.length, 600);
    const baselines = ngramBaselines(ids);
    assert.deepEqual(baselines.map((b) => b.n), [1, 2, 3]);
    assert.equal(baselines.filter((b) => b.best).length, 1);
    const best = bestBaseline(baselines)!;
    assert.equal(best.perplexity, Math.min(...baselines.map((b) => b.perplexity)));
    assert.ok(Math.abs(baselines[1].perplexity - NgramModel.fit(train, { n: 2 }).perplexity(valid)) < 1e-9);
    // Relabelling the tokens changes nothing.
    const words = ids.map((i) => `w${i}`);
    ngramBaselines(words).forEach((b, i) => assert.ok(Math.abs(b.perplexity - baselines[i].perplexity) < 1e-9));
    // Memoised: the UI may ask again for free.
    assert.equal(ngramBaselines(ids), baselines);
  });

  test('the table has one row per ε and one column per n, all from one set of counts', () => {
    const ids = synthetic(6000, 25, 8);
    const table = ngramPerplexityTable(ids, { ns: [1, 2, 3, 4, 5], epsilons: [0.1, 1, 10] });
    assert.equal(table.perplexity.length, 3);
    assert.ok(table.perplexity.every((row) => row.length === 5 && row.every((p) => p > 1 && Number.isFinite(p))));
    assert.equal(table.vocabSize, 26);
    assert.equal(table.trainTokens + table.evalTokens, 6000);
    const [, one] = table.perplexity;
    const direct = ngramBaselines(ids, { ns: [1, 2, 3, 4, 5], epsilon: 1 }).map((b) => b.perplexity);
    one.forEach((p, j) => assert.ok(Math.abs(p - direct[j]) < 1e-9));
    assert.equal(table.best.perplexity, Math.min(...table.perplexity.flat()));
  });

  test('IntHashMap keeps large packed keys apart across growth', () => {
    const map = new IntHashMap(4);
    const keys = Array.from({ length: 5000 }, (_, i) => i * 4294967311 + (i % 7));
    keys.forEach((k, i) => assert.equal(map.getOrSet(k, i), -1));
    keys.forEach((k, i) => assert.equal(map.get(k), i));
    assert.equal(map.getOrSet(keys[10], 99), 10);
    assert.equal(map.get(12345), -1);
    assert.equal(map.size, 5000);
  });
});
