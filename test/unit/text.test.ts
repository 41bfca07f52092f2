import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preprocessLine, preprocessMapped, splitLines } from '../../src/core/text/preprocess';
import { charTokenizer, flattenTokens, tokenizeDocument, wordTokenizer } from '../../src/core/text/tokenizer';
import { Vocab } from '../../src/core/text/vocab';
import { indexCorpus, loadCorpusText } from '../../src/core/data/corpus';
import { corpusStats, coverageCurve, unknownRate, zipfFit } from '../../src/core/text/stats';

const DATA = process.env.SEQLAB_DATA_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'data');
const timeMachine = () => readFileSync(join(DATA, 'timemachine.txt'), 'utf8');

describe('preprocessing (d2l 8.2)', () => {
  test('non-letter runs become one space, stripped, lower-cased', () => {
    assert.equal(preprocessLine("  The Time-Machine, by H. G. Wells [1898]  "), 'the time machine by h g wells');
    assert.equal(preprocessLine('123 !!'), '');
    assert.equal(preprocessLine('Café au lait'), 'caf au lait');
  });
  test('raw mode keeps the line', () => {
    assert.equal(preprocessLine('const x = 1; // Café', 'raw'), 'const x = 1; // Café');
  });
  test('every output character maps back to its source span', () => {
    const m = preprocessMapped('Hi,  there!', 'textbook', 100);
    assert.equal(m.text, 'hi there');
    assert.deepEqual([m.start[2], m.end[2]], [102, 105]); // the space stands for ",  "
    assert.deepEqual([m.start[3], m.end[3]], [105, 106]);
  });
  test('lines split like readlines', () => {
    assert.deepEqual(splitLines('a\r\nb\n\nc\n').map((l) => l.line), ['a', 'b', '', 'c']);
  });
});

describe('The Time Machine, as the textbook reads it', () => {
  test('3,221 lines; the first is the title', async () => {
    const lines = tokenizeDocument(timeMachine(), wordTokenizer);
    assert.equal(lines.length, 3221);
    assert.equal(lines[0].text, 'the time machine by h g wells');
    assert.equal(lines[10].text, 'twinkled and his usually pale face was flushed and animated the');
  });
  test('word vocabulary of 4,580 entries with the textbook top counts', async () => {
    const c = indexCorpus(await loadCorpusText('timemachine'), { token: 'word' });
    assert.equal(c.tokens.length, 32775);
    assert.equal(c.vocab.size, 4580);
    assert.deepEqual(
      c.vocab.idxToToken.slice(0, 11),
      ['<unk>', 'the', 'i', 'and', 'of', 'a', 'to', 'was', 'in', 'that', 'my'],
    );
    assert.deepEqual(c.vocab.counts.slice(1, 11), [2261, 1267, 1245, 1155, 816, 695, 552, 541, 443, 440]);
  });
  test('character corpus of 170,580 tokens and the 28-entry vocabulary in textbook order', async () => {
    const c = indexCorpus(await loadCorpusText('timemachine'), { token: 'char' });
    assert.equal(c.ids.length, 170580);
    assert.deepEqual(c.vocab.idxToToken, ['<unk>', ' ', 'e', 't', 'a', 'i', 'n', 'o', 's', 'h', 'r', 'd', 'l', 'm', 'u', 'c', 'f', 'w', 'g', 'y', 'p', 'b', 'v', 'k', 'x', 'z', 'j', 'q']);
    assert.deepEqual(c.ids.slice(0, 10), [3, 9, 2, 1, 3, 5, 13, 2, 1, 13]);
  });
  test('Zipf: the word unigram slope is close to -1 and fits well; n-grams decay more slowly', async () => {
    const c = indexCorpus(await loadCorpusText('timemachine'), { token: 'word' });
    const s = corpusStats(c.lines.length, c.tokens);
    assert.equal(s.ngrams['2'].counts[0][0], 'of the');
    assert.equal(s.ngrams['2'].counts[0][1], 309);
    assert.deepEqual(s.ngrams['3'].counts[0], ['the time traveller', 59]);
    const [z1, z2, z3] = ['1', '2', '3'].map((n) => s.ngrams[n].zipf);
    assert.ok(z1.slope < -0.9 && z1.slope > -1.3, `unigram slope ${z1.slope}`);
    assert.ok(z1.r2 > 0.9);
    assert.ok(z1.slope < z2.slope && z2.slope < z3.slope, 'higher orders have flatter slopes');
  });
});

describe('tokenizers', () => {
  test('char tokens keep spaces and offsets point into the source', () => {
    const toks = flattenTokens(tokenizeDocument('Ab, c', charTokenizer));
    assert.deepEqual(toks.map((t) => t.text), ['a', 'b', ' ', 'c']);
    assert.deepEqual(toks.map((t) => [t.start, t.end]), [[0, 1], [1, 2], [2, 4], [4, 5]]);
  });
  test('word offsets across lines', () => {
    const src = 'The cat.\nA dog';
    const toks = flattenTokens(tokenizeDocument(src, wordTokenizer));
    assert.deepEqual(toks.map((t) => src.slice(t.start, t.end)), ['The', 'cat', 'A', 'dog']);
  });
  test('raw word mode separates punctuation and keeps non-ASCII words', () => {
    const toks = flattenTokens(tokenizeDocument("J'ai perdu, café!", wordTokenizer, 'raw'));
    assert.deepEqual(toks.map((t) => t.text), ["J'ai", 'perdu', ',', 'café', '!']);
  });
  test('a surrogate pair is one char token', () => {
    assert.deepEqual(charTokenizer.tokenizeLine('a😀b').map((t) => t.text), ['a', '😀', 'b']);
  });
});

describe('Vocab', () => {
  test('<unk> first, reserved next, then by frequency with ties first-seen', () => {
    const v = Vocab.build([['b', 'a', 'c'], ['a', 'c', 'd']], { reserved: ['<pad>'] });
    assert.deepEqual(v.idxToToken, ['<unk>', '<pad>', 'a', 'c', 'b', 'd']);
  });
  test('min_freq drops rare tokens to <unk>', () => {
    const v = Vocab.build(['x', 'x', 'y'], { minFreq: 2 });
    assert.deepEqual(v.idxToToken, ['<unk>', 'x']);
    assert.deepEqual(v.toIndices(['x', 'y', 'zzz']), [1, 0, 0]);
    assert.equal(v.counts[0], 1, '<unk> counts the dropped token');
  });
  test('round-trips through JSON; a broken file is refused', () => {
    const v = Vocab.build(['a', 'b', 'a']);
    const w = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
    assert.deepEqual(w.toTokens(w.toIndices(['a', 'b'])), ['a', 'b']);
    assert.throws(() => Vocab.fromJSON({ idxToToken: ['a'] }), /not a Seqlab vocabulary/);
    assert.throws(() => w.toTokens([99]), /outside the vocabulary/);
  });
});

describe('statistics', () => {
  test('a perfect Zipf law fits with slope -1 and R² 1', () => {
    const f = zipfFit([1000, 500, 1000 / 3, 250, 200]);
    assert.ok(Math.abs(f.slope + 1) < 1e-9);
    assert.ok(Math.abs(f.r2 - 1) < 1e-9);
  });
  test('coverage and unknown rate', () => {
    assert.deepEqual([...coverageCurve([3, 1])], [0.75, 1]);
    const v = Vocab.build(['a', 'b']);
    assert.equal(unknownRate(['a', 'z', 'b', 'q'], v), 0.5);
  });
});
