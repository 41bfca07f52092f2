/**
 * One kind of panel (its view type, bundle and title) and the panels of it that are open: the
 * one place that creates their webview panels, reveals the open one instead of opening a second
 * (per key: Training dashboards are one per run, the other panels one in all), forgets a panel
 * when it is closed, and restores them after a window reload through a serializer.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import type { PanelSpec } from './panel';

/** Where a new panel opens: in the active editor group, or beside it without taking the focus. */
export type Placement = 'active' | 'beside';

/** What PanelKind needs of a panel (Panel has it). */
export interface OpenPanel {
  readonly panel: vscode.WebviewPanel;
  onDisposed(listener: () => void): void;
}

/** Singletons are held under this key. */
const ONE = '';

export class PanelKind<P extends OpenPanel> implements PanelSpec {
  readonly viewType: string;
  readonly bundle: string;
  readonly title: string;
  readonly placement: Placement;
  private readonly byKey = new Map<string, P>();

  constructor(spec: PanelSpec & { placement?: Placement }) {
    this.viewType = spec.viewType;
    this.bundle = spec.bundle;
    this.title = spec.title;
    this.placement = spec.placement ?? 'active';
  }

  /** The panel open under `key` (a singleton kind: the one open panel). */
  get(key = ONE): P | undefined {
    return this.byKey.get(key);
  }

  /** The open panels by key. */
  get open(): ReadonlyMap<string, P> {
    return this.byKey;
  }

  /** Brings the panel open under `key` to the front and returns it; undefined when none is open. */
  reveal(key = ONE): P | undefined {
    const p = this.byKey.get(key);
    if (p) {
      if (this.placement === 'beside') p.panel.reveal(vscode.ViewColumn.Beside, true);
      else p.panel.reveal();
    }
    return p;
  }

  /** A new webview panel of this kind, where this kind opens (the Panel base sets its options and HTML). */
  create(title = this.title): vscode.WebviewPanel {
    const where = this.placement === 'beside' ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active;
    return vscode.window.createWebviewPanel(this.viewType, title, where, { enableScripts: true });
  }

  /** Remembers a panel (called from its constructor) under `key` until it is closed; a newer one under the same key wins. */
  hold(p: P, key = ONE): void {
    this.byKey.set(key, p);
    p.onDisposed(() => {
      if (this.byKey.get(key) === p) this.byKey.delete(key);
    });
  }

  /**
   * Restores this kind's panels after a window reload: the state the webview saved is parsed with
   * `schema` (undefined when there is none or it is from an older Seqlab) and `restore` makes the panel.
   */
  serializer<S>(schema: z.ZodType<S>, restore: (webview: vscode.WebviewPanel, saved: S | undefined) => void | Promise<void>): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(this.viewType, {
      async deserializeWebviewPanel(webview, raw) {
        const st = schema.safeParse(raw);
        await restore(webview, st.success ? st.data : undefined);
      },
    });
  }
}
