// Seqlab's own UI-test helpers on top of workbench.mts (not a suite: no .test.ts suffix).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { currentPage, webviewFrame, workspaceUrl } from './workbench.mjs';

/** The folder the workbench opens (from its URL), to seed workspace settings. */
export function workspaceFolder(): string {
  const u = new URL(workspaceUrl());
  const folder = u.searchParams.get('folder');
  if (!folder) throw new Error(`no folder in ${u}`);
  return folder.replace(/^vscode-remote:\/\/[^/]+/, '');
}

/** Merges settings into the workspace's .vscode/settings.json (VS Code picks them up live). */
export function setWorkspaceSettings(settings: Record<string, unknown>): void {
  const dir = join(workspaceFolder(), '.vscode');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'settings.json');
  const cur = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, JSON.stringify({ ...cur, ...settings }, null, 2));
}

/**
 * Picks the quick-pick row whose label contains `text`; with `title`, first waits for the pick
 * of that title, so a click never lands on the previous step's list while it closes.
 */
export async function pick(text: string, title?: string): Promise<void> {
  const page = currentPage();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  if (title) await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/**
 * Accepts the quick input as it is: an input box once it shows `value` (so Enter does not hit
 * the pick that is just closing), or a multi-select list once it has `rows` rows.
 */
export async function accept(expect: { value?: string; rows?: number } = {}): Promise<void> {
  const page = currentPage();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    const okValue = expect.value === undefined || (await input.inputValue().catch(() => '')) === expect.value;
    const okRows = expect.rows === undefined || (await page.locator('.quick-input-list .monaco-list-row').count()) >= expect.rows;
    if (okValue && okRows) break;
    await page.waitForTimeout(100);
  }
  await page.waitForTimeout(200);
  await input.press('Enter');
  await input.waitFor({ state: 'hidden' }).catch(() => undefined);
}

/** The webview whose DOM contains `selector` (panels open in tabs; find the right frame). */
export async function panelWith(selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
  const page = currentPage();
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const n = await page.locator('iframe.webview').count();
    for (let i = n - 1; i >= 0; i--) {
      const f = webviewFrame(i);
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview shows ${selector}`);
}

/**
 * Chooses `label` in a panel's dropdown (a vscode-single-select: its options are drawn as
 * list items inside its shadow root, which Playwright's CSS locators pierce).
 */
export async function chooseOption(frame: FrameLocator, selectId: string, label: string): Promise<void> {
  await frame.locator(`#${selectId}`).click();
  await frame.locator(`#${selectId} li.option`, { hasText: label }).first().click();
}

/** Polls an attribute until `ok` accepts it. */
export async function attrUntil(loc: Locator, name: string, ok: (v: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const t0 = Date.now();
  let v = '';
  while (Date.now() - t0 < timeoutMs) {
    v = (await loc.getAttribute(name).catch(() => null)) ?? '';
    if (ok(v)) return v;
    await currentPage().waitForTimeout(200);
  }
  throw new Error(`${name}="${v}" never became acceptable`);
}
