// Seqlab's own UI-test helpers on top of workbench.mts (not a suite: no .test.ts suffix).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { currentPage, screenshot, webviewFrame, workspaceUrl } from './workbench.mjs';

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
  // The mouse rests where the last click was: over a row with a long description it raises a
  // hover that would catch this click. Away from the list, no hover opens before the click.
  await page.mouse.move(0, 0);
  await page.locator('.context-view .monaco-hover').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
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

/** The three themes every panel is checked in, with the class the workbench and a webview's body get. */
export const THEMES = [
  { theme: 'Default Light Modern', name: 'light', workbench: 'vs', body: 'vscode-light' },
  { theme: 'Default Dark Modern', name: 'dark', workbench: 'vs-dark', body: 'vscode-dark' },
  { theme: 'Default High Contrast', name: 'high-contrast', workbench: 'hc-black', body: 'vscode-high-contrast' },
] as const;
export type Theme = (typeof THEMES)[number];

/** Switches the colour theme and waits until the workbench and the panel (when given) wear it. */
export async function useTheme(t: Theme, frame?: FrameLocator): Promise<void> {
  setWorkspaceSettings({ 'workbench.colorTheme': t.theme });
  await currentPage().locator(`.monaco-workbench.${t.workbench}`).waitFor({ timeout: 30_000 });
  if (frame) {
    await frame.locator(`body.${t.body}`).waitFor({ timeout: 30_000 });
    // Plots redraw after the theme lands; each marks the body classes it drew with.
    const plots = frame.locator('[data-plot]:not([hidden])');
    for (let i = 0; i < (await plots.count()); i++) await attrUntil(plots.nth(i), 'data-theme', (v) => v.includes(t.body), 30_000);
  }
}

export interface ContrastProblem { text: string; ratio: number; color: string; background: string }

/**
 * WCAG contrast of every visible piece of text in the panel (light DOM and the components'
 * open shadow roots) against the colour actually behind it (backgrounds composited up the tree).
 * Returns the pieces below `min` (4.5:1 is WCAG AA for normal text).
 */
export async function contrastProblems(frame: FrameLocator, min = 4.5): Promise<{ checked: number; problems: ContrastProblem[] }> {
  // tsx compiles the function below with esbuild's keepNames, which wraps inner functions in
  // __name(…): give the page that helper first (as a string, so it is not compiled itself).
  await frame.locator('body').evaluate('void (globalThis.__name ??= (f) => f)');
  return frame.locator('body').evaluate((body, minRatio) => {
    type RGBA = [number, number, number, number];
    const parse = (c: string): RGBA => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 0];
    };
    const lum = ([r, g, b]: RGBA) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a: RGBA, b: RGBA) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const over = (top: RGBA, under: RGBA): RGBA => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1) as RGBA;
    /** The parent in the composed tree: across slots and shadow roots. */
    const up = (e: Element): Element | null => e.assignedSlot ?? e.parentElement ?? ((e.parentNode as ShadowRoot | null)?.host ?? null);
    const backdrop = (e: Element): RGBA => {
      const layers: RGBA[] = [];
      for (let n: Element | null = e; n; n = up(n)) {
        const bg = parse(getComputedStyle(n).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let c: RGBA = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop()! : parse(getComputedStyle(body).backgroundColor);
      for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
      return c;
    };
    const problems: { text: string; ratio: number; color: string; background: string }[] = [];
    let checked = 0;
    const visit = (root: ParentNode) => {
      for (const e of Array.from(root.querySelectorAll('*'))) {
        if (e.shadowRoot) visit(e.shadowRoot);
        if (['SCRIPT', 'STYLE', 'svg', 'SVG', 'OPTION'].includes(e.tagName) || e.closest('svg')) continue;
        // Text shown by this element itself; a component's slotted text is drawn by the element that holds the slot.
        let own = Array.from(e.childNodes).filter((n) => n.nodeType === 3 && n.textContent!.trim()).map((n) => n.textContent!.trim()).join(' ');
        let painter: Element = e;
        if (e.shadowRoot && own) painter = e.shadowRoot.querySelector('slot:not([name])')?.parentElement ?? e;
        if (e.tagName === 'SLOT') {
          own = '';
        }
        if (!own) continue;
        const r = (painter as HTMLElement).getBoundingClientRect();
        const cs = getComputedStyle(painter);
        if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
        if ((e as HTMLElement).closest?.('[hidden]')) continue;
        const fg = parse(cs.color);
        const bg = backdrop(painter);
        const value = ratio(fg[3] < 1 ? over(fg, bg) : fg, bg);
        checked++;
        if (value < minRatio) problems.push({ text: own.slice(0, 40), ratio: Math.round(value * 100) / 100, color: cs.color, background: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})` });
      }
    };
    visit(body);
    return { checked, problems };
  }, min);
}

/** Fails with the offending texts when any text in the panel is below WCAG AA. */
export async function assertReadable(frame: FrameLocator, where: string): Promise<number> {
  const { checked, problems } = await contrastProblems(frame);
  if (problems.length) throw new Error(`${where}: ${problems.length} of ${checked} texts below 4.5:1 — ${problems.slice(0, 6).map((p) => `"${p.text}" ${p.ratio} (${p.color} on ${p.background})`).join('; ')}`);
  if (checked < 5) throw new Error(`${where}: only ${checked} texts found to check`);
  return checked;
}

/** A notification toast whose text matches, once it shows. */
export async function toast(text: RegExp, timeoutMs = 60_000): Promise<string> {
  const t = currentPage().locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await t.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await t.textContent()) ?? '';
}

/** The Seqlab training item in the status bar once its text matches. */
export async function statusBarUntil(ok: (text: string) => boolean, timeoutMs = 120_000): Promise<string> {
  const item = currentPage().locator('#seqlab\\.training, .statusbar-item[id*="seqlab.training"]').first();
  const t0 = Date.now();
  let text = '';
  while (Date.now() - t0 < timeoutMs) {
    text = ((await item.textContent().catch(() => '')) ?? '').trim();
    if (ok(text)) return text;
    await currentPage().waitForTimeout(100);
  }
  throw new Error(`the status bar's training item read "${text}"`);
}

/**
 * In each of the three themes: checks every text of the panel (and whatever `more` checks),
 * then saves `<shot>-<theme>.png`; ends in the dark theme the suites start in.
 */
export async function readableInEveryTheme(frame: FrameLocator, shot: string, more?: (t: Theme) => Promise<void>): Promise<void> {
  for (const t of THEMES) {
    await useTheme(t, frame);
    await assertReadable(frame, `${shot}, ${t.name}`);
    await more?.(t);
    await screenshot(`${shot}-${t.name}`);
  }
  await useTheme(THEMES[1]);
}
