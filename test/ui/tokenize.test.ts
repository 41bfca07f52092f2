// Tokenize Selection as a user sees it: token boundaries decorated in the editor.
import * as assert from 'node:assert/strict';
import { currentPage, openWorkbench, runCommand, screenshot } from './workbench.mjs';
import { pick, setWorkspaceSettings } from './seqlab-ui.mjs';

suite('Tokenize Selection in the editor', () => {
  test('word tokens of README.md are decorated', async () => {
    await openWorkbench();
    setWorkspaceSettings({ 'workbench.colorTheme': 'Default Dark Modern' });
    const page = currentPage();
    await page.waitForTimeout(1500);
    await runCommand('Go to File');
    await page.keyboard.type('README.md');
    await pick('README.md');
    await page.locator('.tab', { hasText: 'README.md' }).waitFor();
    // Focus the editor itself: the command tokenizes the active text editor, which a workbench
    // still settling after Go to File may not have made active yet.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await runCommand('Seqlab: Tokenize Selection');
    await pick('Words', 'Tokenize with');
    await page.locator('.notifications-toasts', { hasText: 'word tokens' }).waitFor();
    // Decorations render as inline spans with generated class names inside the view lines.
    const decorated = page.locator('.monaco-editor .view-overlays div[class*="ced-"], .monaco-editor .view-lines span[class*="ced-"]');
    await decorated.first().waitFor();
    assert.ok((await decorated.count()) > 10);
    await screenshot('tokenize-words');
  });
});
