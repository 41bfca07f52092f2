// Translation as a user sees it: Train Translator from the palette, then Translate Selection
// opens the beam-search tree (kept / pruned / finished nodes, the winning path), and changing
// k re-decodes live.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { accept, attrUntil, chooseOption, panelWith, pick, setWorkspaceSettings } from './seqlab-ui.mjs';

suite('Translator and beam-search tree', function () {
  this.timeout(300_000);
  suiteSetup(async () => {
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern', 'seqlab.checkpointInterval': 5 }); // before the window opens (see training.test.ts)
    await openWorkbench();
    await currentPage().waitForTimeout(1500);
  });

  test('Train Translator (quick look) trains to the end', async () => {
    await runCommand('Seqlab: Train Translator…');
    await pick('English–French pairs', 'Train a translator on');
    await pick('Seq2seq', 'Translator model');
    await pick('Quick look', 'Translator settings');
    const f = await panelWith('#plot-perplexity');
    await attrUntil(f.locator('#status'), 'data-status', (v) => v === 'done', 240_000);
    assert.match((await f.locator('#plot-perplexity').getAttribute('data-labels')) ?? '', /train loss/);
    await screenshot('dashboard-translator');
  });

  test('Translate Selection shows n-best and the beam tree; k = 2 re-decodes live', async () => {
    await runCommand('Seqlab: Translate Selection');
    await accept({ value: 'go .' }); // the input box's default sentence
    const f = await panelWith('#beam-tree');
    const box = f.locator('#tree-box');
    const beam = Number(await attrUntil(box, 'data-beam', (v) => Number(v) >= 1));
    const steps = Number(await box.getAttribute('data-steps'));
    const kept = await f.locator('#beam-tree g.node.kept').count();
    assert.equal(String(kept), await box.getAttribute('data-kept'));
    assert.ok(kept >= steps && kept <= beam * steps, `${kept} kept nodes, k = ${beam}, ${steps} steps`);
    assert.ok((await f.locator('#beam-tree g.node.winner').count()) >= 2, 'the winning path is highlighted');
    assert.ok((await f.locator('#beam-tree g.node.pruned').count()) > 0, 'pruned candidates are shown');
    assert.equal(await f.locator('#nbest tr').count(), beam + 1);
    await currentPage().keyboard.press('Escape'); // close the n-best pick
    await chooseOption(f, 'beam', 'k = 2');
    await attrUntil(box, 'data-beam', (v) => v === '2');
    const kept2 = await f.locator('#beam-tree g.node.kept').count();
    assert.ok(kept2 <= 2 * Number(await box.getAttribute('data-steps')));
    await screenshot('beam-tree');
  });
});
