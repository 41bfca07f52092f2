// The textbook's translation experiment end to end (d2l 9.7.3–9.7.4): the first 600 pairs,
// embed 32, hidden 32, two GRU layers, dropout 0.1, Adam lr 0.005, 300 epochs, batch 64,
// 10 steps. ~1.5–3 minutes on a 2-core machine: the slowest unit test, and the one that
// checks the numbers users compare with the book.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { readTextFile } from '../../src/core/data/corpus';
import { resolveDataset } from '../../src/core/data/resolve';
import { bleu } from '../../src/core/metrics/bleu';
import { MT_DEFAULTS, resolveMtConfig } from '../../src/core/translation/mt-config';
import { Seq2SeqTrainer, trainSeq2seq } from '../../src/core/translation/train';
import { TEXTBOOK_SENTENCES } from '../../src/core/translation';

test('the textbook defaults train to its loss and translate its examples', { timeout: 900_000 }, async () => {
  await initBackend({ backend: 'wasm' });
  await selectKernelPath();
  const text = readTextFile((await resolveDataset('fra-eng')).path);
  const config = resolveMtConfig({});
  assert.deepEqual({ ...config }, { ...MT_DEFAULTS });
  const trainer = Seq2SeqTrainer.fromText(config, text);
  try {
    const t0 = performance.now();
    const history = await trainSeq2seq(trainer);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(history.length, 300);
    const loss = history.at(-1)!.loss;
    // The book prints loss ≈ 0.02 after 300 epochs (d2l's metric: Σ per-sequence loss / Σ tokens).
    assert.ok(loss > 0.01 && loss < 0.026, `final loss ${loss}`);
    const tr = trainer.translator();
    const results = TEXTBOOK_SENTENCES.map(([src, label]) => {
      const pred = tr.translate(src).translations[0].text;
      return { src, pred, bleu: bleu(pred, label, 2) };
    });
    console.log(`textbook run: ${seconds.toFixed(0)} s, loss ${loss.toFixed(4)}; ${results.map((r) => `${r.src} => ${r.pred} (${r.bleu.toFixed(3)})`).join('; ')}`);
    // "go .", "i lost ." and "i'm home ." occur in the training pairs: the model must get them
    // exactly, as the book's run does, on every seed we tried (0–20).
    for (const r of results.filter((x) => x.src !== "he's calm .")) assert.equal(r.bleu, 1, `${r.src} => ${r.pred}`);
    // "he's calm ." does not occur in the pairs: it needs the model to generalise (he's → il est,
    // calm → calme). The book's run did; the book's own code usually gives "il est riche ." (0.658)
    // and so does this one (21 of 21 seeds miss it). Only that it is an answer is checked here.
    assert.ok(results[2].pred.length > 0);
  } finally {
    trainer.dispose();
    disposeKernels();
  }
});
