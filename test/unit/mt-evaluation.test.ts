import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { readTextFile } from '../../src/core/data/corpus';
import { resolveDataset } from '../../src/core/data/resolve';
import { resolveMtConfig, type MtConfig } from '../../src/core/translation/mt-config';
import { Seq2SeqTrainer } from '../../src/core/translation/train';
import { textbookExamples, textbookSample, validationLoss } from '../../src/core/translation/evaluation';

const SMALL: Partial<MtConfig> = { numExamples: 60, numSteps: 6, embedSize: 8, numHiddens: 8, numLayers: 1, batchSize: 16, epochs: 2, lr: 0.01, seed: 1, minFreq: 1 };

describe('translator evaluation: held-out loss and the textbook sentences (d2l 10.7.5)', () => {
  let text = '';
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await selectKernelPath();
    text = readTextFile((await resolveDataset('fra-eng')).path);
  });
  after(() => disposeKernels());

  test('no held-out pairs: no validation loss; the four sentences every epoch, printed as d2l does', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig(SMALL), text);
    const m = await tr.trainEpoch(1);
    assert.equal(m.extra.valLoss, null);
    const xs = textbookExamples(tr.translator());
    assert.deepEqual(xs.map((x) => x.source), ['go .', 'i lost .', "he's calm .", "i'm home ."]);
    assert.ok(Math.abs(m.extra.bleuTextbook! - xs.reduce((s, x) => s + x.bleu, 0) / 4) < 1e-12);
    const lines = textbookSample(tr)!.text.split('\n');
    assert.equal(lines.length, 4);
    lines.forEach((l, i) => assert.match(l, new RegExp(`^${xs[i].source.replace(/[.]/g, '\\.')} => .*, bleu [01]\\.\\d{3}$`)));
    tr.dispose();
  });

  test('held-out pairs: the loss without dropout, the same on every call, reported with the epoch', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ ...SMALL, validFraction: 0.25, dropout: 0.5 }), text);
    assert.equal(tr.validRows.length, 15);
    const m = await tr.trainEpoch(1);
    const a = validationLoss(tr)!, b = validationLoss(tr)!;
    assert.ok(Number.isFinite(a) && a > 0, String(a));
    assert.equal(a, b, 'dropout is off and nothing changes between calls');
    assert.equal(m.extra.valLoss, a);
    tr.dispose();
  });
});
