// Attention as a user sees it: train a Bahdanau attention translator (quick look), Translate
// Selection opens the Attention Heatmap (cells = output tokens × source tokens), and a node of
// the beam tree opens the heatmap of the partial hypothesis ending there.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { accept, attrUntil, panelWith, pick, setWorkspaceSettings } from './seqlab-ui.mjs';

suite('Attention translator and heatmap', function () {
  this.timeout(400_000);
  suiteSetup(async () => {
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern', 'seqlab.checkpointInterval': 5 });
    await openWorkbench();
    await currentPage().waitForTimeout(1500);
  });

  test('Train Translator → Bahdanau attention (quick look) trains to the end', async () => {
    await runCommand('Seqlab: Train Translator…');
    await pick('English–French pairs', 'Train a translator on');
    // Filter by typing, then Enter: the first row's description tooltip can cover the second row.
    const page = currentPage();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Translator model' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget input').fill('Bahdanau');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Bahdanau attention' }).first().waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget input').press('Enter');
    await pick('Quick look', 'Translator settings');
    const f = await panelWith('#plot-perplexity');
    await attrUntil(f.locator('#status'), 'data-status', (v) => v === 'done', 300_000);
  });

  test('Translate Selection opens the heatmap: cells = target tokens × source tokens, rows labelled', async () => {
    await runCommand('Seqlab: Translate Selection');
    await accept({ value: 'go .' });
    await currentPage().keyboard.press('Escape'); // close the n-best pick
    const f = await panelWith('#attention-map');
    const map = f.locator('#map');
    const rows = Number(await attrUntil(map, 'data-rows', (v) => Number(v) >= 1));
    const cols = Number(await map.getAttribute('data-cols'));
    assert.equal(cols, 3, 'go . <eos>');
    assert.equal(await f.locator('#attention-map rect.cell').count(), rows * cols);
    assert.equal(await f.locator('#attention-map text.row-label').count(), rows);
    assert.deepEqual(await f.locator('#attention-map text.col-label').allTextContents(), ['go', '.', '<eos>']);
    assert.ok((await f.locator('#hypothesis vscode-option').count()) >= 1, 'the n-best hypotheses are switchable');
    await screenshot('attention-heatmap');
  });

  test('a beam-tree node opens the heatmap of its partial hypothesis (one row per step)', async () => {
    // Bring the Beam Search tab to the front (a hover or notification may sit over the tab strip).
    await currentPage().keyboard.press('Escape');
    await currentPage().locator('.tab', { hasText: 'Beam:' }).first().click({ force: true });
    const tree = await panelWith('#beam-tree');
    const node = tree.locator('#beam-tree g.node.kept[data-step="2"]').first();
    await node.waitFor({ state: 'visible' });
    await node.click();
    const f = await panelWith('#attention-map');
    const map = f.locator('#map');
    await attrUntil(map, 'data-rows', (v) => v === '2');
    assert.equal(await f.locator('#attention-map rect.cell').count(), 2 * Number(await map.getAttribute('data-cols')));
    assert.match((await f.locator('#subtitle').textContent()) ?? '', /from a beam-tree node/);
  });
});
