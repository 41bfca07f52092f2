// Compare Translators as a user sees it (named to run after the attention and translation suites,
// whose quick-look translators it reuses; run alone, it trains the missing ones the same way):
// two translators picked → a column each with its n-best; typing a reference fills the BLEU
// cells; the attention column opens its heatmap; a window reload brings the panel back with the
// same sentence, reference and BLEU; every text readable in three themes.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { accept, attrUntil, panelWith, pick, readableInEveryTheme, setWorkspaceSettings } from './seqlab-ui.mjs';

const PICK_TITLE = 'Compare which translators?';

/** Closes every editor, so no selection stands in for the sentence and no older dashboard answers panelWith. */
async function closeEditors(): Promise<void> {
  await runCommand('View: Close All Editors');
  await currentPage().locator('iframe.webview').first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
}

/** The architectures the Compare Translators picker offers (it refuses to open with fewer than two translators). */
async function pickerArchitectures(): Promise<string[]> {
  const page = currentPage();
  await runCommand('Seqlab: Compare Translators');
  const title = page.locator('.quick-input-widget .quick-input-title', { hasText: PICK_TITLE });
  const refused = page.locator('.notifications-toasts .notification-toast', { hasText: /Comparing needs two trained translators/ });
  await Promise.race([title.waitFor({ state: 'visible' }), refused.first().waitFor({ state: 'visible' })]);
  if (!(await title.isVisible())) {
    await page.keyboard.press('Escape');
    return [];
  }
  const rows = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
  await page.keyboard.press('Escape');
  return ['seq2seq', 'attention'].filter((arch) => rows.some((r) => r.includes(`${arch} · epoch`)));
}

async function trainQuickLook(model: 'Seq2seq' | 'Bahdanau attention'): Promise<void> {
  const page = currentPage();
  await runCommand('Seqlab: Train Translator…');
  await pick('English–French pairs', 'Train a translator on');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Translator model' }).waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget input').fill(model);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: model }).first().waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget input').press('Enter');
  await pick('Quick look', 'Translator settings');
  const f = await panelWith('#plot-perplexity');
  await attrUntil(f.locator('#status'), 'data-status', (v) => v === 'done', 300_000);
  await closeEditors();
}

async function columnsDone(f: FrameLocator): Promise<void> {
  await attrUntil(f.locator('#columns'), 'data-columns', (v) => v === '2', 90_000);
  const t0 = Date.now();
  while ((await f.locator('.column[data-status="ok"]').count()) !== 2) {
    if (Date.now() - t0 > 90_000) throw new Error(`columns: ${await f.locator('#columns').innerText()}`);
    await currentPage().waitForTimeout(200);
  }
}

