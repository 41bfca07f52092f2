// PyTorch interop from the editor: Seqlab: Import PyTorch Model… turns the committed fixture of a
// d2l PyTorch GRU language model (scripts/interop/make-fixtures.py) into a run in the Runs view
// whose gate heatmap opens and whose greedy text is PyTorch's; a bad file adds no run; Export
// Run to PyTorch… writes the folder train.py continues from.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/protocol/runs';
import { api, closeAll, EXTENSION_ID, expectUserError, run } from './helpers';

suite('PyTorch interop', function () {
  this.timeout(120_000);
  teardown(closeAll);
  const fixtures = () => join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'interop');

  test("an imported PyTorch GRU is a run: gate heatmap, and PyTorch's greedy text", async () => {
    const a = await api();
    const f = fixtures();
    const r = await run<RunRecord>(a, 'seqlab.importPyTorchModel', { weights: join(f, 'gru.safetensors'), vocab: join(f, 'gru.vocab.json'), kind: 'gru', name: 'd2l GRU from PyTorch' });
    assert.equal(r.status, 'done');
    assert.ok(a.services.registry.get(r.id)?.checkpoint);
    assert.match(r.engine ?? '', /PyTorch's GRU/);
    const h = await run<{ steps: number; units: number; gates: string[] }>(a, 'seqlab.showGateHeatmap', { run: r.id, text: 'time traveller' });
    assert.deepEqual([h.steps, h.units, h.gates.length], [14, 12, 3]);
    assert.ok(a.openPanels().heatmap);
    const io = JSON.parse(readFileSync(join(f, 'gru.io.json'), 'utf8')) as { prefix: string; greedy: string };
    const g = await run<string>(a, 'seqlab.generateText', { run: r.id, prefix: io.prefix, length: io.greedy.length - io.prefix.length, temperature: 0, output: 'none' });
    assert.equal(g, io.greedy.slice(io.prefix.length));

    const out = join(mkdtempSync(join(tmpdir(), 'seqlab-host-export-')), 'export');
    try {
      await run(a, 'seqlab.exportRunToPyTorch', { run: r.id, out });
      assert.deepEqual(readdirSync(out).sort(), ['corpus.txt', 'model.safetensors', 'seqlab-run.json', 'train.py', 'vocab.json']);
    } finally {
      rmSync(join(out, '..'), { recursive: true, force: true });
    }
  });

  test('a file that is not safetensors: one sentence, no run added', async () => {
    const a = await api();
    const f = fixtures();
    const before = a.services.registry.list().length;
    const msg = await expectUserError(a, 'seqlab.importPyTorchModel', { weights: join(f, 'gru.vocab.json'), vocab: join(f, 'gru.vocab.json'), kind: 'gru' });
    assert.match(msg, /is not a valid safetensors file/);
    assert.equal(a.services.registry.list().length, before);
    assert.ok(!existsSync(join(a.services.registry.dir, 'checkpoints')) || readdirSync(join(a.services.registry.dir, 'checkpoints')).every((d) => !d.includes('.tmp-')));
  });
});
