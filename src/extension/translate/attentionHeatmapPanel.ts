/** The Attention Heatmap: target tokens × source tokens of an attention translator's hypotheses. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { AttentionHeatmapState, AttentionHeatmapToHost, type AttentionHeatmapToWebview, type AttentionView } from '../../protocol/attention-heatmap';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import type { Services } from '../services';
import { settings } from '../settings';
import { attentionFromTranslations } from './attentionViews';
import { requireTranslator, translateWith } from './translator';

const KIND = new PanelKind<AttentionHeatmapPanel>({ viewType: 'seqlab.attentionHeatmap', bundle: 'attention-heatmap', title: 'Attention Heatmap', placement: 'beside' });

export class AttentionHeatmapPanel extends Panel<AttentionHeatmapToWebview, AttentionHeatmapToHost> {
  static get current(): AttentionHeatmapPanel | undefined {
    return KIND.get();
  }
  view: AttentionView | undefined;

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services) {
    super(panel, services.context, KIND, AttentionHeatmapToHost);
    KIND.hold(this);
  }

  static show(services: Services, view: AttentionView): AttentionHeatmapPanel {
    const p = KIND.reveal() ?? new AttentionHeatmapPanel(KIND.create(), services);
    p.setView(view);
    return p;
  }

  static serializer(services: Services): vscode.Disposable {
    return KIND.serializer(AttentionHeatmapState, (webview, saved) => {
      const p = new AttentionHeatmapPanel(webview, services);
      if (saved) return p.noticeOnFailure(attentionFor(services, saved.runId, saved.source, saved.selected ?? 0).then((v) => p.setView(v)), 'warning');
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
}

/** Translates with the run's translator (beam size from the settings) and makes the n-best heatmap view. */
export async function attentionFor(s: Services, runId: string | undefined, text: string, selected = 0): Promise<AttentionView> {
  const run = requireTranslator(s, runId, 'attention');
  return attentionFromTranslations(await translateWith(s, run, text, settings.beamSize(), 0.75), selected);
}
