// Translation as a user sees it: Train Translator from the palette (the status bar calls it
// Seq2seq and reports its loss; the dashboard shows validation loss, BLEU on the held-out pairs
// and on the textbook's four sentences), then Translate Selection opens the beam-search tree
// (kept / pruned / finished nodes, the winning path), fitted to the panel or zoomed with a sticky
// step header, and changing k re-decodes live; every text readable in three themes.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { accept, attrUntil, chooseOption, panelWith, pick, readableInEveryTheme, setWorkspaceSettings, statusBarUntil } from './seqlab-ui.mjs';

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
    // Its own name and metric in the status bar, never "GRU … ppl" (issue 19.2).
    const bar = await statusBarUntil((t) => /\d+\/30 · /.test(t), 240_000);
    assert.match(bar, /^Seq2seq \d+\/30 · loss \d+\.\d+/);
    const f = await panelWith('#plot-perplexity');
    await attrUntil(f.locator('#status'), 'data-status', (v) => v === 'done', 240_000);
    assert.equal(await f.locator('#plot-perplexity').getAttribute('data-labels'), 'train loss|validation loss');
    // 10 % held out: a validation loss, BLEU on those pairs and on the book's four sentences (issue 19.4).
    assert.match((await f.locator('[data-card="validation loss"] .value').textContent()) ?? '', /^\d+\.\d+$/);
    assert.match((await f.locator('[data-card="held-out BLEU"] .value').textContent()) ?? '', /^[01]\.\d{3}$/);
    assert.match((await f.locator('[data-card="textbook sentences BLEU"] .value').textContent()) ?? '', /^[01]\.\d{3}$/);
    const bleu = f.locator('#plot-bleu');
    assert.equal(await bleu.getAttribute('data-labels'), 'held-out BLEU|textbook sentences BLEU');
    const [heldOut, textbook] = ((await bleu.getAttribute('data-points')) ?? '').split(',').map(Number);
    assert.equal(textbook, 30, 'the four sentences are scored every epoch');
    assert.equal(heldOut, 6, 'held-out BLEU every 5 epochs');
    const last = (await f.locator('#samples .sample').first().innerText()).split('\n');
    assert.match(last[0], /^epoch 30: go \. => .*, bleu [01]\.\d{3}$/);
    assert.deepEqual(last.map((l) => l.replace(/^epoch 30: /, '').split(' => ')[0]), ['go .', 'i lost .', "he's calm .", "i'm home ."]);
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

  test('the Beam Search tree fits the panel, or zooms with scrollbars and a sticky step header (issue 19.10)', async () => {
    const f = await panelWith('#beam-tree');
    const box = f.locator('#tree-box');
    await attrUntil(box, 'data-zoom', (v) => v === 'fit');
    const fit = await f.locator('.tree-scroll').evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth, right: e.querySelector('svg')!.getBoundingClientRect().right, edge: e.getBoundingClientRect().right }));
    assert.ok(fit.scroll <= fit.client + 1 && fit.right <= fit.edge + 1, `fitted: ${JSON.stringify(fit)}`);
    // Score columns never wrap, however narrow the panel.
    const wraps = await f.locator('#nbest td.num').evaluateAll((tds) => tds.filter((td) => getComputedStyle(td).whiteSpace !== 'nowrap').length);
    assert.equal(wraps, 0);
    await screenshot('beam-tree-fit');
    await chooseOption(f, 'tree-zoom', '150 %');
    await attrUntil(box, 'data-scale', (v) => v === '1.500');
    const zoomed = await f.locator('.tree-scroll').evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth, sticky: getComputedStyle(e.querySelector('.tree-steps')!).position, labels: e.querySelectorAll('.tree-steps [data-step-label]').length, bar: getComputedStyle(e, '::-webkit-scrollbar').height }));
    assert.ok(zoomed.scroll > zoomed.client, `a zoomed tree scrolls: ${JSON.stringify(zoomed)}`);
    assert.equal(zoomed.sticky, 'sticky');
    assert.equal(zoomed.labels, Number(await box.getAttribute('data-steps')) + 1);
    await screenshot('beam-tree-zoomed');
    await chooseOption(f, 'tree-zoom', 'fit to panel');
    await attrUntil(box, 'data-zoom', (v) => v === 'fit');
  });

  test('translator dashboard and beam tree readable (contrast ≥ 4.5:1) in light, dark and high-contrast themes', async () => {
    const tree = await panelWith('#beam-tree');
    await readableInEveryTheme(tree, 'beam-tree');
    await runCommand('Seqlab: Open Dashboard');
    await pick('Seq2seq', 'Open the dashboard of which run?');
    const dash = await panelWith('#plot-bleu');
    await readableInEveryTheme(dash, 'dashboard-translator');
  });
});
