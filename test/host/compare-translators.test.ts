// Compare Translators and the attention hover in the extension host: two tiny translators (a
// plain seq2seq, then a Bahdanau attention model) trained in the worker; the hover of each
// (only the attention model's claims an alignment and links its heatmap); the command's columns
// for both with BLEU; a deleted translator and an empty sentence each get their one sentence.
import * as assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension/extension';
import type { ComparisonResult } from '../../src/extension/translate/compareTranslators';
import { api, closeAll, expectUserError, openText, run, waitFor } from './helpers';

const TINY = { numExamples: 100, epochs: 4, numHiddens: 16, embedSize: 16, numLayers: 1, batchSize: 32 };

async function trainTiny(a: SeqlabApi, model: 'seq2seq' | 'attention'): Promise<string> {
  const id = await run<string>(a, 'seqlab.trainTranslator', { data: 'fra-eng', name: `compare ${model}`, model, dashboard: false, hyper: TINY });
  await waitFor(`the ${model} translator to finish`, () => {
    const r = a.services.registry.get(id);
    if (r?.status === 'failed') throw new Error(r.error ?? 'failed');
    return r?.status === 'done' && r.checkpoint ? r : undefined;
  }, 180_000, 200);
  return id;
}

async function hoverText(): Promise<string> {
  const ed = await openText('i lost .');
  ed.selection = new vscode.Selection(0, 0, 0, 8);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', ed.document.uri, new vscode.Position(0, 2));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

suite('Compare Translators and the attention hover', function () {
  this.timeout(420_000);
  let a: SeqlabApi;
  const ids: string[] = [];
  suiteSetup(async () => {
    a = await api();
  });
  teardown(closeAll);

  test('a plain seq2seq translator: its hover translates and claims no alignment', async () => {
    ids.push(await trainTiny(a, 'seq2seq'));
    const text = await hoverText();
    assert.match(text, /Seqlab translation\*\* \(compare seq2seq\)/);
    assert.doesNotMatch(text, /attends/);
    assert.doesNotMatch(text, /seqlab\.showAttentionHeatmap/);
  });

  test('an attention translator: its hover shows the alignment line and a link that opens the heatmap', async () => {
    ids.push(await trainTiny(a, 'attention'));
    const text = await hoverText();
    assert.match(text, /Seqlab translation\*\* \(compare attention\)/);
    // One "target←source (weight)" per output word, <eos> included.
    assert.match(text, /_attends:_ (\S+←\S+ \\\(\d\\\.\d\d\\\) {0,2})+/);
    const link = /\(command:seqlab\.showAttentionHeatmap\?([^)]+)\)/.exec(text);
    assert.ok(link, text);
    const [args] = JSON.parse(decodeURIComponent(link[1])) as [{ run: string; text: string }];
    assert.equal(args.run, ids[1]);
    const shown = await run<{ rows: number; cols: number }>(a, 'seqlab.showAttentionHeatmap', args);
    assert.equal(shown.cols, 4, 'i lost . <eos>');
    assert.ok(shown.rows >= 1);
  });

  test('the command compares both: a column each with n-best, log P, score and BLEU against the reference', async () => {
    const r = await run<ComparisonResult>(a, 'seqlab.compareTranslators', { runs: ids, text: 'i lost .', reference: "J'ai perdu.", show: false });
    assert.deepEqual(r.view.columns.map((c) => [c.runId, c.arch, c.status]), [[ids[0], 'seq2seq', 'ok'], [ids[1], 'attention', 'ok']]);
    assert.equal(r.view.referenceTokens, "j'ai perdu .");
    for (const c of r.view.columns) {
      assert.ok(c.translations.length >= 1, `${c.runName} has translations`);
      assert.equal(c.epoch, TINY.epochs);
      for (const t of c.translations) {
        assert.ok(t.bleu !== null && t.bleu >= 0 && t.bleu <= 1, `BLEU ${t.bleu}`);
        assert.ok(t.logProb <= 0 && Number.isFinite(t.score));
      }
    }
    assert.ok(r.view.columns[1].alignment, 'the attention column has its alignment line');
    assert.equal(r.view.columns[0].alignment, undefined);
    assert.match(r.markdown, /\| # \| compare seq2seq \(seq2seq, fra-eng · 100 pairs · 1×16 GRU, epoch 4\) \| compare attention \(attention, /);
  });

  test('the panel opens with both columns; a deleted translator and a corrupted checkpoint get their sentence beside the others; an empty sentence is refused', async () => {
    const shown = await run<ComparisonResult>(a, 'seqlab.compareTranslators', { runs: ids, text: 'go .', reference: 'va !' });
    assert.equal(shown.view.columns.length, 2);
    // The panel's tab, titled with the sentence once it is translated.
    await waitFor('the Compare Translators tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('seqlab.compareTranslators') && t.label === 'Compare: go .'));
    const r = await run<ComparisonResult>(a, 'seqlab.compareTranslators', { runs: [ids[0], 'gone-translator', ids[1]], text: 'go .', show: false });
    assert.deepEqual(r.view.columns.map((c) => c.status), ['ok', 'error', 'ok']);
    assert.equal(r.view.columns[1].error, 'This translator no longer exists (its run was deleted).');
    // A checkpoint that fails to load (a weights file changed after saving): its column says so, the others translate.
    const broken = await trainTiny(a, 'seq2seq');
    const dir = a.services.registry.get(broken)!.checkpoint!;
    const biggest = readdirSync(dir).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).sort((x, y) => statSync(y).size - statSync(x).size)[0];
    writeFileSync(biggest, Buffer.alloc(statSync(biggest).size, 7));
    const c = await run<ComparisonResult>(a, 'seqlab.compareTranslators', { runs: [ids[0], broken, ids[1]], text: 'go .', show: false });
    assert.deepEqual(c.view.columns.map((x) => x.status), ['ok', 'error', 'ok']);
    assert.match(c.view.columns[1].error!, /checkpoint/i);
    await a.services.manager.delete(broken);
    const msg = await expectUserError(a, 'seqlab.compareTranslators', { runs: ids, text: '   ', show: false });
    assert.match(msg, /nothing to translate/);
    assert.match(await expectUserError(a, 'seqlab.compareTranslators', { runs: [ids[0]], text: 'go .' }), /at least two translators/);
  });
});
