// Experiment files in the real extension host: diagnostics for bad values (VS Code's JSON support
// with the contributed schema, and Seqlab's own for what only the run configs know), the CodeLens,
// a 2×2 sweep queued one run at a time into a complete results folder with a window reload in
// the middle, `seqlab run` writing the same folder, the first-install walkthrough flag, and the
// code-server split (extension host on the server, UI in the browser).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RUN_RESULT_FILES, SUMMARY_FILES } from '../../src/core/experiments/results';
import { WALKTHROUGH_OFFERED } from '../../src/extension/experiments/walkthrough';
import { api, closeAll, EXTENSION_ID, waitFor } from './helpers';

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function writeExperiment(dir: string, name: string, body: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.seqlab.json`);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return file;
}

// Tiny: a few seconds per run even on a loaded 2-core machine; a checkpoint every epoch so the
// run interrupted by the reload continues from one.
// 6 epochs: a reload must find run 2 between its first checkpoint and its end, which 2 tiny epochs
// could leave too short on a quiet machine.
const TINY = { name: 'tiny', model: 'gru', epochs: 6, batch: 8, steps: 10, maxTokens: 1200, checkpointEvery: 1 };
const SWEEP = { description: '2×2 host-test sweep', runs: [TINY], sweep: { lr: [0.5, 2], hidden: [8, 12] } };

suite('Experiment files', function () {
  this.timeout(300_000);
  teardown(closeAll);

  test('bad values produce diagnostics: the schema’s from VS Code’s JSON support, the run config’s from Seqlab', async () => {
    await api();
    const dir = join(ws(), 'diag');
    const schemaBad = writeExperiment(dir, 'schema-bad', '{\n  // comments are fine\n  "runs": [{ "model": "transformer", "hiden": 8 }]\n}\n');
    const doc = await vscode.workspace.openTextDocument(schemaBad);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'jsonc', 'experiment files open as JSON with comments');
    const found = await waitFor('schema diagnostics on "transformer" and "hiden"', () => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      const at = (text: string) => d.find((x) => doc.getText(x.range).includes(text));
      return at('transformer') && at('hiden') ? d : undefined;
    }, 90_000, 200);
    assert.ok(found.every((d) => !/comment/i.test(d.message)), `comments are allowed: ${found.map((d) => d.message).join('; ')}`);

    // Valid key by key, refused as a whole: only the run config knows (so Seqlab reports it).
    const runBad = writeExperiment(dir, 'run-bad', { runs: [{ name: 'layers', impl: 'layers' }], sweep: { truncation: ['full', 'fixed'] } });
    const doc2 = await vscode.workspace.openTextDocument(runBad);
    await vscode.window.showTextDocument(doc2);
    const d2 = await waitFor('the seqlab diagnostic', () => vscode.languages.getDiagnostics(doc2.uri).find((d) => d.source === 'seqlab'));
    assert.equal(d2.message, 'truncation=fixed: Truncated BPTT needs --impl scratch or fused; the layers implementation trains with full BPTT.');
    assert.equal(d2.range.start.line, 2, 'at the run entry');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc2.uri);
    assert.match(lenses[0].command!.title, /1 problem: fix it to run/);
  });

  test('CodeLens: "Run experiment · 4 runs" and "Compare results" over a 2×2 sweep', async () => {
    await api();
    const file = writeExperiment(join(ws(), 'lens'), 'lens', SWEEP);
    const doc = await vscode.workspace.openTextDocument(file);
    const lenses = await waitFor('the CodeLens', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l?.length ? l : undefined;
    });
    assert.deepEqual(lenses.map((l) => [l.command!.title, l.command!.command]), [
      ['$(play) Run experiment · 4 runs', 'seqlab.experiments.run'],
      ['$(graph-line) Compare results', 'seqlab.experiments.compare'],
    ]);
  });

  test('a 2×2 sweep: 4 runs with the right configs, one at a time, a reload mid-sweep resumes the queue, results folder complete; seqlab run writes the same folder', async () => {
    const a = await api();
    const { registry, manager } = a.services;
    const file = writeExperiment(join(ws(), 'sweep'), 'sweep', SWEEP);
    let maxRunning = 0;
    const ids: string[] = [];
    const sub = registry.onChange(() => {
      const running = ids.filter((id) => ['running', 'paused'].includes(registry.get(id)?.status ?? '')).length;
      maxRunning = Math.max(maxRunning, running);
    });
    try {
      const t0 = Date.now();
      const r = await vscode.commands.executeCommand<{ runIds: string[]; resultsDir: string }>('seqlab.experiments.run', vscode.Uri.file(file));
      assert.ok(r, `the run command failed: ${a.lastError()}`);
      ids.push(...r.runIds);
      assert.equal(ids.length, 4);
      const runs = ids.map((id) => registry.require(id));
      assert.deepEqual(runs.map((x) => x.name), ['lr=0.5 · hidden=8', 'lr=0.5 · hidden=12', 'lr=2 · hidden=8', 'lr=2 · hidden=12']);
      assert.deepEqual(runs.map((x) => [x.hyper.lr, x.model.hidden, x.model.cell, x.epochs]), [[0.5, 8, 'gru', 6], [0.5, 12, 'gru', 6], [2, 8, 'gru', 6], [2, 12, 'gru', 6]]);
      assert.ok(runs.every((x) => x.experiment?.file === file && x.experiment.name === 'sweep'));
      assert.deepEqual(runs.slice(1).map((x) => x.status), ['queued', 'queued', 'queued'], 'only the first starts');

      // Reload while the second run trains, after its first checkpoint.
      await waitFor('run 2 training with a checkpoint', () => registry.get(ids[1])?.status === 'running' && registry.get(ids[1])!.checkpoint, 180_000, 100);
      assert.equal(registry.get(ids[0])?.status, 'done');
      a.experiments.detach(); // the window closes: the queue object goes, its saved list stays
      manager.stop(ids[1]);
      await waitFor('run 2 to stop', () => !manager.isActive(ids[1]), 60_000);
      registry.setStatus(ids[1], 'running'); // what runs.json says when the window closed mid-run
      registry.reload(); // the new window's registry: run 2 is interrupted
      assert.equal(registry.get(ids[1])?.status, 'interrupted');
      a.experiments.attach(); // the new window's queue, from the saved list
      a.experiments.resume();
      await waitFor('all 4 runs done', () => ids.every((id) => registry.get(id)?.status === 'done'), 240_000, 200);
      const sweepSeconds = (Date.now() - t0) / 1000;
      console.log(`    2×2 sweep of tiny runs with a reload: ${sweepSeconds.toFixed(1)} s`);
      assert.equal(maxRunning, 1, 'runs were queued one at a time');
      assert.equal(registry.get(ids[1])?.history.length, 6, 'the interrupted run continued to its last epoch');

      const results = r.resultsDir;
      assert.equal(results, join(ws(), 'sweep', 'sweep.seqlab-results'));
      const slugs = ['lr=0.5_hidden=8', 'lr=0.5_hidden=12', 'lr=2_hidden=8', 'lr=2_hidden=12'];
      await waitFor('the summary with 4 done runs', () => existsSync(join(results, 'summary.json')) && JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8')).runs.every((x: { status: string }) => x.status === 'done'));
      assert.deepEqual(readdirSync(results).sort(), [...slugs, ...SUMMARY_FILES].sort());
      for (const [i, slug] of slugs.entries()) {
        assert.deepEqual(readdirSync(join(results, slug)).sort(), [...RUN_RESULT_FILES].sort());
        const config = JSON.parse(readFileSync(join(results, slug, 'config.json'), 'utf8'));
        assert.deepEqual([config.lr, config.hidden, config.model, config.epochs], [[0.5, 0.5, 2, 2][i], [8, 12, 8, 12][i], 'gru', 6]);
        const metrics = JSON.parse(readFileSync(join(results, slug, 'metrics.json'), 'utf8'));
        assert.deepEqual(metrics.map((m: { epoch: number }) => m.epoch), [1, 2, 3, 4, 5, 6], slug);
        const result = JSON.parse(readFileSync(join(results, slug, 'result.json'), 'utf8'));
        assert.equal(result.status, 'done');
        assert.equal(result.checkpoint, registry.get(ids[i])!.checkpoint);
        assert.ok(result.best.valPerplexity > 1, slug);
      }
      assert.match(readFileSync(join(results, 'summary.md'), 'utf8'), /\| lr=2 · hidden=12 \| done \| 6 \| \d+\.\d{3} \|/);

      // Compare results opens Compare Runs on the 4 runs.
      const compared = await vscode.commands.executeCommand<string[]>('seqlab.experiments.compare', vscode.Uri.file(file));
      assert.deepEqual(compared, ids);
      await waitFor('the compare panel', () => a.openPanels().compare);

      // The same file from the terminal: the same results folder (plus the CLI's checkpoints).
      const cliDir = join(ws(), 'sweep-cli');
      const cliFile = writeExperiment(cliDir, 'sweep', SWEEP);
      const cli = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, 'dist', 'cli.js').fsPath;
      const t1 = Date.now();
      const code = await new Promise<number>((resolve) => {
        const p = spawn(process.execPath, [cli, 'run', cliFile, '--json'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('exit', (c) => {
          if (c !== 0) console.log(err);
          resolve(c ?? 1);
        });
      });
      console.log(`    seqlab run on the same sweep: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      assert.equal(code, 0);
      const cliResults = join(cliDir, 'sweep.seqlab-results');
      assert.deepEqual(readdirSync(cliResults).filter((f) => f !== 'checkpoints').sort(), readdirSync(results).sort());
      for (const slug of slugs) {
        assert.deepEqual(readdirSync(join(cliResults, slug)).sort(), readdirSync(join(results, slug)).sort());
        assert.equal(readFileSync(join(cliResults, slug, 'config.json'), 'utf8'), readFileSync(join(results, slug, 'config.json'), 'utf8'), `${slug}: the same resolved config`);
      }
    } finally {
      sub.dispose();
      for (const id of ids) await manager.delete(id);
    }
  });

  test('the walkthrough is offered once, on the first activation; Open Walkthrough is registered', async () => {
    const a = await api();
    assert.equal(a.services.context.globalState.get(WALKTHROUGH_OFFERED), true);
    const pkg = a.services.context.extension.packageJSON as { contributes: { walkthroughs: { id: string; steps: { description: string; media: { svg: string } }[] }[] } };
    const w = pkg.contributes.walkthroughs[0];
    assert.equal(w.id, 'seqlab.gettingStarted');
    for (const step of w.steps) {
      assert.match(step.description, /d2l \d+\.\d+|experiment/i, 'each step names its textbook section');
      assert.match(step.description, /\]\(command:seqlab\./, 'each step has a button running a Seqlab command');
      assert.ok(existsSync(join(a.services.context.extensionUri.fsPath, step.media.svg)), step.media.svg);
    }
    assert.ok((await vscode.commands.getCommands(true)).includes('seqlab.openWalkthrough'));
  });

  test('code-server split: the extension host (and training) runs on the server, the UI in the browser', async () => {
    // The code-server suites exercise exactly the remote setup Remote-SSH, Dev Containers and
    // Codespaces use: this host is a Node process on the server, the workbench a browser page.
    const a = await api();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.deepEqual((ext.packageJSON as { extensionKind: string[] }).extensionKind, ['workspace']);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace, 'Seqlab runs where the workspace is');
    assert.equal(vscode.env.uiKind, vscode.UIKind.Web, 'the UI is a browser page');
    assert.equal(typeof process.versions.node, 'string', 'the extension host is Node on the server');
    assert.equal(ext.extensionUri.scheme, 'file', 'the extension’s files (and the training process) are on the server’s disk');
    assert.ok(a.services.manager.available, 'training processes start on the server');
  });

  test('Open an Example Experiment copies the example into the workspace and opens it', async () => {
    await api();
    const path = await vscode.commands.executeCommand<string>('seqlab.experiments.openExample', 'rnn-gru-lstm');
    assert.equal(path, join(ws(), 'rnn-gru-lstm.seqlab.json'));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, path);
  });
});
