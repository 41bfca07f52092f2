/**
 * Training progress outside the dashboard: a status-bar item, a cancellable notification that
 * follows each run while it trains (started, resumed or continued after a reload alike) and a
 * closing message that says how it ended.
 */
import * as vscode from 'vscode';
import type { RunRecord } from '../../protocol/runs';
import { formatDuration, latestMetric, metricShort, runKindLabel, runTiming } from '../../protocol/run-summary';
import type { Services } from '../services';
import { describeRun } from './runsTree';

/** The status bar's words for a run, e.g. "GRU 12/30 · ppl 6.120" or "Seq2seq 85/300 · loss 0.041". */
export function statusBarText(r: RunRecord): string {
  const value = r.latest === null ? '' : ` · ${metricShort(r)} ${r.latest.toFixed(r.latest < 10 ? 3 : 1)}`;
  return `${runKindLabel(r)} ${r.epoch}/${r.epochs}${value}`;
}

export function trainingStatusBar(s: Services): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('seqlab.training', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Seqlab training';
  const update = () => {
    const active = s.registry.list().filter((r) => r.status === 'running' || r.status === 'paused');
    if (active.length === 0) return item.hide();
    const r = active[0];
    item.text = `$(${r.status === 'running' ? 'sync~spin' : 'debug-pause'}) ${statusBarText(r)}${active.length > 1 ? ` (+${active.length - 1})` : ''}`;
    item.tooltip = active.map((x) => `${x.name}: ${describeRun(x)}`).join('\n');
    item.command = { command: 'seqlab.runs.openDashboard', title: 'Open Dashboard', arguments: [r.id] };
    item.show();
  };
  const sub = s.registry.onChange(update);
  update();
  return { dispose: () => (sub.dispose(), item.dispose()) };
}

/** Runs whose notification is showing: one per run, however often it is paused and resumed. */
const following = new Set<string>();

/** Shows a run's progress notification whenever it (re)starts training. */
export function trainingNotifications(s: Services): vscode.Disposable {
  const sub = s.registry.onChange((c) => {
    if (c.kind !== 'deleted' && c.run.status === 'running') trainingNotification(s, c.run.id);
  });
  return { dispose: () => sub.dispose() };
}

/** A notification that follows one run until it ends; Cancel stops the run. */
export function trainingNotification(s: Services, runId: string): void {
  if (following.has(runId)) return;
  following.add(runId);
  const start = s.registry.get(runId);
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Seqlab: training ${start?.name ?? runId}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        // Resumed runs start part-way: the bar begins where the run stands.
        let lastEpoch = 0;
        const report = (r: RunRecord) => {
          if (r.epoch > lastEpoch) {
            progress.report({ increment: (100 * (r.epoch - lastEpoch)) / r.epochs, message: describeRun(r) });
            lastEpoch = r.epoch;
          }
        };
        const finish = () => {
          sub.dispose();
          following.delete(runId);
          resolve();
        };
        token.onCancellationRequested(() => {
          try {
            s.manager.stop(runId);
          } finally {
            finish();
          }
        });
        const sub = s.registry.onChange((c) => {
          if (c.run.id !== runId) return;
          if (c.kind === 'deleted') return finish();
          const r = c.run;
          report(r);
          if (!['running', 'paused', 'queued'].includes(r.status)) {
            finish();
            void announceEnd(r);
          }
        });
        if (start) {
          progress.report({ message: describeRun(start) });
          report(start);
        }
      }),
  );
}

/** Says how a run ended: its final metric and time, with a way to its dashboard. */
async function announceEnd(r: RunRecord): Promise<void> {
  const time = formatDuration(runTiming(r).elapsedMs);
  const metric = latestMetric(r);
  let pick: string | undefined;
  if (r.status === 'done') {
    pick = await vscode.window.showInformationMessage(`Seqlab: ${r.name} finished ${r.epochs} epochs${metric ? ` — ${metric}` : ''}, ${time} of training.`, 'Open Dashboard');
  } else if (r.status === 'stopped') {
    pick = await vscode.window.showInformationMessage(`Seqlab: ${r.name} stopped at epoch ${r.epoch} of ${r.epochs}${metric ? ` — ${metric}` : ''}; Resume continues from its checkpoint.`, 'Open Dashboard');
  } else if (r.status === 'failed') {
    pick = await vscode.window.showErrorMessage(`Seqlab: ${r.name} failed at epoch ${r.epoch}: ${r.error ?? 'unknown error'}`, 'Open Dashboard');
  } else return;
  if (pick === 'Open Dashboard') await vscode.commands.executeCommand('seqlab.runs.openDashboard', r.id);
}
