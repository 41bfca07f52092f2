/** A run's training dashboard: live perplexity curves, n-gram baseline, tokens/s, samples, controls. */
import * as vscode from 'vscode';
import { datasetAttribution } from '../../core/data/registry';
import { SeqlabError } from '../../core/util/errors';
import { DashboardState, DashboardToHost, type DashboardToWebview } from '../../protocol/dashboard';
import type { RunRecord } from '../../protocol/runs';
import { messageOf } from '../errors';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import type { Services } from '../services';
import { hasValidation } from '../../protocol/run-summary';
import { runBaselines, type Baselines } from './baseline';

/** One dashboard per run, held under the run's id. */
const KIND = new PanelKind<DashboardPanel>({ viewType: 'seqlab.dashboard', bundle: 'dashboard', title: 'Training' });

const sampleKey = (s: RunRecord['samples'][number]) => `${s.epoch}\u0000${s.text}`;

export class DashboardPanel extends Panel<DashboardToWebview, DashboardToHost> {
  static readonly byRun = KIND.open;
  private sentEpochs = new Set<number>();
  /** Samples already shown, by epoch and text: the registry keeps only the last MAX_SAMPLES, so a count would stall. */
  private sentSamples = new Set<string>();
  private lastStatus = '';
  private baselines: Baselines | null = null;
  private readonly sub: { dispose(): void };

  private constructor(panel: vscode.WebviewPanel, private readonly services: Services, readonly runId: string) {
    super(panel, services.context, KIND, DashboardToHost);
    KIND.hold(this, runId);
    this.sub = services.registry.onChange((c) => {
      if (c.run.id !== runId) return;
      if (c.kind === 'deleted') {
        this.post({ type: 'deleted', runId });
        this.post({ type: 'notice', level: 'warning', text: `The run "${c.run.name}" was deleted; this dashboard shows its last state and can be closed.` });
      } else this.push(c.run);
    });
    const run = services.registry.get(runId);
    if (run) {
      panel.title = `Training: ${run.name}`;
      void runBaselines(run).then((b) => {
        this.baselines = b;
        const cur = this.services.registry.get(runId);
        if (cur && b) this.sendAll(cur);
      });
    }
  }

  static show(services: Services, runId: string): DashboardPanel {
    const run = services.registry.require(runId);
    return KIND.reveal(runId) ?? new DashboardPanel(KIND.create(`Training: ${run.name}`), services, runId);
  }

  static serializer(services: Services): vscode.Disposable {
    return KIND.serializer(DashboardState, (webview, saved) => {
      const id = saved?.runId ?? '';
      const p = new DashboardPanel(webview, services, id);
      if (!services.registry.get(id)) p.post({ type: 'notice', level: 'warning', text: 'This run no longer exists (it was deleted).' });
    });
  }

  private sendAll(run: RunRecord): void {
    this.sentEpochs = new Set(run.history.map((h) => h.epoch));
    this.sentSamples = new Set(run.samples.map(sampleKey));
    this.lastStatus = `${run.status}|${run.epoch}|${run.error}`;
    const b = this.baselines;
    const choices = b && 'choices' in b ? b.choices : undefined;
    const best = choices?.find((c) => c.best);
    this.post({
      type: 'run',
      run,
      baseline: best ? { n: best.n, perplexity: best.perplexity } : null,
      attribution: datasetAttribution(run.data) ?? null,
      hasValidation: hasValidation(run),
      ...(choices ? { baselines: choices } : {}),
      ...(b && 'none' in b ? { baselineNote: b.none } : {}),
    });
  }

  /** Sends only what changed, so curves grow point by point. */
  private push(run: RunRecord): void {
    if (!this.isReady) return;
    for (const point of run.history) {
      if (this.sentEpochs.has(point.epoch)) continue;
      this.sentEpochs.add(point.epoch);
      this.post({ type: 'metrics', runId: run.id, point });
    }
    for (const s of run.samples) {
      if (this.sentSamples.has(sampleKey(s))) continue;
      this.sentSamples.add(sampleKey(s));
      this.post({ type: 'sample', runId: run.id, epoch: s.epoch, text: s.text, lead: s.lead });
    }
    const status = `${run.status}|${run.epoch}|${run.error}`;
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      this.post({ type: 'status', runId: run.id, status: run.status, epoch: run.epoch, error: run.error });
    }
  }

  protected onReady(): void {
    const run = this.services.registry.get(this.runId);
    if (run) this.sendAll(run);
    else this.post({ type: 'notice', level: 'warning', text: 'This run no longer exists (it was deleted).' });
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method === 'generate') {
      const { prompt } = params as { prompt: string };
      const r = this.services.registry.require(this.runId);
      if (r.kind !== 'language-model') throw new SeqlabError('Only a language model continues prompts.');
      const g = await this.services.manager.generate(this.runId, { prefix: prompt, length: 50 });
      return { text: g.text, epoch: this.services.registry.get(this.runId)?.epoch ?? r.epoch };
    }
    if (method !== 'control') throw new SeqlabError(`Unknown request "${method}".`);
    const { action } = params as { action: 'pause' | 'resume' | 'stop' };
    const m = this.services.manager;
    this.services.registry.require(this.runId);
    try {
      if (action === 'pause') m.pause(this.runId);
      else if (action === 'resume') await m.resume(this.runId);
      else m.stop(this.runId);
    } catch (err) {
      throw new SeqlabError(messageOf(err));
    }
    return { ok: true };
  }

  protected override onDispose(): void {
    this.sub.dispose();
  }
}
