// Smoke: the extension loads in a real extension host and registers its commands.
import * as assert from 'node:assert/strict';
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

  test('sees the data directory the harness passed', () => {
    assert.ok(process.env.SEQLAB_DATA_DIR, 'SEQLAB_DATA_DIR is not set in the extension host');
  });
});
