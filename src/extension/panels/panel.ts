/**
 * What every Seqlab webview panel shares: CSP shell, `localResourceRoots` limited to the
 * extension's dist/webview and media, validated incoming messages, request/reply, PNG/SVG
 * export to a file the user picks, and restore after reload through a serializer.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import { parseMessage } from '../../protocol/common';
import { log, messageOf } from '../errors';
import { makeNonce, panelHtml } from './html';

export interface PanelSpec {
  /** The webview type, also the serializer key (contributed as an activation event). */
  viewType: string;
  /** dist/webview/<bundle>.js */
  bundle: string;
  title: string;
}

type Incoming = { type: string; id?: number; method?: string; params?: unknown; format?: string; fileName?: string; data?: string; message?: string };

export abstract class Panel<ToWebview extends { type: string }, ToHost extends { type: string }> {
  protected disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly readyWaiters: (() => void)[] = [];
  private ready = false;
  /** Messages posted before the webview said "ready" are queued, not lost. */
  private queue: ToWebview[] = [];
  private readonly disposeListeners: (() => void)[] = [];
  /** Recent traffic and webview-side errors, for diagnosis and extension-host tests. */
  readonly trace: string[] = [];
  readonly webviewErrors: string[] = [];

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    protected readonly context: vscode.ExtensionContext,
    protected readonly spec: PanelSpec,
    private readonly toHost: z.ZodType<ToHost>,
  ) {
    const root = context.extensionUri;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'seqlab.svg');
    const nonce = makeNonce();
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', `${spec.bundle}.js`)).toString(),
      title: spec.title,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => void this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Posts a message, queued until the webview has loaded. */
  post(message: ToWebview): void {
    if (this.disposed) return;
    this.note(`${this.ready ? 'post' : 'queue'} ${summary(message)}`);
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** Resolves once the webview has loaded its script and said "ready". */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Calls `listener` once the panel is closed (its PanelKind forgets it then). */
  onDisposed(listener: () => void): void {
    this.disposeListeners.push(listener);
  }

  /** Runs `work` (e.g. restoring after a reload); a failure becomes the panel's notice instead of a lost rejection. */
  noticeOnFailure(work: Promise<unknown>, level: 'warning' | 'error' = 'error'): Promise<void> {
    return work.then(
      () => undefined,
      // Every panel's protocol includes the common notice (commonToWebview).
      (err) => this.post({ type: 'notice', level, text: messageOf(err) } as unknown as ToWebview),
    );
  }

  /** The webview (re)loaded: after a reload or when it was hidden without retained context. */
  protected abstract onReady(): void | Promise<void>;
  /** A validated request; the return value is the reply's result, a thrown error its message. */
  protected abstract onRequest(method: string, params: unknown): Promise<unknown>;

  private async receive(raw: unknown): Promise<void> {
    const parsed = parseMessage(this.toHost, raw);
    if (!parsed.ok) {
      log(`${this.spec.viewType}: dropped ${parsed.error}`);
      const id = (raw as Incoming | null)?.id;
      if (typeof id === 'number') void this.panel.webview.postMessage({ type: 'reply', id, ok: false, error: `The panel sent an invalid request (${parsed.error}).` });
      return;
    }
    const m = parsed.value as unknown as Incoming;
    this.note(`recv ${m.type}${m.method ? ` ${m.method}` : ''}`);
    switch (m.type) {
      case 'ready':
        this.ready = true;
        // Queued messages first: onReady sends the current full state, which must win over them.
        for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
        this.readyWaiters.splice(0).forEach((r) => r());
        await this.onReady();
        return;
      case 'export':
        await exportPlot(m.format as 'png' | 'svg', m.fileName!, m.data!);
        return;
      case 'webviewError':
        log(`${this.spec.viewType} webview: ${m.message}`);
        this.webviewErrors.push(m.message ?? '');
        return;
      case 'request': {
        try {
          const result = await this.onRequest(m.method!, m.params);
          void this.panel.webview.postMessage({ type: 'reply', id: m.id, ok: true, result });
        } catch (err) {
          void this.panel.webview.postMessage({ type: 'reply', id: m.id, ok: false, error: messageOf(err) });
        }
        return;
      }
    }
  }

  private note(line: string): void {
    this.trace.push(line);
    if (this.trace.length > 200) this.trace.splice(0, this.trace.length - 200);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
    for (const l of this.disposeListeners.splice(0)) l();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  protected onDispose(): void {}
}

/** Asks where to save an exported plot; PNG arrives as a data URL, SVG as markup. */
export async function exportPlot(format: 'png' | 'svg', fileName: string, data: string): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const safe = fileName.replace(/[^\w.-]+/g, '-');
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, safe) : undefined,
    filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
    title: `Export plot as ${format.toUpperCase()}`,
  });
  if (!target) return undefined;
  const bytes = format === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(target)}.`);
  return target;
}

/** One line per message: its type and, where it has one, its status. */
function summary(m: { type: string }): string {
  const o = m as { type: string; status?: string; epoch?: number; run?: { status?: string; epoch?: number }; point?: { epoch?: number } };
  const status = o.status ?? o.run?.status;
  const epoch = o.run?.epoch ?? o.point?.epoch ?? (o.type === 'sample' ? o.epoch : undefined);
  return `${o.type}${status ? ` ${status}` : ''}${epoch !== undefined ? ` e${epoch}` : ''}`;
}
