// The Runs side panel: registry persistence, interrupted runs after a reload, deletion while a
// dashboard is open, and every contributed command registered.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { api, closeAll, expectUserError, waitFor } from './helpers';

const pkg = JSON.parse(readFileSync(vscode.extensions.getExtension('seqlab.seqlab')!.extensionUri.fsPath + '/package.json', 'utf8'));

function fakeRun(id: string, status: string, epoch = 3) {
  const now = Date.now();
  return {
    id, kind: 'language-model', name: `test ${id}`, data: 'timemachine',
    model: { cell: 'gru', layers: 1, hidden: 32, bidirectional: false, token: 'char' },
    hyper: { lr: 1 }, status, epoch, epochs: 10, latest: 9.5, metric: 'perplexity',
    history: Array.from({ length: epoch }, (_, i) => ({ epoch: i + 1, train: 20 - i, valid: 21 - i, tokensPerSec: 1000 })),
    samples: [{ epoch, text: 'time traveller the the' }], checkpoint: null, error: null, created: now, updated: now,
  };
}

suite('Runs tree and registry', () => {
  teardown(closeAll);

  test('every contributed command is registered', async () => {
    await api();
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });

  test('a run that was running when the window closed reappears as interrupted', async () => {
    const a = await api();
    const file = a.services.registry.file;
    writeFileSync(file, JSON.stringify({ version: 1, runs: [fakeRun('host-test-1', 'running'), fakeRun('host-test-2', 'done', 10)] }));
    const runs = await vscode.commands.executeCommand<{ id: string; status: string }[]>('seqlab.runs.refresh');
    assert.deepEqual(runs.map((r) => [r.id, r.status]).sort(), [['host-test-1', 'interrupted'], ['host-test-2', 'done']]);
    // and the file says so too, so the next reload agrees
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.runs.find((r: { id: string }) => r.id === 'host-test-1').status, 'interrupted');
  });

  test('a corrupt registry is kept aside with a warning, valid runs survive', async () => {
    const a = await api();
    writeFileSync(a.services.registry.file, JSON.stringify({ version: 1, runs: [fakeRun('host-test-3', 'done'), { id: 'BAD' }] }));
    await vscode.commands.executeCommand('seqlab.runs.refresh');
    assert.deepEqual(a.services.registry.list().map((r) => r.id), ['host-test-3']);
    assert.ok(a.services.registry.loadWarnings.some((w) => /unreadable/.test(w)));
  });

  test('dashboard opens for a run; deleting the run while it is open loses nothing else and is reported', async () => {
    const a = await api();
    writeFileSync(a.services.registry.file, JSON.stringify({ version: 1, runs: [fakeRun('host-test-4', 'stopped'), fakeRun('host-test-5', 'done', 10)] }));
    await vscode.commands.executeCommand('seqlab.runs.refresh');
    const id = await vscode.commands.executeCommand<string>('seqlab.runs.openDashboard', 'host-test-4');
    assert.equal(id, 'host-test-4');
    await waitFor('the dashboard', () => a.openPanels().dashboards.includes('host-test-4'));
    assert.equal(await vscode.commands.executeCommand('seqlab.runs.delete', 'host-test-4', { force: true }), true);
    assert.equal(a.services.registry.get('host-test-4'), undefined);
    assert.ok(a.services.registry.get('host-test-5'), 'the other run is untouched');
    const msg = await expectUserError(a, 'seqlab.runs.openDashboard', 'host-test-4');
    assert.match(msg, /no longer exists/);
  });

  test('a dashboard keeps showing new samples after the registry has kept its last 20', async () => {
    const a = await api();
    // a translator: no n-gram baseline, so the snapshot goes out once, when the webview is ready
    const run = { ...fakeRun('host-test-6', 'running', 20), kind: 'translator', metric: 'loss', samples: Array.from({ length: 20 }, (_, i) => ({ epoch: i + 1, text: `go . → va ${i + 1}`, lead: 7 })) };
    writeFileSync(a.services.registry.file, JSON.stringify({ version: 1, runs: [run] }));
    await vscode.commands.executeCommand('seqlab.runs.refresh');
    await vscode.commands.executeCommand('seqlab.runs.openDashboard', 'host-test-6');
    await waitFor('the dashboard\'s snapshot', () => a.panelTraces().find((p) => p.key === 'host-test-6')?.trace.some((l) => /^post run/.test(l)));
    for (const epoch of [21, 22]) a.services.registry.addSample('host-test-6', epoch, `go . → va ${epoch}`, 7);
    assert.equal(a.services.registry.get('host-test-6')!.samples.length, 20);
    const trace = await waitFor('both new samples', () => {
      const t = a.panelTraces().find((p) => p.key === 'host-test-6')?.trace ?? [];
      return t.some((l) => /sample e22$/.test(l)) ? t : undefined;
    });
    assert.equal(trace.filter((l) => /sample e2[12]$/.test(l)).length, 2);
    assert.ok(!trace.some((l) => /sample e(1|20)$/.test(l)), 'samples of the snapshot are not sent again');
  });

  test('Compare Runs opens on runs with history', async () => {
    const a = await api();
    writeFileSync(a.services.registry.file, JSON.stringify({ version: 1, runs: [fakeRun('host-test-6', 'done', 5), fakeRun('host-test-7', 'done', 8)] }));
    await vscode.commands.executeCommand('seqlab.runs.refresh');
    const ids = await vscode.commands.executeCommand<string[]>('seqlab.compareRuns', ['host-test-6', 'host-test-7']);
    assert.deepEqual(ids, ['host-test-6', 'host-test-7']);
    await waitFor('the compare panel', () => a.openPanels().compare);
  });
});
