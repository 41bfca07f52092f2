// Translation from the extension: a clear message while no translator exists, a small seq2seq
// trained in the worker, Translate Selection's n-best list with the beam-search tree, the
// hover translation, and replace-on-request.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension/extension';
import { api, closeAll, expectUserError, openText, run, waitFor } from './helpers';

interface View {
  translations: { text: string; score: number; logProb: number }[];
  sourceTokens: string[];
  unknown: string[];
  tree: { beamSize: number; alpha: number; nodes: { status: string; step: number; parent: number | null; rank?: number }[] };
}

suite('Translation', function () {
  this.timeout(240_000);
  let a: SeqlabApi;
  suiteSetup(async () => {
    a = await api();
  });
  teardown(closeAll);

  test('Translate Selection before any translator exists: clear message', async () => {
    for (const r of a.services.registry.list().filter((x) => x.kind === 'translator')) await a.services.manager.delete(r.id);
    await openText('go .');
    await vscode.commands.executeCommand('editor.action.selectAll');
    const msg = await expectUserError(a, 'seqlab.translateSelection', { output: 'none' });
    assert.match(msg, /no trained translator/);
  });

  test('Train Translator (small) then translate with beam search: n-best and the search tree', async () => {
    const id = await run<string>(a, 'seqlab.trainTranslator', {
      data: 'fra-eng', name: 'host seq2seq', dashboard: false,
      hyper: { numExamples: 100, epochs: 10, numHiddens: 16, embedSize: 16, numLayers: 1, batchSize: 32 },
    });
    await waitFor('the translator to finish', () => {
      const r = a.services.registry.get(id);
      if (r?.status === 'failed') throw new Error(r.error ?? 'failed');
      return r?.status === 'done' ? r : undefined;
    }, 180_000, 200);
    const r = a.services.registry.get(id)!;
    assert.equal(r.history.length, 10);
    assert.ok(r.history[9].train! < r.history[0].train!, 'loss fell');
    const view = await run<View>(a, 'seqlab.translateSelection', { text: 'go .', beam: 2, alpha: 0.75, output: 'none' });
    assert.deepEqual(view.sourceTokens, ['go', '.']);
    assert.equal(view.translations.length, 2);
    assert.ok(view.translations[0].score >= view.translations[1].score, 'best first');
    assert.equal(view.tree.beamSize, 2);
    const steps = Math.max(...view.tree.nodes.map((n) => n.step));
    const kept = view.tree.nodes.filter((n) => n.status === 'kept');
    // At most k kept nodes per step (fewer once hypotheses finish).
    for (let s = 1; s <= steps; s++) assert.ok(kept.filter((n) => n.step === s).length <= 2);
    assert.ok(kept.length >= steps && kept.length <= 2 * steps, `${kept.length} kept nodes over ${steps} steps`);
    assert.ok(view.tree.nodes.some((n) => n.rank === 0), 'the winner is marked');
    await waitFor('the beam tree panel', () => a.openPanels().beamTree);
  });

  test('Translate Selection replaces the selection on request; unknown words are reported', async () => {
    const ed = await openText('go .');
    ed.selection = new vscode.Selection(0, 0, 0, 4);
    const view = await run<View>(a, 'seqlab.translateSelection', { beam: 1, output: 'replace', tree: false });
    assert.equal(ed.document.getText(), view.translations[0].text);
    const v2 = await run<View>(a, 'seqlab.translateSelection', { text: 'go xylophone .', beam: 1, output: 'none', tree: false });
    assert.deepEqual(v2.unknown, ['xylophone']);
  });

  test('hovering over a selection shows its translation', async () => {
    const ed = await openText('go .');
    ed.selection = new vscode.Selection(0, 0, 0, 4);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', ed.document.uri, new vscode.Position(0, 1));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Seqlab translation/);
    assert.match(text, /Turn this hover off with the setting `seqlab\.hoverTranslation`/);
  });

  test('hover translation only for sentences in plain text and Markdown (issue 19.14)', async () => {
    const hoverText = async (ed: vscode.TextEditor) => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', ed.document.uri, new vscode.Position(0, 1));
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };
    const code = await openText('const x = f(y);', 'javascript');
    code.selection = new vscode.Selection(0, 0, 0, 15);
    assert.doesNotMatch(await hoverText(code), /Seqlab translation/);
    const md = await openText('i am home .', 'markdown');
    md.selection = new vscode.Selection(0, 0, 0, 11);
    assert.match(await hoverText(md), /Seqlab translation/);
    const braces = await openText('{ a: 1 } = 2', 'plaintext');
    braces.selection = new vscode.Selection(0, 0, 0, 12);
    assert.doesNotMatch(await hoverText(braces), /Seqlab translation/);
  });
});
