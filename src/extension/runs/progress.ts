/** Training progress outside the dashboard: a status-bar item and a cancellable notification. */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { describeRun } from './runsTree';

export function trainingStatusBar(s: Services): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('seqlab.training', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Seqlab training';
  const update = () => {
    const active = s.registry.list().filter((r) => r.status === 'running' || r.status === 'paused');
    if (active.length === 0) return item.hide();
    const r = active[0];
    item.text = `$(${r.status === 'running' ? 'sync~spin' : 'debug-pause'}) ${r.model.cell.toUpperCase()} ${r.epoch}/${r.epochs}${r.latest !== null ? ` · ppl ${r.latest.toFixed(2)}` : ''}${active.length > 1 ? ` (+${active.length - 1})` : ''}`;
    item.tooltip = active.map((x) => `${x.name}: ${describeRun(x)}`).join('\n');
    item.command = { command: 'seqlab.runs.openDashboard', title: 'Open Dashboard', arguments: [r.id] };
    item.show();
  };
  const sub = s.registry.onChange(update);
  update();
  return { dispose: () => (sub.dispose(), item.dispose()) };
}

/** A notification that follows one run until it ends; Cancel stops the run. */
export function trainingNotification(s: Services, runId: string): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Seqlab: training ${s.registry.get(runId)?.name ?? runId}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let lastEpoch = 0;
        const finish = () => {
          sub.dispose();
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
          if (r.epoch > lastEpoch) {
            progress.report({ increment: (100 * (r.epoch - lastEpoch)) / r.epochs, message: describeRun(r) });
            lastEpoch = r.epoch;
          }
          if (!['running', 'paused', 'queued'].includes(r.status)) finish();
        });
      }),
  );
}
