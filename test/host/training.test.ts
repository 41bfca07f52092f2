// Training from the extension: a tiny GRU on the first tokens of The Time Machine runs in the
// worker thread, its dashboard fills, it persists with a checkpoint, text generates from it,
// and commands stay responsive while a run trains (latency measured).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension/extension';
import { api, closeAll, expectUserError, openText, run, waitFor } from './helpers';

// Small enough for a shared 2-core machine: ~3,000 characters, 16 hidden units.
const TINY = { hidden: 16, epochs: 4, lr: 1, batch: 8, steps: 10, maxTokens: 3000, clip: 1, seed: 1, sampleLength: 20 };

async function finished(a: SeqlabApi, id: string, timeoutMs = 120_000) {
  return waitFor(`run ${id} to finish`, () => {
    const r = a.services.registry.get(id);
    if (r?.status === 'failed') throw new Error(`run failed: ${r.error}`);
    return r && (r.status === 'done' || r.status === 'stopped') ? r : undefined;
  }, timeoutMs, 100);
}

suite('Training runs', function () {
  this.timeout(240_000);
  let a: SeqlabApi;
  let trained: string;

  suiteSetup(async () => {
    a = await api();
    if (!a.services.manager.available) throw new Error('dist/train-process.js is missing: build before running the host tests');
  });
  teardown(closeAll);

  test('Train Language Model runs a GRU in the worker; its history, samples and checkpoint persist', async () => {
    const id = await run<string>(a, 'seqlab.trainLanguageModel', { data: 'timemachine', cell: 'gru', layers: 1, bidirectional: false, hyper: TINY, name: 'host tiny GRU' });
    await waitFor('the dashboard', () => a.openPanels().dashboards.includes(id));
    const r = await finished(a, id);
    assert.equal(r.status, 'done');
    assert.equal(r.epoch, 4);
    assert.equal(r.history.length, 4);
    for (const p of r.history) assert.ok(p.train! > 1 && p.train! < 40, `train perplexity ${p.train}`);
    // Learning: the last epoch beats the first.
    assert.ok(r.history[3].train! < r.history[0].train!, `perplexity did not fall: ${r.history.map((p) => p.train).join(', ')}`);
    assert.ok(r.checkpoint, 'no checkpoint recorded');
    assert.ok(r.samples.length > 0, 'no samples');
    // The worker reports what it trains on; the runs tree and dashboard show it.
    assert.match(r.engine ?? '', /^\S+ backend · (native|wasm-simd|wasm-simd-threads|TypeScript)\b.* kernel$/);
    // The dashboard was told the run is done, and its webview validated everything it got.
    const dash = await waitFor('the dashboard to hear "done"', () => a.panelTraces().find((p) => p.key === id && p.trace.some((l) => /^post (status|run) done/.test(l))), 10_000);
    assert.deepEqual(dash.webviewErrors, []);
    trained = id;
  });

  test('Generate Text continues a prefix from the run’s checkpoint, greedy = deterministic', async () => {
    const t1 = await run<string>(a, 'seqlab.generateText', { run: trained, prefix: 'time traveller', length: 12, temperature: 0, output: 'none' });
    const t2 = await run<string>(a, 'seqlab.generateText', { run: trained, prefix: 'time traveller', length: 12, temperature: 0, output: 'none' });
    assert.equal(t1.length, 12);
    assert.equal(t1, t2);
  });

  test('Generate Text inserts after the selection', async () => {
    const ed = await openText('the time ');
    ed.selection = new vscode.Selection(0, 0, 0, 9);
    const t = await run<string>(a, 'seqlab.generateText', { run: trained, prefix: 'the time ', length: 5, temperature: 0, output: 'insert' });
    assert.equal(ed.document.getText(), `the time ${t}`);
  });

  test('Generate Text with an empty prefix: clear message', async () => {
    const msg = await expectUserError(a, 'seqlab.generateText', { run: trained, prefix: '  ', temperature: 0, output: 'none' });
    assert.match(msg, /prefix is empty/);
  });

  test('commands stay responsive while a run trains; stop and resume from the checkpoint', async () => {
    const id = await run<string>(a, 'seqlab.trainLanguageModel', {
      data: 'timemachine', cell: 'lstm', layers: 1, bidirectional: false, hyper: { ...TINY, epochs: 60 }, name: 'host latency LSTM', dashboard: false,
    });
    await waitFor('training to start', () => (a.services.registry.get(id)?.history.length ?? 0) >= 1, 60_000);
    await openText('the time traveller for so it will be convenient to speak of him');
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await run(a, 'seqlab.tokenizeSelection', { tokenizer: 'word', quiet: true });
      latencies.push(performance.now() - t0);
    }
    latencies.sort((x, y) => x - y);
    const median = latencies[5];
    console.log(`      tokenize latency while training: median ${median.toFixed(1)} ms, max ${latencies[9].toFixed(1)} ms`);
    assert.ok(a.services.registry.get(id)?.status === 'running', 'the run should still be training during the measurement');
    assert.ok(median < 250, `tokenize took ${median} ms (median) while training`);
    // Stop only once there is a checkpoint, so the resume below always runs (it used to return early).
    await waitFor('the first checkpoint', () => Boolean(a.services.registry.get(id)?.checkpoint), 120_000);
    await vscode.commands.executeCommand('seqlab.runs.stop', id);
    const stopped = await finished(a, id);
    assert.equal(stopped.status, 'stopped');
    const before = stopped.epoch;
    assert.ok(stopped.checkpoint, 'the stopped run keeps its checkpoint');
    await vscode.commands.executeCommand('seqlab.runs.resume', id);
    await waitFor('the resumed run to add an epoch', () => (a.services.registry.get(id)?.epoch ?? 0) > before, 60_000);
    await vscode.commands.executeCommand('seqlab.runs.stop', id);
    await finished(a, id);
  });
});

