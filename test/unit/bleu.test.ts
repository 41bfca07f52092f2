import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { bleu, bleuDetail, corpusBleu } from '../../src/core/metrics/bleu';
import { main } from '../../src/cli/main';

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), signal: new AbortController().signal });
  return { code, out, err };
}

const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

describe('bleu (d2l 9.7.4)', () => {
  test('identical sentences score 1', () => {
    assert.equal(bleu('je suis chez moi .', 'je suis chez moi .', 2), 1);
    assert.equal(bleu('je suis chez moi .', 'je suis chez moi .', 4), 1);
    assert.equal(bleu('va', 'va', 2), 1);
  });

  test("the book's four translations at BLEU 1.000", () => {
    for (const [pred, label] of [['va !', 'va !'], ["j'ai perdu .", "j'ai perdu ."], ['il est calme .', 'il est calme .'], ['je suis chez moi .', 'je suis chez moi .']]) {
      assert.equal(bleu(pred, label, 2), 1);
    }
  });

  test("the book's imperfect translations: 0.658 and 0.447", () => {
    // d2l prints: he's calm . => il est riche ., bleu 0.658; i'm home . => je suis en retard ?, bleu 0.447
    close(bleu('il est riche .', 'il est calme .', 2), 0.658);
    close(bleu('je suis en retard ?', 'je suis chez moi .', 2), 0.447);
    const d = bleuDetail('il est riche .', 'il est calme .', 2);
    assert.deepEqual(d.precisions, [0.75, 1 / 3]);
    assert.equal(d.brevityPenalty, 1);
  });

  test('brevity penalty exp(min(0, 1 − len_label/len_pred)) and clipped matches', () => {
    // pred "a" vs label "a b c": BP = exp(1 − 3) ; p1 = 1 ; p2 has no bigrams and is left out.
    close(bleu('a', 'a b c', 2), Math.exp(-2), 1e-12);
    // "the the the" vs "the cat": unigram matches are clipped to 1 → p1 = 1/3.
    const d = bleuDetail('the the the', 'the cat', 1);
    assert.equal(d.precisions[0], 1 / 3);
    close(d.score, Math.pow(1 / 3, 0.5), 1e-12);
    // A longer prediction gets no brevity penalty.
    assert.equal(bleuDetail('a b c d', 'a b', 1).brevityPenalty, 1);
  });

  test('bad input: empty label is an error, empty prediction scores 0', () => {
    assert.throws(() => bleu('va !', '', 2), /reference translation \(label\) is empty/);
    assert.equal(bleu('', 'va !', 2), 0);
    assert.throws(() => bleu('a', 'a', 0), /k must be a positive whole number/);
  });

  test('corpus BLEU sums matches over sentences; identical corpora score 1', () => {
    const labels = ['va !', "j'ai perdu .", 'il est calme .'];
    const r = corpusBleu(labels, labels, 2);
    assert.equal(r.corpus, 1);
    assert.equal(r.meanSentence, 1);
    const m = corpusBleu(['il est riche .', 'va !'], ['il est calme .', 'va !'], 2);
    // unigrams 3/4 + 2/2 = 5/6, bigrams 1/3 + 1/1 = 2/4
    close(m.corpus, Math.pow(5 / 6, 0.5) * Math.pow(2 / 4, 0.25), 1e-12);
    close(m.meanSentence, (0.658037 + 1) / 2, 1e-5);
    assert.throws(() => corpusBleu(['a'], [], 2), /one reference per prediction/);
  });

  test('seqlab bleu prints the score; bad input exits non-zero with one sentence', async () => {
    const r = await cli(['bleu', '--pred', 'il est riche .', '--label', 'il est calme .', '--k', '2', '--json']);
    assert.equal(r.code, 0);
    const j = JSON.parse(r.out[0]) as { bleu: number };
    close(j.bleu, 0.658);
    assert.deepEqual((await cli(['bleu', '--pred', 'va !', '--label', 'va !'])).out, ['1.0000']);
    const bad = await cli(['bleu', '--pred', 'va !']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err[0], /^seqlab: Give --pred and --label/);
  });
});
