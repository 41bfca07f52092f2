/**
 * Seqlab's extension entry: settings, the Runs side panel, the commands and the webview
 * panels. Heavy work stays off this thread: training runs in child processes (runs/runManager, TrainingProcess).
 */
import * as vscode from 'vscode';
import { initCompute } from './compute/client';
import { registerTranslateCommands } from './translate/commands';
import { BeamTreePanel } from './translate/beamTreePanel';
import { bpttLab, sequenceLab, bpttExplorer, sequenceModelLab, useRunsForBptt } from './labs/labPanels';
import { generateText } from './commands/generateText';
import { exportRunToPyTorch, importPyTorchModel } from './interop/commands';
import { datasetFolder, initData } from './data';
import { guarded, lastShownError, log, outputChannel } from './errors';
import { registerExperimentCommands } from './experiments/commands';
import { ExperimentRunner } from './experiments/runner';
import { offerWalkthroughOnFirstInstall, registerWalkthroughCommands } from './experiments/walkthrough';
import { ComparePanel } from './runs/comparePanel';
import { registerRunCommands } from './runs/commands';
import { DashboardPanel } from './runs/dashboardPanel';
import { HeatmapPanel, showGateHeatmap } from './runs/heatmapPanel';
import { trainingNotifications, trainingStatusBar } from './runs/progress';
import { RunManager } from './runs/runManager';
import { RunRegistry } from './runs/registry';
import { RunsTreeProvider } from './runs/runsTree';
import type { Services } from './services';
import { settings } from './settings';
import { tokenizeSelection } from './tokenize/command';
import { TokenDecorations } from './tokenize/decorations';
import { showVocabStats } from './vocab/command';
import { VocabStatsPanel } from './vocab/vocabStatsPanel';

/** What activate() returns: lets extension-host tests look inside without private hooks. */
export interface SeqlabApi {
  lastError(): string | undefined;
  services: Services;
  /** Message trace and webview-reported errors of every open panel, by view type. */
  panelTraces(): { viewType: string; key: string; trace: string[]; webviewErrors: string[] }[];
  openPanels(): { vocabStats: number; dashboards: string[]; compare: boolean; heatmap: boolean; beamTree: boolean };
  /** Experiment files' run queue and results. */
  experiments: ExperimentRunner;
}

let services: Services | undefined;

export function activate(context: vscode.ExtensionContext): SeqlabApi {
  initData(context);
  const computeClient = initCompute(vscode.Uri.joinPath(context.extensionUri, 'dist', 'compute.js').fsPath);
  // The registry asks the manager which runs are live; the manager needs the registry first.
  const managerRef: { current?: RunManager } = {};
  const registry = new RunRegistry(vscode.Uri.joinPath(context.globalStorageUri, 'runs').fsPath, (id) => managerRef.current?.isActive(id) ?? false);
  for (const w of registry.loadWarnings) void vscode.window.showWarningMessage(`Seqlab: ${w}`);
  const manager = (managerRef.current = new RunManager(registry, {
    workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'train-process.js').fsPath,
    backend: settings.backend,
    checkpointInterval: settings.checkpointInterval,
    dataDirectory: datasetFolder,
    kernelCacheDir: context.globalStorageUri.fsPath,
    log,
  }));
  const decorations = new TokenDecorations();
  const s: Services = { context, registry, manager, decorations };
  useRunsForBptt(registry);
  services = s;
  const tree = new RunsTreeProvider(registry);
  const reg = (id: string, fn: (...a: never[]) => unknown) => vscode.commands.registerCommand(id, guarded(fn as (...a: unknown[]) => unknown));
  const experiments = new ExperimentRunner(s, vscode.Uri.joinPath(context.globalStorageUri, 'experiments', 'queue.json').fsPath);

  context.subscriptions.push(
    outputChannel(),
    decorations,
    tree,
    vscode.window.createTreeView('seqlab.runs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true }),
    trainingStatusBar(s),
    trainingNotifications(s),
    { dispose: () => manager.dispose() },
    computeClient,
    reg('seqlab.showBackend', async () => {
      const msg = `Seqlab is active. Backend setting: ${settings.backend()}; training ${manager.available ? 'runs in a separate process' : 'is not available in this build'}.`;
      void vscode.window.showInformationMessage(msg);
      return msg;
    }),
    reg('seqlab.tokenizeSelection', (args?: Parameters<typeof tokenizeSelection>[1]) => tokenizeSelection(decorations, args)),
    reg('seqlab.clearTokenDecorations', () => decorations.clear()),
    reg('seqlab.showVocabStats', (args?: Parameters<typeof showVocabStats>[1]) => showVocabStats(context, args)),
    reg('seqlab.generateText', (args?: Parameters<typeof generateText>[1]) => generateText(s, args)),
    reg('seqlab.showGateHeatmap', (args?: Parameters<typeof showGateHeatmap>[1]) => showGateHeatmap(s, args)),
    reg('seqlab.importPyTorchModel', (args?: Parameters<typeof importPyTorchModel>[1]) => importPyTorchModel(s, args)),
    reg('seqlab.exportRunToPyTorch', (args?: Parameters<typeof exportRunToPyTorch>[1]) => exportRunToPyTorch(s, args)),
    ...registerRunCommands(s),
    ...registerTranslateCommands(s),
    reg('seqlab.sequenceModelLab', (args?: Parameters<typeof sequenceModelLab>[1]) => sequenceModelLab(context, args)),
    reg('seqlab.bpttExplorer', (args?: Parameters<typeof bpttExplorer>[1]) => bpttExplorer(context, args)),
    sequenceLab.serializer(context),
    bpttLab.serializer(context),
    VocabStatsPanel.serializer(context),
    DashboardPanel.serializer(s),
    ComparePanel.serializer(s),
    HeatmapPanel.serializer(s),
    experiments,
    ...registerExperimentCommands(s, experiments),
    ...registerWalkthroughCommands(context),
  );
  // Runs queued from experiment files before the window closed continue now.
  experiments.resume();
  offerWalkthroughOnFirstInstall(context);
  return {
    experiments,
    lastError: () => lastShownError,
    services: s,
    panelTraces: () =>
      [...VocabStatsPanel.all, ...DashboardPanel.byRun.values(), ComparePanel.current, HeatmapPanel.current, BeamTreePanel.current, sequenceLab.current, bpttLab.current]
        .filter((p) => p !== undefined)
        .map((p) => ({ viewType: p.panel.viewType, key: p instanceof DashboardPanel ? p.runId : p.panel.title, trace: [...p.trace], webviewErrors: [...p.webviewErrors] })),
    openPanels: () => ({ vocabStats: VocabStatsPanel.all.size, dashboards: [...DashboardPanel.byRun.keys()], compare: Boolean(ComparePanel.current), heatmap: Boolean(HeatmapPanel.current), beamTree: Boolean(BeamTreePanel.current) }),
  };
}

export function deactivate(): void {
  services?.manager.dispose();
}
