/** The beam-search tree of one translation: kept, pruned and finished nodes, the winner's path; k and α live. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { BeamTreeState, BeamTreeToHost, type BeamTreeToWebview, type TranslationView } from '../../protocol/beam-tree';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import type { Services } from '../services';
import { requireTranslator, translateWith } from './translator';
import { AttentionHeatmapPanel } from './attentionHeatmapPanel';
import { attentionFromNode } from './attentionViews';

const KIND = new PanelKind<BeamTreePanel>({ viewType: 'seqlab.beamTree', bundle: 'beam-tree', title: 'Beam Search', placement: 'beside' });

export class BeamTreePanel extends Panel<BeamTreeToWebview, BeamTreeToHost> {
  static get current(): BeamTreePanel | undefined {
    return KIND.get();
  }
  view: TranslationView | undefined;

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services) {
    super(panel, services.context, KIND, BeamTreeToHost);
    KIND.hold(this);
  }

  static show(services: Services, view: TranslationView): BeamTreePanel {
    const p = KIND.reveal() ?? new BeamTreePanel(KIND.create(), services);
    p.setView(view);
    return p;
  }

  static serializer(services: Services): vscode.Disposable {
    return KIND.serializer(BeamTreeState, (webview, saved) => {
      const p = new BeamTreePanel(webview, services);
      if (saved) return p.noticeOnFailure((async () => p.setView(await translateWith(services, requireTranslator(services, saved.runId), saved.source, saved.beam, saved.alpha)))(), 'warning');
    });
  }

  setView(view: TranslationView): void {
    this.view = view;
    this.panel.title = `Beam: ${view.source.slice(0, 30)}`;
    this.post({ type: 'translation', view });
  }

  protected onReady(): void {
    if (this.view) this.post({ type: 'translation', view: this.view });
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (!this.view) throw new SeqlabError('There is no sentence to decode yet.');
    if (method === 'attention') {
      const v = attentionFromNode(this.view, (params as { node: number }).node);
      AttentionHeatmapPanel.show(this.services, v);
      return { rows: v.hypotheses[0].targetTokens.length, cols: v.hypotheses[0].sourceTokens.length };
    }
    if (method !== 'decode') throw new SeqlabError(`Unknown request "${method}".`);
    const { beam, alpha } = params as { beam: number; alpha: number };
    const run = requireTranslator(this.services, this.view.runId);
    this.setView(await translateWith(this.services, run, this.view.source, beam, alpha));
    return { nodes: this.view.tree.nodes.length };
  }
}
