import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { readCheckpoint, writeCheckpoint } from '../../src/core/training/checkpoint';
import { resolveMtConfig } from '../../src/core/translation/mt-config';
import { loadTranslator, saveMtFiles } from '../../src/core/translation/mt-checkpoint';
import { Seq2SeqTrainer } from '../../src/core/translation/train';

// The compute thread translates (hover, Translate Selection) through loadTranslator: a warm call
// must not re-read and re-checksum the weights, and a changed file must be read again.
describe('loadTranslator keeps a warm model per checkpoint folder', () => {
  let tmp = '';
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await selectKernelPath();
    tmp = mkdtempSync(join(tmpdir(), 'seqlab-tcache-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    disposeKernels();
  });

  test('the same translator while the files are unchanged; a rewritten file is checked again', () => {
    const text = ['go .\tva !', 'hi .\tsalut !', 'run !\tcours !', 'go .\tva !', 'hi .\tsalut !'].join('\n');
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ pairs: 'x', numExamples: null, numSteps: 4, embedSize: 4, numHiddens: 4, numLayers: 1, minFreq: 1 }), text);
    const root = join(tmp, 'ck');
    writeCheckpoint(root, 'mt', 1, [], (d) => saveMtFiles(d, tr));
    tr.dispose();
    const a = loadTranslator(root);
    assert.equal(loadTranslator(root), a, 'a warm call returns the loaded translator');
    const vocab = join(readCheckpoint(root).dir, 'src-vocab.json');
    const good = readFileSync(vocab);
    writeFileSync(vocab, Buffer.concat([good, Buffer.from(' ')]));
    assert.throws(() => loadTranslator(root), /checksum/);
    writeFileSync(vocab, good);
    const b = loadTranslator(root);
    assert.notEqual(b, a, 'read again after the file changed');
    assert.equal(b.translate('go .').source.join(' '), 'go .');
    b.dispose();
  });
});
