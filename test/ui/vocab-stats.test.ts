// Vocabulary Statistics as a user sees it: a binary file gets its sentence and no panel, counts,
// the Zipf plot with three series of points, the coverage curve, a sortable and searchable
// vocabulary table; every text readable (WCAG AA) in light, dark and high contrast.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentPage, openWorkbench, runCommand, screenshot, webviewFrame } from './workbench.mjs';
import { attrUntil, chooseOption, panelWith, pick, readableInEveryTheme, setWorkspaceSettings, toast, workspaceFolder } from './seqlab-ui.mjs';

suite('Vocabulary Statistics panel', () => {
  suiteSetup(async () => {
    await openWorkbench();
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern' });
    await currentPage().waitForTimeout(1500);
  });

  test('a binary file: one sentence in a notification and no panel left behind (issue 19.1)', async () => {
    const page = currentPage();
    const file = join(workspaceFolder(), 'bin.dat');
    writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0, 0xff, 0xfe, 0, 0]));
    await runCommand('Seqlab: Show Vocabulary Statistics');
    await pick('Choose a file', 'Vocabulary statistics');
    // code-server's own file dialog: a path box; type the file's path and accept it.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    // The dialog may still set its own starting value (the folder) just after it opens: fill
    // until the path stays, then accept it.
    const t0 = Date.now();
    let stable = 0;
    while (stable < 3 && Date.now() - t0 < 20_000) {
      if ((await input.inputValue()) !== file) {
        await input.fill(file);
        stable = 0;
      } else stable++;
      await page.waitForTimeout(200);
    }
    assert.equal(await input.inputValue(), file, 'the file dialog kept the typed path');
    await input.press('Enter');
    await pick('Words', 'Tokens');
    assert.match(await toast(/binary/), /looks like a binary file, not text/);
    await screenshot('vocab-stats-binary-file');
    assert.equal(await page.locator('.tab', { hasText: /Vocabulary/ }).count(), 0, 'no Vocabulary panel opened');
    const frames = await page.locator('iframe.webview').count();
    for (let i = 0; i < frames; i++) assert.equal(await webviewFrame(i).locator('#token-kind').count(), 0, 'no Vocabulary webview is left spinning');
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
    // One rendering of tokens: word n-grams as words, no "␣ (space)" anywhere (issue 19.7).
    assert.match((await f.locator('#zipf-slopes tr[data-n="2"] td.grams').textContent()) ?? '', /“of the” /);
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
    // Character n-grams side by side, the space as ␣ (not "t h e", not " ").
    assert.match((await f.locator('#zipf-slopes tr[data-n="3"] td.grams').textContent()) ?? '', /“␣th” \d/);
    assert.match((await f.locator('#zipf-slopes tr[data-n="3"] td.grams').textContent()) ?? '', /“the” /);
    assert.equal(await f.locator('#vocab-table td', { hasText: '␣' }).first().textContent(), '␣');
  });

  test('the panel comes back after a window reload (serializer + saved state)', async () => {
    await runCommand('Developer: Reload Window');
    await currentPage().locator('.monaco-workbench').waitFor();
    const f = await panelWith('#plot-zipf', 90_000);
    // restored with the tokenizer it last showed (characters), recomputed by the host
    await attrUntil(f.locator('#plot-zipf'), 'data-labels', (v) => /unigrams \(slope -1\.4/.test(v), 90_000);
    assert.match((await f.locator('[data-card="tokens"] .value').textContent()) ?? '', /170,580/);
  });

  test('every text readable (contrast ≥ 4.5:1) in light, dark and high-contrast themes', async () => {
    const f = await panelWith('#plot-zipf');
    await readableInEveryTheme(f, 'vocab-stats');
  });
});
