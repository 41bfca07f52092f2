// Experiment files and the walkthrough as a user sees them: the CodeLens over a *.seqlab.json
// runs its sweep (the Runs view groups the runs under the experiment, the results folder fills
// up, "Compare results" opens Compare Runs with the swept value in the legend); the walkthrough
// opens and a step's button runs its command.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { panelWith, workspaceFolder } from './seqlab-ui.mjs';

// One epoch of a tiny model on a slice of The Time Machine: seconds per run.
const EXPERIMENT = {
  description: 'UI test: two hidden sizes',
  runs: [{ name: 'tiny', model: 'gru', epochs: 1, batch: 8, steps: 10, maxTokens: 1000 }],
  sweep: { hidden: [8, 12] },
};

async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await currentPage().waitForTimeout(250);
  }
}

suite('Experiment files and the walkthrough', function () {
  this.timeout(300_000);
  let results = '';
  suiteSetup(async () => {
    writeFileSync(join(workspaceFolder(), 'ui-sweep.seqlab.json'), JSON.stringify(EXPERIMENT, null, 2));
    results = join(workspaceFolder(), 'ui-sweep.seqlab-results');
    await openWorkbench();
  });

  test('the CodeLens runs the experiment; its runs are grouped in the Runs view; Compare results shows the swept value', async () => {
    const page = currentPage();
    await runCommand('Go to File');
    await page.keyboard.type('ui-sweep.seqlab.json');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'ui-sweep.seqlab.json' }).first().waitFor();
    await page.keyboard.press('Enter');
    const lens = page.locator('.codelens-decoration a', { hasText: 'Run experiment · 2 runs' });
    await lens.waitFor({ timeout: 60_000 });
    await screenshot('experiment-codelens');
    await lens.click();
    await page.locator('.activitybar [aria-label^="Seqlab"]').first().click();
    const group = page.locator('.monaco-list-row', { hasText: 'ui-sweep' }).first();
    await group.waitFor({ timeout: 60_000 });
    await page.locator('.monaco-list-row', { hasText: 'hidden=12' }).first().waitFor();
    await waitUntil('both runs in summary.json as done', () => {
      if (!existsSync(join(results, 'summary.json'))) return false;
      const s = JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8')) as { runs: { status: string }[] };
      return s.runs.length === 2 && s.runs.every((r) => r.status === 'done');
    }, 240_000);
    await page.locator('.monaco-list-row', { hasText: /ui-sweep.*2 runs · 2 done/ }).first().waitFor({ timeout: 30_000 });
    await screenshot('experiment-runs-view');
    await page.locator('.codelens-decoration a', { hasText: 'Compare results' }).click();
    const f = await panelWith('#compare-table');
    await f.locator('#compare-table', { hasText: 'hidden=12' }).waitFor();
    assert.match((await f.locator('#compare-table').textContent()) ?? '', /hidden=8/);
    // The results table sorts: by best validation perplexity, then the other way round.
    const head = f.locator('#compare-table th', { hasText: 'best validation perplexity' });
    await head.click();
    await f.locator('#compare-table th[data-sort="asc"]', { hasText: 'best validation perplexity' }).waitFor();
    const col = async () => (await f.locator('#compare-table tr td:nth-child(3)').allTextContents()).map(Number);
    const asc = await col();
    assert.deepEqual(asc, [...asc].sort((x, y) => x - y));
    await f.locator('#compare-table th', { hasText: 'best validation perplexity' }).click();
    await f.locator('#compare-table th[data-sort="desc"]').waitFor();
    assert.deepEqual(await col(), [...asc].reverse());
    await screenshot('experiment-compare');
  });

  test('the walkthrough opens and a step’s button runs its command', async () => {
    const page = currentPage();
    await runCommand('Seqlab: Open Walkthrough');
    const step = page.locator('.getting-started-step', { hasText: 'Vocabulary statistics and Zipf' }).first();
    await step.waitFor({ timeout: 60_000 });
    await screenshot('walkthrough');
    await step.click();
    const button = page.locator('.getting-started-step a, .getting-started-step .button-link', { hasText: 'Show the statistics of The Time Machine' }).first();
    await button.waitFor({ state: 'visible' });
    await button.click();
    const f = await panelWith('#plot-zipf', 120_000);
    await f.locator('#plot-zipf').waitFor();
    await screenshot('walkthrough-step-vocab-stats');
  });
});
