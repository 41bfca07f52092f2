// Sequence Model Lab and BPTT Gradient Explorer as a user sees them.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { attrUntil, panelWith, setWorkspaceSettings } from './seqlab-ui.mjs';

suite('Sequence Model Lab and BPTT explorer panels', function () {
  this.timeout(180_000);
  suiteSetup(async () => {
    await openWorkbench();
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern' });
    await currentPage().waitForTimeout(1500);
  });

  test('Sequence Model Lab: data with 1-step and multistep predictions, and the 1/4/16/64-step plot', async () => {
    await runCommand('Seqlab: Sequence Model Lab');
    const f = await panelWith('#plot-sine-k-step');
    const labels = await attrUntil(f.locator('#plot-sine-k-step'), 'data-labels', (v) => v.split('|').length === 4);
    assert.equal(labels, '1-step preds|4-step preds|16-step preds|64-step preds');
    const pts = (await f.locator('#plot-sine-predictions').getAttribute('data-points'))!.split(',').map(Number);
    assert.equal(pts[0], 1000); // the whole series
    assert.ok(pts[1] > 900 && pts[2] > 300, pts.join(','));
    assert.equal(await f.locator('[data-card^="k = "]').count(), 4); // k = 1, 4, 16, 64
    await screenshot('sequence-model-lab');
  });

  test('BPTT explorer: gradient norms of RNN, GRU and LSTM over 50 steps on a log scale', async () => {
    await runCommand('Seqlab: BPTT Gradient Explorer');
    const f = await panelWith('#plot-bptt-gradients');
    await attrUntil(f.locator('#plot-bptt-gradients'), 'data-points', (v) => v.split(',').length === 3 && v.split(',').every((n) => Number(n) >= 45));
    assert.equal(await f.locator('#plot-bptt-gradients').getAttribute('data-labels'), 'RNN|GRU|LSTM');
    await screenshot('bptt-explorer');
  });
});
