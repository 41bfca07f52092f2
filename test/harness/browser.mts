// Debian Chromium driven by playwright-core. Never `playwright install`: it downloads a
// browser, which this kind of machine cannot.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { log } from './log.mjs';
import { screenshotsDir } from './paths.mjs';
import { onTeardown, ownedEnv, withTimeout } from './procs.mjs';
import { ensureTools } from './tools.mjs';

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: ensureTools().chromium,
    headless: true,
    // Marked as ours so the leftover check finds any helper process that outlives close().
    env: ownedEnv() as Record<string, string>,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  onTeardown(() => withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => undefined));
  return browser;
}

export async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(30_000);
  return page;
}

/** Waits until the workbench has rendered and the extension host has come up. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  // The status bar fills in once the workbench has restored its parts.
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Runs a command by its title (as the palette shows it, e.g. "Seqlab: Show Backend"). */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // Wait for the exact entry so Enter does not pick a fuzzy neighbour.
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  // The palette lists the commands known when it opens, and extensions register theirs
  // while the workbench settles: reopen it until the command shows up.
  for (const deadline = Date.now() + timeoutMs; ;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: 3000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`command "${title}" not in the Command Palette after ${timeoutMs / 1000} s`, { cause: e });
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden' });
    }
  }
  await input.press('Enter');
  // Done when the palette closed or moved on to the command's own prompt (Go to File…).
  await page.waitForFunction(() => {
    const el = document.querySelector<HTMLInputElement>('.quick-input-widget input');
    return !el || el.offsetParent === null || !el.value.startsWith('>');
  });
}

/** The DOM of the (first visible) webview: VS Code nests it in two iframes. */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.locator('iframe.webview').nth(index).contentFrame().frameLocator('#active-frame');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const file = join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
  return file;
}