suite('Gate heatmap', function () {
  this.timeout(120_000);
  teardown(closeAll);

  test('a GRU run records its gates over the input: units × steps for z, r, h̃ and H', async () => {
    const a = await api();
    const gru = a.services.registry.list().find((r) => r.model.cell === 'gru' && r.checkpoint);
    assert.ok(gru, 'needs the GRU trained by the previous suite');
    const r = await run<{ steps: number; units: number; gates: string[] }>(a, 'seqlab.showGateHeatmap', { run: gru.id, text: 'time traveller' });
    assert.equal(r.steps, 14);
    assert.equal(r.units, 16);
    assert.equal(r.gates.length, 3);
    assert.ok(a.openPanels().heatmap);
  });

  test('an empty input text: clear message', async () => {
    const a = await api();
    const gru = a.services.registry.list().find((r) => r.model.cell === 'gru' && r.checkpoint)!;
    const msg = await expectUserError(a, 'seqlab.showGateHeatmap', { run: gru.id, text: '   ' });
    assert.match(msg, /empty/);
  });

  test('the BPTT explorer measures a trained run on its corpus, beside fresh cells of its kind', async () => {
    const a = await api();
    const gru = a.services.registry.list().find((r) => r.model.cell === 'gru' && r.checkpoint)!;
    const r = await run<{ kind: string; label: string; ratio: number; steps: number }[]>(a, 'seqlab.bpttExplorer', { steps: 30, seed: 0, runId: gru.id });
    assert.deepEqual(r.map((x) => x.label), ['GRU trained (epoch 4)', 'GRU freshly initialised']);
    for (const x of r) assert.ok(x.steps === 30 && Number.isFinite(x.ratio) && x.ratio > 0, JSON.stringify(x));
    const msg = await expectUserError(a, 'seqlab.bpttExplorer', { runId: 'no-such-run' });
    assert.match(msg, /no-such-run|no run/i);
  });
});
