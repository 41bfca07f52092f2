/** The Runs tree in the Seqlab side panel: one item per run, details as children. */
import * as vscode from 'vscode';
import type { RunRecord } from '../../protocol/runs';
import { latestMetric, metricName, timingText } from '../../protocol/run-summary';
import type { RunRegistry } from './registry';

const ICONS: Record<RunRecord['status'], [string, string?]> = {
  queued: ['clock'],
  running: ['sync~spin', 'charts.blue'],
  paused: ['debug-pause', 'charts.yellow'],
  stopped: ['debug-stop'],
  done: ['pass', 'charts.green'],
  failed: ['error', 'charts.red'],
  interrupted: ['warning', 'charts.orange'],
};

export type RunsNode =
  | { kind: 'run'; run: RunRecord }
  | { kind: 'detail'; runId: string; label: string; value: string }
  /** The runs of one experiment file (src/extension/experiments), grouped. */
  | { kind: 'experiment'; file: string; name: string };

export function describeRun(r: RunRecord): string {
  const progress = `epoch ${r.epoch}/${r.epochs}`;
  const metric = latestMetric(r);
  return `${r.status} · ${progress}${metric ? ` · ${metric}` : ''}`;
}

export function modelLabel(r: RunRecord): string {
  const m = r.model;
  const layers = `${m.layers > 1 ? `${m.layers}-layer ` : ''}${m.bidirectional ? 'bidirectional ' : ''}${m.cell.toUpperCase()}`;
  if (r.kind === 'translator') return `seq2seq encoder–decoder · ${layers} · ${m.hidden} hidden · ${m.token} tokens`;
  return `${layers} · ${m.hidden} hidden · ${m.token}`;
}

/** Top level of the tree: runs of an experiment file under one node, placed where its newest run is. */
function groupByExperiment(runs: RunRecord[]): RunsNode[] {
  const seen = new Set<string>();
  const out: RunsNode[] = [];
  for (const run of runs) {
    if (!run.experiment) out.push({ kind: 'run', run });
    else if (!seen.has(run.experiment.file)) {
      seen.add(run.experiment.file);
      out.push({ kind: 'experiment', file: run.experiment.file, name: run.experiment.name });
    }
  }
  return out;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: { dispose(): void };

  constructor(private readonly registry: RunRegistry) {
    this.sub = registry.onChange(() => this.changed.fire(undefined));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return groupByExperiment(this.registry.list());
    if (node.kind === 'experiment') return this.experimentRuns(node.file).map((run) => ({ kind: 'run', run }));
    if (node.kind !== 'run') return [];
    const r = this.registry.get(node.run.id) ?? node.run;
    const rows: [string, string][] = [
      ['model', modelLabel(r)],
      ['data', r.data],
      ['progress', `${r.epoch} of ${r.epochs} epochs (${Math.round((100 * r.epoch) / r.epochs)} %)`],
      [metricName(r), r.latest === null ? '—' : r.latest.toFixed(3)],
      ['time', timingText(r) || '—'],
      ['checkpoint', r.checkpoint ? `epoch ${r.history.length ? r.epoch : 0}` : 'none yet'],
    ];
    if (r.error) rows.push(['error', r.error]);
    return rows.map(([label, value]) => ({ kind: 'detail', runId: r.id, label, value }));
  }

  /** An experiment's runs in the order they were queued. */
  private experimentRuns(file: string): RunRecord[] {
    return this.registry.list().filter((r) => r.experiment?.file === file).reverse();
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const runs = this.experimentRuns(node.file);
      const counts = new Map<string, number>();
      for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `experiment:${node.file}`;
      item.description = `${runs.length} run${runs.length === 1 ? '' : 's'} · ${[...counts].map(([st, n]) => `${n} ${st}`).join(', ')}`;
      item.tooltip = `Experiment ${node.name}\n${node.file}`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'experiment';
      item.resourceUri = vscode.Uri.file(node.file);
      return item;
    }
    if (node.kind === 'detail') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.value;
      item.tooltip = `${node.label}: ${node.value}`;
      item.contextValue = 'runDetail';
      return item;
    }
    const r = node.run;
    const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = r.id;
    item.description = describeRun(r);
    const [icon, color] = ICONS[r.status];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    // Inline actions are chosen by status in package.json's view/item/context menus; `.translator` offers Compare Translators.
    item.contextValue = `run.${r.status}${r.kind === 'translator' ? '.translator' : ''}${r.checkpoint ? '.ckpt' : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${r.name}** — ${r.kind === 'translator' ? 'translator' : 'language model'}\n\n`);
    md.appendMarkdown(`- model: ${modelLabel(r)}\n- data: ${r.data}\n- status: ${r.status}\n- epoch ${r.epoch} / ${r.epochs}\n`);
    if (r.latest !== null) md.appendMarkdown(`- latest: ${latestMetric(r)}\n`);
    if (timingText(r)) md.appendMarkdown(`- time: ${timingText(r)}\n`);
    if (r.engine) md.appendMarkdown(`- trained on: ${r.engine}\n`);
    if (r.error) md.appendMarkdown(`- error: ${r.error}\n`);
    item.tooltip = md;
    item.command = { command: 'seqlab.runs.openDashboard', title: 'Open Dashboard', arguments: [node] };
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
