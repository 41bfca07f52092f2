// Seqlab: Show Vocabulary Statistics in a real extension host: the textbook's counts for the
// bundled data set, the active document, and clear messages for missing, binary and huge files.
import * as assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, closeAll, run, expectUserError, openText, waitFor } from './helpers';

interface Summary { source: string; token: string; tokens: number; vocabSize: number; zipfSlopes: number[] }

suite('Show Vocabulary Statistics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqlab-host-'));
  suiteSetup(async () => {
    await api();
  });
  teardown(closeAll);

  test('Time Machine, characters: 170,580 tokens, 28-entry vocabulary (d2l 9.2)', async () => {
    const r = await run<Summary>(await api(), 'seqlab.showVocabStats', { source: 'timemachine', token: 'char' });
    assert.equal(r.tokens, 170_580);
    assert.equal(r.vocabSize, 28);
    assert.equal(r.zipfSlopes.length, 3);
    const a = await api();
    await waitFor('the panel', () => a.openPanels().vocabStats >= 1);
  });

  test('Time Machine, words: 32,775 tokens, 4,580 types; unigram Zipf slope near −1', async () => {
    const r = await run<Summary>(await api(), 'seqlab.showVocabStats', { source: 'timemachine', token: 'word' });
    assert.equal(r.tokens, 32_775);
    assert.equal(r.vocabSize, 4_580);
    assert.ok(r.zipfSlopes[0] < -0.8 && r.zipfSlopes[0] > -1.3, `unigram slope ${r.zipfSlopes[0]}`);
    // Bigrams and trigrams fall off more slowly than unigrams (d2l 9.2's plot).
    assert.ok(r.zipfSlopes[1] > r.zipfSlopes[0] && r.zipfSlopes[2] > r.zipfSlopes[1]);
  });

  test('the active document', async () => {
    await openText('the cat sat on the mat\nthe dog sat on the log\n');
    const r = await run<Summary>(await api(), 'seqlab.showVocabStats', { source: 'active', token: 'word' });
    assert.equal(r.tokens, 12);
    assert.equal(r.vocabSize, 8); // <unk> + the, sat, on, cat, mat, dog, log
  });

  test('a missing file: clear message', async () => {
    const a = await api();
    const msg = await expectUserError(a, 'seqlab.showVocabStats', { source: join(dir, 'nope.txt'), token: 'word' });
    assert.match(msg, /does not exist/);
  });

  test('a binary file: clear message', async () => {
    const a = await api();
    const f = join(dir, 'blob.bin');
    writeFileSync(f, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3]));
    const msg = await expectUserError(a, 'seqlab.showVocabStats', { source: f, token: 'char' });
    assert.match(msg, /binary/);
  });

  test('a file over 50 MB: clear message, nothing read', async () => {
    const a = await api();
    const f = join(dir, 'huge.txt');
    const fd = openSync(f, 'w');
    ftruncateSync(fd, 51 * 1024 * 1024); // sparse: costs no disk
    closeSync(fd);
    const msg = await expectUserError(a, 'seqlab.showVocabStats', { source: f, token: 'char' });
    assert.match(msg, /50 MB/);
  });

  test('no active editor for "active": clear message', async () => {
    const a = await api();
    await closeAll();
    const msg = await expectUserError(a, 'seqlab.showVocabStats', { source: 'active', token: 'word' });
    assert.match(msg, /no active editor/i);
  });
});
