/**
 * Sequence Model Lab (d2l 8.1's noisy sine with 1/4/16/64-step predictions) and the BPTT
 * Gradient Explorer (d2l 8.7's vanishing gradients, RNN vs GRU vs LSTM). Both compute on
 * the compute thread and re-run from controls in their panels.
 */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { BpttOptions, BpttToHost, SineOptions, SineToHost, type BpttToWebview, type SineToWebview } from '../../protocol/labs';
import { compute } from '../compute/client';
import { messageOf } from '../errors';
import { Panel } from '../panels/panel';
import { settings } from '../settings';

export const SINE_DEFAULTS: SineOptions = { tau: 4, epochs: 5, seed: 0 };
export const BPTT_DEFAULTS: BpttOptions = { steps: 50, hidden: 32, initStd: null, seed: 0 };

export class SequenceLabPanel extends Panel<SineToWebview, SineToHost> {
  static current: SequenceLabPanel | undefined;
  last: Extract<SineToWebview, { type: 'sine' }> | undefined;

  private constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext) {
    super(panel, context, { viewType: 'seqlab.sequenceLab', bundle: 'sequence-lab', title: 'Sequence Model Lab' }, SineToHost);
    SequenceLabPanel.current = this;
  }

  static async show(context: vscode.ExtensionContext, opts: SineOptions = SINE_DEFAULTS): Promise<SequenceLabPanel> {
    let p = SequenceLabPanel.current;
    if (p) p.panel.reveal();
    else p = new SequenceLabPanel(vscode.window.createWebviewPanel('seqlab.sequenceLab', 'Sequence Model Lab', vscode.ViewColumn.Active, { enableScripts: true }), context);
    await p.run(opts);
    return p;
  }

  static serializer(context: vscode.ExtensionContext): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer('seqlab.sequenceLab', {
      async deserializeWebviewPanel(panel, raw) {
        const p = new SequenceLabPanel(panel, context);
        const st = SineOptions.safeParse(raw);
        p.run(st.success ? st.data : SINE_DEFAULTS).catch((err) => p.post({ type: 'notice', level: 'error', text: messageOf(err) }));
      },
    });
  }

  async run(opts: SineOptions): Promise<void> {
    const result = await compute().run('sine', { ...opts, backend: settings.backend() });
    this.last = { type: 'sine', options: opts, nTrain: 600, result };
    this.post(this.last);
  }

  protected onReady(): void {
    if (this.last) this.post(this.last);
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method !== 'run') throw new SeqlabError(`Unknown request "${method}".`);
    await this.run(parseLab<SineOptions>(SineOptions, params as Record<string, unknown>));
    return { kStepMse: this.last?.result.kStepMse };
  }

  protected override onDispose(): void {
    if (SequenceLabPanel.current === this) SequenceLabPanel.current = undefined;
  }
}

export class BpttPanel extends Panel<BpttToWebview, BpttToHost> {
  static current: BpttPanel | undefined;
  last: Extract<BpttToWebview, { type: 'bptt' }> | undefined;

  private constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext) {
    super(panel, context, { viewType: 'seqlab.bptt', bundle: 'bptt', title: 'BPTT Gradient Explorer' }, BpttToHost);
    BpttPanel.current = this;
  }

  static async show(context: vscode.ExtensionContext, opts: BpttOptions = BPTT_DEFAULTS): Promise<BpttPanel> {
    let p = BpttPanel.current;
    if (p) p.panel.reveal();
    else p = new BpttPanel(vscode.window.createWebviewPanel('seqlab.bptt', 'BPTT Gradient Explorer', vscode.ViewColumn.Active, { enableScripts: true }), context);
    await p.run(opts);
    return p;
  }

  static serializer(context: vscode.ExtensionContext): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer('seqlab.bptt', {
      async deserializeWebviewPanel(panel, raw) {
        const p = new BpttPanel(panel, context);
        const st = BpttOptions.safeParse(raw);
        p.run(st.success ? st.data : BPTT_DEFAULTS).catch((err) => p.post({ type: 'notice', level: 'error', text: messageOf(err) }));
      },
    });
  }

  async run(opts: BpttOptions): Promise<void> {
    const results = await compute().run('bptt', { ...opts, backend: settings.backend() });
    this.last = { type: 'bptt', options: opts, results };
    this.post(this.last);
  }

  protected onReady(): void {
    if (this.last) this.post(this.last);
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method !== 'run') throw new SeqlabError(`Unknown request "${method}".`);
    await this.run(parseLab<BpttOptions>(BpttOptions, params as Record<string, unknown>));
    return { ratios: this.last?.results.map((r) => r.ratio) };
  }

  protected override onDispose(): void {
    if (BpttPanel.current === this) BpttPanel.current = undefined;
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
function parseLab<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[] }[] } } }, raw: Record<string, unknown>): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const key = String(r.error.issues[0]?.path[0] ?? '');
  throw new SeqlabError(`${LIMITS[key] ?? `The option "${key}" is invalid`}, got ${JSON.stringify(raw[key])}.`);
}

export async function sequenceModelLab(context: vscode.ExtensionContext, args: Partial<SineOptions> = {}) {
  const opts = parseLab<SineOptions>(SineOptions, { ...SINE_DEFAULTS, ...args });
  const p = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seqlab: training the sine MLP (d2l 8.1)…' }, () => SequenceLabPanel.show(context, opts));
  return { trainMse: p.last!.result.trainMse, kStepMse: p.last!.result.kStepMse, onestepMse: p.last!.result.onestepMse, multistepMse: p.last!.result.multistepMse };
}

export async function bpttExplorer(context: vscode.ExtensionContext, args: Partial<BpttOptions> = {}) {
  const opts = parseLab<BpttOptions>(BpttOptions, { ...BPTT_DEFAULTS, ...args });
  const p = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seqlab: measuring gradients through time (d2l 8.7)…' }, () => BpttPanel.show(context, opts));
  return p.last!.results.map((r) => ({ kind: r.kind, ratio: r.ratio, steps: r.gradNorms.length }));
}
