/**
 * The @vscode-elements/elements components the panels use (maintained web components made for
 * VS Code webviews; they read the theme's --vscode-* variables, so light, dark and high contrast
 * look like the editor). Importing a component's module defines its custom element.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { custom } from './dom';

/** A button; `secondary` is the quieter style the editor uses beside a primary action. */
export function button(label: string, attrs: Record<string, string> = {}, secondary = false): HTMLElement {
  return custom('vscode-button', { ...attrs, ...(secondary ? { secondary: '' } : {}) }, label);
}

/** A dropdown (vscode-single-select) of [value, label] options. */
export function select(id: string, options: readonly (readonly [string, string])[], title?: string): HTMLElement {
  const s = custom('vscode-single-select', { id, ...(title ? { title, 'aria-label': title } : {}) });
  setOptions(s, options);
  return s;
}

export function setOptions(s: HTMLElement, options: readonly (readonly [string, string])[]): void {
  s.replaceChildren(...options.map(([value, label]) => custom('vscode-option', { value }, label)));
}

/** A text field with its label in front (vscode-textfield has no label slot). */
export function textfield(id: string, label: string, attrs: Record<string, string> = {}): { field: HTMLElement; row: HTMLElement } {
  const field = custom('vscode-textfield', { id, ...attrs });
  const row = custom('span', { class: 'field' }, custom('vscode-label', { for: id }, label), field);
  return { field, row };
}

export function checkbox(id: string, label: string, checked = false): HTMLElement {
  return custom('vscode-checkbox', { id, label, ...(checked ? { checked: '' } : {}) });
}

export const isChecked = (e: Element): boolean => (e as unknown as { checked: boolean }).checked;
export const setChecked = (e: Element, v: boolean): void => void ((e as unknown as { checked: boolean }).checked = v);

export function progressRing(id?: string): HTMLElement {
  return custom('vscode-progress-ring', { ...(id ? { id } : {}), hidden: '' });
}
