/** Tiny DOM helpers: the panels build their DOM by hand (no framework, nothing evaluated). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A custom element (the @vscode-elements components) with attributes. */
export function custom(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** Adds CSS under the page's CSP nonce (the host puts the nonce on our script tag). */
export function addStyle(css: string): void {
  const nonce = (document.querySelector('script[nonce]') as HTMLScriptElement | null)?.nonce ?? '';
  const s = document.createElement('style');
  s.nonce = nonce;
  s.textContent = css;
  document.head.append(s);
}

export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 1000 ? n.toFixed(0) : n.toPrecision(digits);
}

/** A banner for host notices ("This run was deleted."). */
export function showNotice(level: 'info' | 'warning' | 'error', text: string): void {
  let bar = document.getElementById('notice');
  if (!bar) {
    bar = el('div', { id: 'notice', role: 'status' });
    document.body.prepend(bar);
  }
  bar.className = `notice ${level}`;
  bar.textContent = text;
}

/** Text fields and dropdowns are custom elements: their `value` is not in the DOM typings. */
export const val = (e: Element): string => (e as unknown as { value: string }).value;
export const setVal = (e: Element, v: string): void => void ((e as unknown as { value: string }).value = v);

/**
 * Shows the progress ring while a host request runs (and disables `button`, when given);
 * a failed request becomes the panel's error notice, with the ring hidden again either way.
 */
export async function whileBusy(busy: HTMLElement, work: () => Promise<unknown>, button?: HTMLElement): Promise<void> {
  busy.hidden = false;
  button?.setAttribute('disabled', '');
  try {
    await work();
  } catch (err) {
    showNotice('error', (err as Error).message);
  } finally {
    busy.hidden = true;
    button?.removeAttribute('disabled');
  }
}
