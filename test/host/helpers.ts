// Shared helpers for Seqlab's extension-host suites (not a suite itself: no .test.ts suffix).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'seqlab.seqlab';

export async function api(): Promise<SeqlabApi> {
  const ext = vscode.extensions.getExtension<SeqlabApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Opens an untitled document with `text` and makes it the active editor. */
export async function openText(text: string, language = 'plaintext'): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ content: text, language });
  return vscode.window.showTextDocument(doc);
}

/** Closes every editor, reverting untitled test documents first so no "save?" dialog appears. */
export async function closeAll(): Promise<void> {
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
    if (tab.input instanceof vscode.TabInputText && tab.isDirty) {
      await vscode.window.showTextDocument(tab.input.uri, { preview: false });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Runs a command that must succeed, failing with the message the user saw otherwise. */
export async function run<T>(a: SeqlabApi, command: string, ...args: unknown[]): Promise<T> {
  const r = await vscode.commands.executeCommand<T>(command, ...args);
  assert.ok(r !== undefined, `${command} failed: ${a.lastError() ?? 'no message'}`);
  return r;
}

/** Runs a command that must fail, returning the one-sentence message the user saw. */
export async function expectUserError(a: SeqlabApi, command: string, ...args: unknown[]): Promise<string> {
  const before = a.lastError();
  const result = await vscode.commands.executeCommand(command, ...args);
  assert.equal(result, undefined, `${command} should have failed`);
  const msg = a.lastError();
  assert.ok(msg && msg !== before, `${command} showed no error message`);
  return msg!;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