suite('Compare Translators panel', function () {
  this.timeout(700_000);
  suiteSetup(async () => {
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern', 'seqlab.checkpointInterval': 5 });
    await openWorkbench();
    await currentPage().waitForTimeout(1500);
    await closeEditors();
    const have = await pickerArchitectures();
    if (!have.includes('seq2seq')) await trainQuickLook('Seq2seq');
    if (!have.includes('attention')) await trainQuickLook('Bahdanau attention');
  });

  test('pick a seq2seq and an attention translator: two columns of n-best translations with log P and score', async () => {
    const page = currentPage();
    await closeEditors();
    await runCommand('Seqlab: Compare Translators');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: PICK_TITLE }).waitFor({ state: 'visible' });
    await page.mouse.move(0, 0);
    for (const arch of ['seq2seq', 'attention']) await page.locator('.quick-input-list .monaco-list-row', { hasText: `${arch} · epoch` }).first().click();
    await page.locator('.quick-input-widget input').press('Enter');
    await accept({ value: 'i lost .' }); // the sentence's input box and its default
    const f = await panelWith('#columns');
    await columnsDone(f);
    // Columns in the picker's order (newest run first).
    assert.deepEqual((await f.locator('.column').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-arch')))).sort(), ['attention', 'seq2seq']);
    for (const c of [0, 1]) {
      const col = f.locator('.column').nth(c);
      assert.ok((await col.locator('tr.hyp').count()) >= 1, 'n-best rows');
      assert.match((await col.locator('.meta').textContent()) ?? '', /fra-eng · 200 pairs · 2×32 GRU · checkpoint of epoch 30/);
      assert.match((await col.locator('tr.hyp td').nth(2).textContent()) ?? '', /^-?\d+\.\d{3}$/, 'log P');
    }
    assert.equal(await f.locator('td.bleu[data-bleu=""]').count(), await f.locator('tr.hyp').count(), 'no reference yet: no BLEU');
    assert.match((await f.locator('.column[data-arch="attention"] .alignment').textContent()) ?? '', /^attends: \S+←\S+ \(\d\.\d\d\)/);
    assert.equal(await f.locator('.column[data-arch="seq2seq"] .alignment').count(), 0);
  });

  test('typing a reference fills the BLEU cells (d2l, k = 2) as it is typed', async () => {
    const f = await panelWith('#columns');
    await f.locator('#reference input').fill("J'ai perdu.");
    await attrUntil(f.locator('#columns'), 'data-reference', (v) => v === "j'ai perdu .");
    const bleus = await f.locator('td.bleu').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-bleu')));
    assert.equal(bleus.length, await f.locator('tr.hyp').count());
    assert.ok(bleus.every((b) => /^[01]\.\d{3}$/.test(b ?? '')), bleus.join(','));
    assert.match((await f.locator('#ref-tokens').textContent()) ?? '', /BLEU compares with: j'ai perdu \./);
    await screenshot('compare-translators');
  });

  test("the attention column's heatmap is a click away", async () => {
    const f = await panelWith('#columns');
    await f.locator('.column[data-arch="attention"] vscode-button.heatmap').click();
    const h = await panelWith('#attention-map');
    await attrUntil(h.locator('#map'), 'data-cols', (v) => v === '4'); // i lost . <eos>
    assert.equal((await h.locator('#attention-map text.col-label').allTextContents()).at(-1), '<eos>');
    assert.equal(await f.locator('.column[data-arch="seq2seq"] vscode-button.heatmap').count(), 0, 'a plain seq2seq offers none');
  });

  test('a window reload brings the panel back: same translators, sentence, reference and BLEU', async () => {
    await runCommand('Developer: Reload Window');
    await currentPage().locator('.monaco-workbench').waitFor();
    const f = await panelWith('#columns', 90_000);
    await columnsDone(f);
    await attrUntil(f.locator('#columns'), 'data-reference', (v) => v === "j'ai perdu .", 60_000);
    assert.equal(await f.locator('#sentence').evaluate((e) => (e as unknown as { value: string }).value), 'i lost .');
    assert.equal(await f.locator('#reference').evaluate((e) => (e as unknown as { value: string }).value), "J'ai perdu.");
    assert.equal(await f.locator('td.bleu[data-bleu=""]').count(), 0, 'BLEU recomputed');
  });

  test("Translate Selection's n-best pick opens the comparison with its translator already ticked", async () => {
    const page = currentPage();
    await closeEditors();
    await runCommand('Seqlab: Translate Selection');
    await accept({ value: 'go .' });
    const compare = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Compare with other translators…' });
    await compare.waitFor({ state: 'visible', timeout: 60_000 });
    await page.mouse.move(0, 0);
    await compare.click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: PICK_TITLE }).waitFor({ state: 'visible' });
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const state = await rows.evaluateAll((rs) => rs.map((r) => ({
      checked: r.getAttribute('aria-checked') === 'true' || Boolean(r.querySelector('[aria-checked="true"], input[type="checkbox"]:checked')),
      text: r.textContent ?? '',
    })));
    const ticked = state.filter((r) => r.checked);
    assert.equal(ticked.length, 1, JSON.stringify(state));
    const other = ticked[0].text.includes('attention · epoch') ? 'seq2seq' : 'attention';
    await rows.filter({ hasText: `${other} · epoch` }).first().click();
    await page.locator('.quick-input-widget input').press('Enter');
    const f = await panelWith('#columns');
    await f.locator('h1', { hasText: 'Compare translators — “go .”' }).waitFor({ timeout: 60_000 });
    await columnsDone(f);
  });

  test('every text readable (contrast ≥ 4.5:1) in light, dark and high-contrast themes', async () => {
    await readableInEveryTheme(await panelWith('#columns'), 'compare-translators');
  });
});
