// Smoke: the extension loads in a real extension host and registers its commands.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const ID = 'seqlab.seqlab';

suite('extension smoke', () => {
  test('is present and activates', async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `${ID} not found among ${vscode.extensions.all.length} extensions`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  test('registers seqlab.showBackend', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('seqlab.showBackend'), 'seqlab.showBackend is not registered');
  });

  test('the native kernel addon (N-API), when built, loads in the extension host', function () {
    const dir = join(vscode.extensions.getExtension(ID)!.extensionPath, 'native');
    if (!existsSync(join(dir, 'build', 'Release', 'seqlab_native.node'))) return this.skip();
    // A .node built against the system Node must load in this host's runtime (N-API is ABI-stable).
    const addon = require(join(dir, 'index.js')) as { info(): { isa: string; threads: number } };
    const info = addon.info();
    assert.match(info.isa, /^(avx512|avx2\+fma|portable)$/);
  });

  test('sees the data directory the harness passed', () => {
    assert.ok(process.env.SEQLAB_DATA_DIR, 'SEQLAB_DATA_DIR is not set in the extension host');
  });
});
