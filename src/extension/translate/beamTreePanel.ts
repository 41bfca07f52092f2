/** The beam-search tree of one translation: kept, pruned and finished nodes, the winner's path; k and α live. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { BeamTreeState, BeamTreeToHost, type BeamTreeToWebview, type TranslationView } from '../../protocol/beam-tree';
import { messageOf } from '../errors';
import { Panel } from '../panels/panel';
import type { Services } from '../services';
import { requireTranslator, translateWith } from './translator';
import { AttentionHeatmapPanel } from './attentionHeatmapPanel';
import { attentionFromNode } from './attentionViews';

const VIEW_TYPE = 'seqlab.beamTree';

export class BeamTreePanel extends Panel<BeamTreeToWebview, BeamTreeToHost> {
  static current: BeamTreePanel | undefined;
  view: TranslationView | undefined;

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services) {
    super(panel, services.context, { viewType: VIEW_TYPE, bundle: 'beam-tree', title: 'Beam Search' }, BeamTreeToHost);
    BeamTreePanel.current = this;
  }

  static show(services: Services, view: TranslationView): BeamTreePanel {
    let p = BeamTreePanel.current;
    if (p) p.panel.reveal(vscode.ViewColumn.Beside, true);
    else {
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Beam Search', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      p = new BeamTreePanel(panel, services);
    }
    p.setView(view);
    return p;
  }

  static serializer(services: Services): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel, raw) {
        const p = new BeamTreePanel(panel, services);
        const st = BeamTreeState.safeParse(raw);
        if (!st.success) return;
        try {
          const run = requireTranslator(services, st.data.runId);
          p.setView(await translateWith(services, run, st.data.source, st.data.beam, st.data.alpha));
        } catch (err) {
          p.post({ type: 'notice', level: 'warning', text: messageOf(err) });
        }
      },
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

  protected override onDispose(): void {
    if (BeamTreePanel.current === this) BeamTreePanel.current = undefined;
  }
}
