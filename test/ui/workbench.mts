// Helpers for UI tests. The UI runner (run.mts) starts code-server with the packaged
// extension installed and a browser, and stores them on globalThis (test files and the
// runner may load this module as separate instances under tsx, so module state is not
// enough). Tests call these helpers; the current page is the last one opened.
import type { Browser, FrameLocator, Page } from 'playwright-core';
import * as h from '../harness/browser.mjs';

interface UiContext { browser: Browser; workspaceUrl: string; page?: Page }
const KEY = Symbol.for('seqlab.ui.context');
type G = typeof globalThis & { [KEY]?: UiContext };

export function setUiContext(ctx: UiContext): void {
  (globalThis as G)[KEY] = ctx;
}

function ctx(): UiContext {
  const c = (globalThis as G)[KEY];
  if (!c) throw new Error('UI context missing: run UI tests through test/ui/run.mts (npm run test:ui)');
  return c;
}

function page(): Page {
  const p = ctx().page;
  if (!p) throw new Error('call openWorkbench() first');
  return p;
}

/** The URL the workbench opens (it names the workspace folder). */
export const workspaceUrl = (): string => ctx().workspaceUrl;

/** Opens a fresh tab on the sample workspace and waits for the workbench. */
export async function openWorkbench(): Promise<Page> {
  const c = ctx();
  await c.page?.close().catch(() => undefined);
  c.page = await h.newPage(c.browser);
  await c.page.goto(c.workspaceUrl);
  await h.waitForWorkbench(c.page);
  return c.page;
}

/** Runs a command by its palette title, e.g. "Seqlab: Show Backend". */
export const runCommand = (title: string): Promise<void> => h.runCommand(page(), title);
/** DOM inside the index-th webview (panel) on the page. */
export const webviewFrame = (index = 0): FrameLocator => h.webviewFrame(page(), index);
/** Saves test/screenshots/<name>.png. */
export const screenshot = (name: string): Promise<string> => h.screenshot(page(), name);
export const currentPage = page;
