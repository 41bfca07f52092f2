// Training as a user sees it: the guided Train Language Model pick, a dashboard whose
// perplexity curve gains points while the run trains, the Runs tree, the gate heatmap with
// units × steps cells, the BPTT explorer on the trained run, and Compare Runs.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { accept, attrUntil, chooseOption, panelWith, pick, setWorkspaceSettings } from './seqlab-ui.mjs';

// Tiny on purpose: a shared 2-core machine trains this in seconds per epoch.
const TINY = { hidden: 16, layers: 1, epochs: 4, lr: 1, batch: 8, steps: 10, clip: 1, maxTokens: 4000 };

suite('Training dashboard, runs tree, heatmap, compare', function () {
  this.timeout(300_000);
  suiteSetup(async () => {
    // Written before the window opens, so it starts with them: a settings file changed just after
    // a cold start can reach the extension too late, and the run trains with the full defaults.
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern', 'seqlab.defaults.gru': TINY, 'seqlab.defaults.lstm': { ...TINY, epochs: 3 }, 'seqlab.checkpointInterval': 1 });
    await openWorkbench();
    await currentPage().waitForTimeout(1000);
  });

  async function train(model: 'GRU' | 'LSTM'): Promise<void> {
    await runCommand('Seqlab: Train Language Model…');
    await pick('The Time Machine', 'Train on');
    await pick(model, 'Model');
    await pick('1 layer', 'Layers');
    await pick('Unidirectional', 'Direction');
    await pick('Preset', 'Hyper-parameters');
  }

  test('Train Language Model opens a dashboard whose curves gain points while training', async () => {
    await train('GRU');
    const f = await panelWith('#plot-perplexity');
    const plot = f.locator('#plot-perplexity');
    await attrUntil(plot, 'data-points', (v) => Number(v.split(',')[0]) >= 1, 120_000);
    // train, validation, and the n-gram baseline (dashed) once computed
    await attrUntil(plot, 'data-series', (v) => v === '3', 60_000);
    assert.match((await plot.getAttribute('data-labels')) ?? '', /train perplexity\|validation perplexity\|\d-gram baseline/);
    await screenshot('dashboard-training');
    await attrUntil(f.locator('#status'), 'data-status', (v) => v === 'done', 180_000);
    assert.equal(await plot.getAttribute('data-points').then((v) => v?.split(',')[0]), '4');
    // Counted by the plot, not sampled by polling: at least one epoch's train and validation
    // points reached the open panel as live messages rather than in the opening snapshot.
    assert.ok(Number(await plot.getAttribute('data-appends')) >= 2, `data-appends=${await plot.getAttribute('data-appends')}`);
    assert.ok((await f.locator('#samples .sample').count()) >= 1);
    await screenshot('dashboard-done');
  });

  test('the Runs tree lists the run with its status and inline actions', async () => {
    const page = currentPage();
    await page.locator('.activitybar [aria-label^="Seqlab"]').first().click();
    const row = page.locator('.monaco-list-row', { hasText: 'GRU · Time Machine' }).first();
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /^GRU · Time Machine\s*done · epoch 4\/4 · ppl/);
    await row.hover();
    await screenshot('runs-tree');
  });

  test('Gate heatmap: z, r, h̃ and H maps of 16 units × 14 steps', async () => {
    await runCommand('Seqlab: Show Gate Heatmap');
    await pick('GRU', 'Heatmap of which run');
    await accept({ value: 'time traveller' }); // the input box's default
    const f = await panelWith('#maps svg.heatmap');
    await attrUntil(f.locator('#maps'), 'data-maps', (v) => v === '4');
    const maps = f.locator('svg.heatmap');
    assert.equal(await maps.count(), 4);
    for (let i = 0; i < 4; i++) {
      assert.equal(await maps.nth(i).getAttribute('data-units'), '16');
      assert.equal(await maps.nth(i).getAttribute('data-steps'), '14');
      assert.equal(await maps.nth(i).locator('rect.cell').count(), 16 * 14);
    }
    await maps.first().locator('rect.cell').nth(20).hover();
    await f.locator('#tip').waitFor({ state: 'visible' });
    assert.match((await f.locator('#tip').textContent()) ?? '', /update gate Z · unit \d+ · step \d+/);
    await screenshot('gate-heatmap');
    // Stretching the colours to the data: titles give the data's range instead of 0 … 1.
    const zTitle = f.locator('[data-map="gate-z"] .plot-title');
    assert.match((await zTitle.textContent()) ?? '', /\(0 … 1\)/);
    await chooseOption(f, 'scale', 'stretch to data');
    await f.locator('[data-map="gate-z"] .plot-title', { hasText: 'stretched' }).waitFor();
    assert.match((await zTitle.textContent()) ?? '', /\(0\.\d\d … [01]\.\d\d, stretched\)/);
    await screenshot('gate-heatmap-stretched');
  });

  test('BPTT explorer on the trained GRU: its curve beside fresh cells of its kind', async () => {
    await runCommand('Seqlab: BPTT Gradient Explorer');
    const f = await panelWith('#plot-bptt-gradients');
    const plot = f.locator('#plot-bptt-gradients');
    await attrUntil(plot, 'data-labels', (v) => v === 'RNN|GRU|LSTM');
    await chooseOption(f, 'model', 'trained GRU');
    assert.equal(await f.locator('#hidden').getAttribute('disabled'), '', 'a trained run has its own hidden size');
    await f.locator('#run').click();
    await attrUntil(plot, 'data-labels', (v) => v === 'GRU trained (epoch 4)|GRU freshly initialised', 60_000);
    assert.deepEqual((await plot.getAttribute('data-points'))?.split(','), ['50', '50']);
    await screenshot('bptt-trained-run');
  });

  test('Compare Runs overlays the runs’ curves', async () => {
    await train('LSTM');
    const d = await panelWith('#plot-perplexity');
    await attrUntil(d.locator('#status'), 'data-status', (v) => v === 'done', 180_000);
    await runCommand('Seqlab: Compare Runs');
    await accept({ rows: 2 }); // both runs are pre-selected
    const f = await panelWith('#plot-compare');
    const pts = await attrUntil(f.locator('#plot-compare'), 'data-points', (v) => v.split(',').length === 2);
    assert.deepEqual(pts.split(',').map(Number).sort(), [3, 4]);
    assert.equal(await f.locator('#compare-table tr').count(), 3);
    await screenshot('compare-runs');
  });
});
