/** Compare Runs: the perplexity (or loss) curves of several runs on one plot. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { readRunResult, resultsDirFor } from '../../core/experiments/results';
import { CompareState, CompareToHost, type CompareToWebview } from '../../protocol/dashboard';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import type { Services } from '../services';

const KIND = new PanelKind<ComparePanel>({ viewType: 'seqlab.compareRuns', bundle: 'compare', title: 'Compare Runs' });

export class ComparePanel extends Panel<CompareToWebview, CompareToHost> {
  static get current(): ComparePanel | undefined {
    return KIND.get();
  }
  private readonly sub: { dispose(): void };

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services, private runIds: string[]) {
    super(panel, services.context, KIND, CompareToHost);
    KIND.hold(this);
    this.sub = services.registry.onChange((c) => {
      if (this.runIds.includes(c.run.id)) this.send();
    });
  }

  static show(services: Services, runIds: string[]): ComparePanel {
    if (runIds.length === 0) throw new SeqlabError('Pick at least one run to compare.');
    for (const id of runIds) services.registry.require(id);
    const open = KIND.reveal();
    if (!open) return new ComparePanel(KIND.create(), services, runIds);
    open.runIds = runIds;
    open.send();
    return open;
  }

  static serializer(services: Services): vscode.Disposable {
    return KIND.serializer(CompareState, (webview, saved) => void new ComparePanel(webview, services, saved?.runIds ?? []));
  }

  private send(): void {
    const runs = this.runIds.map((id) => this.services.registry.get(id)).filter((r) => r !== undefined);
    const missing = this.runIds.length - runs.length;
    const metric = runs.every((r) => r.metric === 'loss') && runs.length ? 'loss' : 'perplexity';
    // Runs of an experiment file: best loss and BLEU come from their results folder.
    const best = Object.fromEntries(runs.flatMap((r) => {
      const res = r.experiment ? readRunResult(resultsDirFor(r.experiment.file), r.experiment) : undefined;
      return res ? [[r.id, res.best]] : [];
    }));
    this.post({ type: 'runs', metric, runs: runs.map((r) => ({ id: r.id, name: r.name, history: r.history })), ...(Object.keys(best).length ? { best } : {}) });
    if (missing) this.post({ type: 'notice', level: 'warning', text: `${missing} of the compared runs no longer exist.` });
  }

  protected onReady(): void {
    this.send();
  }

  protected async onRequest(method: string): Promise<unknown> {
    throw new SeqlabError(`Unknown request "${method}".`);
  }

  protected override onDispose(): void {
    this.sub.dispose();
  }
}
