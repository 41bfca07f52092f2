import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpeTokenizer } from '../../src/core/text/bpe';
import { Rng } from '../../src/core/util/random';

const corpus = 'the fast fox and the faster fox, the fastest of all foxes. '.repeat(20);

describe('byte-pair encoding', () => {
  const bpe = BpeTokenizer.train(corpus, 50);
  test('learns frequent merges first and shortens the text', () => {
    assert.ok(bpe.merges.length > 10);
    const pieces = bpe.tokenizeLine('the fastest fox');
    assert.ok(pieces.length < 'the fastest fox'.length / 2, pieces.map((p) => p.text).join('|'));
    assert.ok(pieces.some((p) => p.text === ' fox'));
  });
  test('round-trips arbitrary text, including non-ASCII and unseen characters', () => {
    const rng = new Rng(1);
    const alphabet = ['a', 'é', ' ', '日', '😀', '\t', 'x', ',', 'Ω', '\u0301'];
    for (let k = 0; k < 200; k++) {
      const s = Array.from({ length: rng.randint(0, 30) }, () => alphabet[rng.randint(0, alphabet.length - 1)]).join('');
      const toks = bpe.tokenizeLine(s);
      assert.equal(bpe.decode(toks.map((t) => t.text)), s);
      for (const t of toks) assert.ok(t.start >= 0 && t.end <= s.length && t.start < t.end);
    }
  });
  test('offsets cover the source and stay on code-point boundaries', () => {
    const s = 'the 日本 fox';
    const toks = bpe.tokenizeLine(s);
    const covered = new Set<number>();
    for (const t of toks) for (let i = t.start; i < t.end; i++) covered.add(i);
    assert.equal(covered.size, s.length);
    const jp = toks.filter((t) => t.text.startsWith('<0x'));
    assert.equal(jp.length, 6, 'two 3-byte characters');
    assert.deepEqual(jp.map((t) => t.start), [4, 4, 4, 5, 5, 5]);
  });
  test('serialises; a broken model is refused', () => {
    const again = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(bpe)));
    assert.deepEqual(again.tokenizeLine('the faster fox'), bpe.tokenizeLine('the faster fox'));
    assert.throws(() => BpeTokenizer.fromJSON({ kind: 'bpe', merges: [['a']] }), /not valid/);
    assert.throws(() => BpeTokenizer.train('abc', -1), /merges must be/);
  });
});
