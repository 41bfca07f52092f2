// Vocabulary Statistics as a user sees it: counts, the Zipf plot with three series of points,
// the coverage curve, a sortable and searchable vocabulary table; dark, light and high contrast.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { attrUntil, chooseOption, panelWith, pick, setWorkspaceSettings } from './seqlab-ui.mjs';

suite('Vocabulary Statistics panel', () => {
  suiteSetup(async () => {
    await openWorkbench();
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern' });
    await currentPage().waitForTimeout(1500);
  });

  test('Time Machine words: cards, Zipf plot with three series, coverage, table', async () => {
    await runCommand('Seqlab: Show Vocabulary Statistics');
    await pick('The Time Machine', 'Vocabulary statistics');
    await pick('Words', 'Tokens');
    const f = await panelWith('#plot-zipf');
    const zipf = f.locator('#plot-zipf');
    const points = await attrUntil(zipf, 'data-points', (v) => v.split(',').length === 3 && v.split(',').every((n) => Number(n) > 10));
    assert.equal(await zipf.getAttribute('data-series'), '3');
    assert.match((await zipf.getAttribute('data-labels')) ?? '', /unigrams \(slope -1\.\d+\)\|bigrams.*\|trigrams/);
    assert.ok(points.split(',').every((n) => Number(n) > 10), points);
    assert.equal(await f.locator('#plot-zipf canvas').count() > 0, true);
    assert.match((await f.locator('[data-card="tokens"] .value').textContent()) ?? '', /32,775/);
    assert.match((await f.locator('[data-card="vocabulary"] .value').textContent()) ?? '', /4,580/);
    assert.ok(Number((await f.locator('#plot-coverage').getAttribute('data-points')) ?? 0) > 10);
    // The table: d2l order first (<unk>, the, i, and, …).
    const firstTokens = await f.locator('#vocab-table tr td:nth-child(2)').evaluateAll((tds) => tds.slice(0, 4).map((td) => td.textContent));
    assert.deepEqual(firstTokens, ['<unk>', 'the', 'i', 'and']);
    await f.locator('#zipf-slopes').waitFor();
    await f.locator('#ngram-table').waitFor();
    await screenshot('vocab-stats-dark');
  });

  test('search filters and headers sort the vocabulary table', async () => {
    const f = await panelWith('#vocab-table');
    await f.locator('#vocab-search input').fill('travel');
    await attrUntil(f.locator('#vocab-table'), 'data-rows', (v) => Number(v) > 0 && Number(v) < 20);
    const rows = await f.locator('#vocab-table tr td:nth-child(2)').allTextContents();
    assert.ok(rows.length > 0 && rows.every((t) => t.includes('travel')), rows.join(','));
    await f.locator('#vocab-search input').fill('');
    await f.locator('#vocab-table th[data-column="token"]').click();
    assert.equal(await f.locator('#vocab-table th[data-column="token"]').getAttribute('aria-sort'), 'ascending');
    await screenshot('vocab-stats-table');
  });

  test('switching to characters re-counts (170,580 tokens, 28 types)', async () => {
    const f = await panelWith('#token-kind');
    await chooseOption(f, 'token-kind', 'characters');
    await attrUntil(f.locator('#plot-zipf'), 'data-labels', (v) => /unigrams \(slope -1\.4/.test(v));
    assert.match((await f.locator('[data-card="tokens"] .value').textContent()) ?? '', /170,580/);
  });

  test('the panel comes back after a window reload (serializer + saved state)', async () => {
    await runCommand('Developer: Reload Window');
    await currentPage().locator('.monaco-workbench').waitFor();
    const f = await panelWith('#plot-zipf', 90_000);
    // restored with the tokenizer it last showed (characters), recomputed by the host
    await attrUntil(f.locator('#plot-zipf'), 'data-labels', (v) => /unigrams \(slope -1\.4/.test(v), 90_000);
    assert.match((await f.locator('[data-card="tokens"] .value').textContent()) ?? '', /170,580/);
  });

  test('readable in light and high-contrast themes', async () => {
    const page = currentPage();
    // The workbench marks its theme kind with a class: vs (light), vs-dark, hc-black, hc-light.
    for (const [theme, name, cls] of [['Default Light Modern', 'light', 'vs'], ['Default High Contrast', 'high-contrast', 'hc-black']] as const) {
      setWorkspaceSettings({ 'workbench.colorTheme': theme });
      await page.locator(`.monaco-workbench.${cls}`).waitFor({ timeout: 20_000 });
      await page.waitForTimeout(1500); // the webview re-reads the colours and redraws its canvases
      await (await panelWith('#plot-zipf')).locator('#plot-zipf canvas').first().waitFor();
      await screenshot(`vocab-stats-${name}`);
    }
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern' });
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 20_000 });
  });
});
