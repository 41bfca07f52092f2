/**
 * A lab panel: one per lab, opened or revealed by its command, restored after a reload,
 * and re-run from the controls in the panel. Every run goes through the compute thread and
 * its result replaces the panel's whole state, so a reloaded webview gets it back at once.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import { SeqlabError } from '../../core/util/errors';
import type { NoticeMessage } from '../../protocol/common';
import { messageOf } from '../errors';
import { Panel, type PanelSpec } from '../panels/panel';

type Notice = z.infer<typeof NoticeMessage>;
type OptionsSchema<O> = { safeParse(v: unknown): { success: true; data: O } | { success: false; error: { issues: { path: PropertyKey[] }[] } } };

export interface LabSpec<O, M extends { type: string }, H extends { type: string }, R> extends PanelSpec {
  toHost: z.ZodType<H>;
  options: OptionsSchema<O>;
  defaults: O;
  compute(opts: O): Promise<R>;
  /** The panel's full state after a run. */
  message(opts: O, result: R): M;
  /** What a `run` request from the panel resolves with. */
  reply(last: M): unknown;
}

/** The lab's kind: it knows the one open panel, if any. */
export class Lab<O, M extends { type: string }, H extends { type: string }, R> {
  current: LabPanel<O, M, H, R> | undefined;

  constructor(readonly spec: LabSpec<O, M, H, R>) {}

  async show(context: vscode.ExtensionContext, opts: O = this.spec.defaults): Promise<LabPanel<O, M, H, R>> {
    let p = this.current;
    if (p) p.panel.reveal();
    else p = new LabPanel(vscode.window.createWebviewPanel(this.spec.viewType, this.spec.title, vscode.ViewColumn.Active, { enableScripts: true }), context, this);
    await p.run(opts);
    return p;
  }

  serializer(context: vscode.ExtensionContext): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(this.spec.viewType, {
      deserializeWebviewPanel: async (panel, raw) => {
        const p = new LabPanel(panel, context, this);
        const st = this.spec.options.safeParse(raw);
        // No saved state (closed before its first run) or one from older options: use the defaults.
        const opts = st.success ? st.data : this.spec.defaults;
        p.run(opts).catch(async (err) => {
          p.post({ type: 'notice', level: 'error', text: messageOf(err) });
          // The saved options may name what is gone (a deleted run): show the defaults, not nothing.
          if (opts !== this.spec.defaults) await p.run(this.spec.defaults).catch(() => undefined);
        });
      },
    });
  }
}

/** Created only through its Lab (show or serializer), which then holds it as `current`. */
export class LabPanel<O, M extends { type: string }, H extends { type: string }, R> extends Panel<M | Notice, H> {
  last: M | undefined;

  constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, private readonly lab: Lab<O, M, H, R>) {
    super(panel, context, { viewType: lab.spec.viewType, bundle: lab.spec.bundle, title: lab.spec.title }, lab.spec.toHost);
    lab.current = this;
  }

  async run(opts: O): Promise<void> {
    const result = await this.lab.spec.compute(opts);
    this.last = this.lab.spec.message(opts, result);
    this.post(this.last);
  }

  protected onReady(): void {
    if (this.last) this.post(this.last);
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method !== 'run') throw new SeqlabError(`Unknown request "${method}".`);
    await this.run(parseLab(this.lab.spec.options, params as Record<string, unknown>));
    return this.lab.spec.reply(this.last!);
  }

  protected override onDispose(): void {
    if (this.lab.current === this) this.lab.current = undefined;
  }
}

const LIMITS: Record<string, string> = {
  tau: 'τ must be a whole number from 1 to 64',
  epochs: 'The number of epochs must be a whole number from 1 to 200',
  seed: 'The seed must be a whole number ≥ 0',
  steps: 'The number of steps must be a whole number from 2 to 200',
  hidden: 'The number of hidden units must be a whole number from 1 to 512',
  initStd: 'The initial weight scale must be a positive number up to 10 (or empty for 1/√H)',
};

/** Validates lab options with one sentence naming the bad value. */
export function parseLab<T>(schema: OptionsSchema<T>, raw: Record<string, unknown>): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const key = String(r.error.issues[0]?.path[0] ?? '');
  throw new SeqlabError(`${LIMITS[key] ?? `The option "${key}" is invalid`}, got ${JSON.stringify(raw[key])}.`);
}
