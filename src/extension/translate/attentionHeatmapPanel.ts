/** The Attention Heatmap: target tokens × source tokens of an attention translator's hypotheses. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { AttentionHeatmapState, AttentionHeatmapToHost, type AttentionHeatmapToWebview, type AttentionView } from '../../protocol/attention-heatmap';
import { messageOf } from '../errors';
import { Panel } from '../panels/panel';
import type { Services } from '../services';
import { settings } from '../settings';
import { attentionFromTranslations } from './attentionViews';
import { requireTranslator, translateWith } from './translator';

const VIEW_TYPE = 'seqlab.attentionHeatmap';

export class AttentionHeatmapPanel extends Panel<AttentionHeatmapToWebview, AttentionHeatmapToHost> {
  static current: AttentionHeatmapPanel | undefined;
  view: AttentionView | undefined;

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services) {
    super(panel, services.context, { viewType: VIEW_TYPE, bundle: 'attention-heatmap', title: 'Attention Heatmap' }, AttentionHeatmapToHost);
    AttentionHeatmapPanel.current = this;
  }

  static show(services: Services, view: AttentionView): AttentionHeatmapPanel {
    let p = AttentionHeatmapPanel.current;
    if (p) p.panel.reveal(vscode.ViewColumn.Beside, true);
    else {
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Attention Heatmap', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      p = new AttentionHeatmapPanel(panel, services);
    }
    p.setView(view);
    return p;
  }

  static serializer(services: Services): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel, raw) {
        const p = new AttentionHeatmapPanel(panel, services);
        const st = AttentionHeatmapState.safeParse(raw);
        if (!st.success) return;
        try {
          p.setView(await attentionFor(services, st.data.runId, st.data.source, st.data.selected ?? 0));
        } catch (err) {
          p.post({ type: 'notice', level: 'warning', text: messageOf(err) });
        }
      },
    });
  }

  setView(view: AttentionView): void {
    this.view = view;
    this.panel.title = `Attention: ${view.source.slice(0, 30)}`;
    this.post({ type: 'attention', view });
  }

  protected onReady(): void {
    if (this.view) this.post({ type: 'attention', view: this.view });
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method !== 'translate') throw new SeqlabError(`Unknown request "${method}".`);
    if (!this.view) throw new SeqlabError('There is no translator to translate with yet.');
    this.setView(await attentionFor(this.services, this.view.runId, (params as { text: string }).text));
    return { hypotheses: this.view.hypotheses.length };
  }

  protected override onDispose(): void {
    if (AttentionHeatmapPanel.current === this) AttentionHeatmapPanel.current = undefined;
  }
}

/** Translates with the run's translator (beam size from the settings) and makes the n-best heatmap view. */
export async function attentionFor(s: Services, runId: string | undefined, text: string, selected = 0): Promise<AttentionView> {
  const run = requireTranslator(s, runId, 'attention');
  return attentionFromTranslations(await translateWith(s, run, text, settings.beamSize(), 0.75), selected);
}
