import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readTextFile } from '../../src/core/data/corpus';
import { resolveDataset } from '../../src/core/data/resolve';
import { Vocab } from '../../src/core/text/vocab';
import { buildArrayNmt, loadDataNmt, nmtBatches, preprocessNmt, splitPairs, tokenizeNmt, truncatePad } from '../../src/core/translation/nmt-data';
import { Rng } from '../../src/core/util/random';

describe('machine-translation data (d2l 9.5)', () => {
  test('preprocess_nmt: non-breaking spaces, lower case, a space before ,.!?', () => {
    assert.equal(preprocessNmt('Go.\tVa !'), 'go .\tva !');
    assert.equal(preprocessNmt('Run!\tCours\u202f!'), 'run !\tcours !');
    assert.equal(preprocessNmt('Wow!\tÇa alors\u00a0!'), 'wow !\tça alors !');
    assert.equal(preprocessNmt('Hi, you.'), 'hi , you .');
    // Already spaced punctuation gets no second space.
    assert.equal(preprocessNmt('va !'), 'va !');
  });

  test('tokenize_nmt: tab-split pairs, space-split tokens, the book\'s num_examples loop', () => {
    const text = 'go .\tva !\nhi .\tsalut !\nbad line\nrun !\tcours !\n';
    const all = tokenizeNmt(text);
    assert.deepEqual(all.source, [['go', '.'], ['hi', '.'], ['run', '!']]);
    assert.deepEqual(all.target[2], ['cours', '!']);
    // d2l breaks at i > num_examples, so lines 0…num_examples are read.
    assert.equal(tokenizeNmt(text, 1).source.length, 2);
  });

  test('truncate_pad and build_array_nmt', () => {
    assert.deepEqual(truncatePad([47, 4], 10, 1), [47, 4, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(truncatePad([1, 2, 3, 4], 3, 0), [1, 2, 3]);
    const vocab = Vocab.build([['a', 'b'], ['a']], { reserved: ['<pad>', '<bos>', '<eos>'] });
    const { array, validLen } = buildArrayNmt([['a', 'b'], ['a'], ['a', 'b', 'a', 'b']], vocab, 3);
    const [pad, eos, a, b] = ['<pad>', '<eos>', 'a', 'b'].map((t) => vocab.indexOf(t));
    assert.deepEqual(array, [[a, b, eos], [a, eos, pad], [a, b, a]]);
    assert.deepEqual(validLen, [3, 2, 3]);
  });

  test('the first 600 pairs: source vocabulary 184, target 201 (the book)', async () => {
    const text = readTextFile((await resolveDataset('fra-eng')).path);
    const d = loadDataNmt(text, { numExamples: 600, numSteps: 8 });
    assert.equal(d.srcVocab.size, 184);
    assert.equal(d.tgtVocab.size, 201);
    assert.deepEqual(d.srcVocab.idxToToken.slice(0, 4), ['<unk>', '<pad>', '<bos>', '<eos>']);
    assert.deepEqual(d.source[0], ['go', '.']);
    assert.deepEqual(d.target[0], ['va', '!']);
    assert.equal(d.src.validLen[0], 3);
    assert.equal(d.src.array[0].length, 8);
  });

  test('batches: every training row once per epoch, short last batch; seeded split', () => {
    const text = Array.from({ length: 10 }, (_, i) => `s${i} .\tt${i} .`).join('\n');
    const d = loadDataNmt(text, { numSteps: 4, minFreq: 1 });
    const rows = [...Array(10).keys()];
    const sizes: number[] = [];
    const seen: string[] = [];
    for (const b of nmtBatches(d.src, d.tgt, rows, 4, new Rng(1))) {
      sizes.push(b.X.length);
      seen.push(...b.X.map((x) => x.join()));
    }
    assert.deepEqual(sizes, [4, 4, 2]);
    assert.equal(new Set(seen).size, 10);
    const s = splitPairs(100, 0.1, 3);
    assert.equal(s.valid.length, 10);
    assert.equal(new Set([...s.train, ...s.valid]).size, 100);
    assert.deepEqual(splitPairs(100, 0.1, 3), s);
    assert.throws(() => loadDataNmt('no tabs here\n'), /no lines of the form/);
  });
});
