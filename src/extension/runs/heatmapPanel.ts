/** Show Gate Heatmap: a GRU/LSTM run's gates and states over an input text, units × time steps. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { HeatmapState, HeatmapToHost, type HeatmapToWebview } from '../../protocol/heatmap';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import type { Services } from '../services';
import { pickRun, type RunArg } from './pickRun';

const KIND = new PanelKind<HeatmapPanel>({ viewType: 'seqlab.gateHeatmap', bundle: 'heatmap', title: 'Gate Heatmap' });
/** Longer inputs make unreadable maps; the model records at most this many steps here. */
export const MAX_HEATMAP_CHARS = 400;

export class HeatmapPanel extends Panel<HeatmapToWebview, HeatmapToHost> {
  static get current(): HeatmapPanel | undefined {
    return KIND.get();
  }
  last: Extract<HeatmapToWebview, { type: 'activations' }> | undefined;
  private readonly sub: { dispose(): void };

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services, private runId: string, private text: string) {
    super(panel, services.context, KIND, HeatmapToHost);
    KIND.hold(this);
    this.sub = services.registry.onChange((c) => {
      if (c.kind === 'deleted' && c.run.id === this.runId) {
        this.post({ type: 'deleted', runId: this.runId });
        this.post({ type: 'notice', level: 'warning', text: `The run "${c.run.name}" was deleted; the heatmap shows its last recording.` });
      }
    });
  }

  static async show(services: Services, runId: string, text: string): Promise<HeatmapPanel> {
    const open = KIND.reveal();
    if (open) open.runId = runId;
    const p = open ?? new HeatmapPanel(KIND.create(), services, runId, text);
    await p.record(text);
    return p;
  }

  static serializer(services: Services): vscode.Disposable {
    return KIND.serializer(HeatmapState, (webview, saved) => {
      const p = new HeatmapPanel(webview, services, saved?.runId ?? '', saved?.text ?? 'time traveller');
      void p.noticeOnFailure(p.record(p.text));
    });
  }

  async record(text: string): Promise<void> {
    const run = this.services.registry.require(this.runId);
    const clean = text.slice(0, MAX_HEATMAP_CHARS);
    if (clean.trim().length === 0) throw new SeqlabError('The input text is empty; select or type some text to feed the model.', 'empty-input');
    const result = await this.services.manager.activations(this.runId, clean);
    this.text = clean;
    this.panel.title = `Gates: ${run.name}`;
    this.last = { type: 'activations', runId: run.id, runName: run.name, cell: run.model.cell, text: clean, result };
    this.post(this.last);
  }

  protected onReady(): void {
    if (this.last) this.post(this.last);
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method !== 'record') throw new SeqlabError(`Unknown request "${method}".`);
    await this.record((params as { text: string }).text);
    return { steps: this.last?.result.tokens.length ?? 0 };
  }

  protected override onDispose(): void {
    this.sub.dispose();
  }
}

export interface HeatmapArgs {
  run?: RunArg;
  text?: string;
}

export async function showGateHeatmap(s: Services, args: HeatmapArgs = {}): Promise<{ steps: number; units: number; gates: string[] } | undefined> {
  const run = await pickRun(s.registry, args.run, {
    title: 'Heatmap of which run? (GRU and LSTM have gates)',
    filter: (r) => r.kind === 'language-model' && (Boolean(r.checkpoint) || s.manager.isActive(r.id)),
  });
  if (!run) return undefined;
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const text = args.text ?? selected ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: 'Input text to feed the model', value: 'time traveller' }));
  if (text === undefined) return undefined;
  const p = await HeatmapPanel.show(s, run.id, text);
  const l0 = p.last!.result.layers[0];
  return { steps: p.last!.result.tokens.length, units: l0?.hidden[0]?.length ?? 0, gates: Object.keys(l0?.gates ?? {}) };
}
