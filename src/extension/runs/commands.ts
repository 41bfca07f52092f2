/** The Runs tree's actions and the training commands: new run, start/pause/resume/stop, delete, … */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { LANGUAGE_MODELS } from '../../core/models/registry';
import type { RunRecord } from '../../protocol/runs';
import { guarded } from '../errors';
import type { Services } from '../services';
import { settings, type Cell, type HyperParameters } from '../settings';
import { ComparePanel } from './comparePanel';
import { DashboardPanel } from './dashboardPanel';
import { launchRun } from './launch';
import { pickRun, type RunArg } from './pickRun';

export interface TrainArgs {
  data?: string;
  cell?: Cell;
  layers?: number;
  bidirectional?: boolean;
  token?: 'char' | 'word' | 'bpe';
  hyper?: Partial<HyperParameters> & Record<string, number | string | boolean>;
  name?: string;
  /** Open the dashboard (default true). */
  dashboard?: boolean;
}

export function registerRunCommands(s: Services): vscode.Disposable[] {
  const { registry, manager } = s;
  const reg = (id: string, fn: (...a: never[]) => unknown) => vscode.commands.registerCommand(id, guarded(fn as (...a: unknown[]) => unknown));
  return [
    reg('seqlab.trainLanguageModel', (args?: TrainArgs) => trainLanguageModel(s, args)),
    reg('seqlab.runs.newRun', () => trainLanguageModel(s)),
    reg('seqlab.runs.refresh', () => {
      s.registry.reload();
      return s.registry.list().map((r) => ({ id: r.id, status: r.status }));
    }),
    reg('seqlab.runs.start', async (arg?: RunArg) => {
      const r = await pickRun(registry, arg, { title: 'Start which run?', filter: (x) => !manager.isActive(x.id) && x.status !== 'done' });
      if (!r) return;
      await manager.start(r.id);
      return registry.get(r.id)?.status;
    }),
    reg('seqlab.runs.pause', async (arg?: RunArg) => {
      const r = await pickRun(registry, arg, { title: 'Pause which run?', filter: (x) => x.status === 'running' });
      if (r) manager.pause(r.id);
    }),
    reg('seqlab.runs.resume', async (arg?: RunArg) => {
      const r = await pickRun(registry, arg, { title: 'Resume which run?', filter: (x) => x.status === 'paused' || x.status === 'interrupted' || x.status === 'stopped' });
      if (r) await manager.resume(r.id);
    }),
    reg('seqlab.runs.stop', async (arg?: RunArg) => {
      const r = await pickRun(registry, arg, { title: 'Stop which run?', filter: (x) => ['running', 'paused', 'interrupted', 'queued'].includes(x.status) });
      if (r) manager.stop(r.id);
    }),
    reg('seqlab.runs.openDashboard', async (arg?: RunArg) => {
      const r = await pickRun(registry, arg, { title: 'Open the dashboard of which run?' });
      if (r) return DashboardPanel.show(s, r.id).runId;
    }),
    reg('seqlab.runs.delete', async (arg?: RunArg, opts?: { force?: boolean }) => {
      const r = await pickRun(registry, arg, { title: 'Delete which run?' });
      if (!r) return false;
      if (!opts?.force) {
        const ok = await vscode.window.showWarningMessage(`Delete the run "${r.name}" and its checkpoints?`, { modal: true }, 'Delete');
        if (ok !== 'Delete') return false;
      }
      await manager.delete(r.id);
      return true;
    }),
    reg('seqlab.runs.revealCheckpoint', async (arg?: RunArg) => {
      const r = await pickRun(registry, arg, { title: 'Reveal the checkpoint of which run?', filter: (x) => Boolean(x.checkpoint) });
      if (!r) return;
      if (!r.checkpoint || !existsSync(r.checkpoint)) throw new SeqlabError(`The run "${r.name}" has no checkpoint on disk yet.`, 'no-checkpoint');
      const uri = vscode.Uri.file(r.checkpoint);
      // A browser workbench (code-server) cannot open the OS file manager: show the folder's pointer file instead.
      if (vscode.env.uiKind === vscode.UIKind.Web) {
        const pointer = ['checkpoint.json', 'latest.json', 'LATEST'].map((f) => join(r.checkpoint!, f)).find((f) => existsSync(f));
        if (pointer) await vscode.window.showTextDocument(vscode.Uri.file(pointer));
        void vscode.window.showInformationMessage(`Checkpoint of "${r.name}": ${r.checkpoint}`);
      } else {
        await vscode.commands.executeCommand('revealFileInOS', uri);
      }
      return r.checkpoint;
    }),
    reg('seqlab.compareRuns', async (ids?: string[]) => {
      let runIds = ids;
      if (!runIds) {
        const runs = registry.list().filter((r) => r.history.length > 0);
        if (runs.length === 0) throw new SeqlabError('No run has finished an epoch yet, so there are no curves to compare.', 'no-runs');
        const picks = await vscode.window.showQuickPick(
          runs.map((r) => ({ label: r.name, description: `${r.history.length} epochs`, picked: true, id: r.id })),
          { canPickMany: true, ignoreFocusOut: true, title: 'Compare which runs?' },
        );
        if (!picks?.length) return;
        runIds = picks.map((p) => p.id);
      }
      ComparePanel.show(s, runIds);
      return runIds;
    }),
  ];
}

const CELLS: { label: string; description: string; value: Cell }[] = LANGUAGE_MODELS.map((m) => ({ label: m.label, description: m.description, value: m.name }));

/** The guided pick (or `args` from a test): creates the run, starts it in a training process, opens its dashboard. */
export async function trainLanguageModel(s: Services, args: TrainArgs = {}): Promise<string | undefined> {
  if (!s.manager.available) {
    throw new SeqlabError('Training is not available in this build: the training process (dist/train-process.js) is missing.', 'not-available');
  }
  const data = args.data ?? (await pickData());
  if (!data) return undefined;
  const cell = args.cell ?? (await vscode.window.showQuickPick(CELLS, { ignoreFocusOut: true, title: 'Model' }))?.value;
  if (!cell) return undefined;
  const defaults = settings.hyper(cell);
  const layers =
    args.layers ??
    (await vscode.window.showQuickPick(
      [1, 2, 3].map((n) => ({ label: `${n} layer${n > 1 ? 's' : ''}`, description: n === defaults.layers ? 'settings' : undefined, value: n })),
      { ignoreFocusOut: true, title: 'Layers (d2l 10.3: deep RNNs)' },
    ))?.value;
  if (layers === undefined) return undefined;
  if (!Number.isInteger(layers) || layers < 1) return undefined;
  let bidirectional = args.bidirectional;
  if (bidirectional === undefined) {
    const b = await vscode.window.showQuickPick(
      [{ label: 'Unidirectional', value: false }, { label: 'Bidirectional', description: 'd2l 10.4: sees the future, so it cannot generate text', value: true }],
      { ignoreFocusOut: true, title: 'Direction' },
    );
    if (!b) return undefined;
    bidirectional = b.value;
  }
  let hyper: HyperParameters & Record<string, number | string | boolean> = { ...defaults, layers, ...(args.hyper ?? {}) };
  if (!args.hyper) {
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Preset', description: `settings: ${hyper.hidden} hidden, ${hyper.epochs} epochs, lr ${hyper.lr}, batch ${hyper.batch}, ${hyper.steps} steps`, value: 'preset' },
        { label: 'Custom…', description: 'hidden units, epochs, learning rate', value: 'custom' },
      ],
      { ignoreFocusOut: true, title: 'Hyper-parameters' },
    );
    if (!mode) return undefined;
    if (mode.value === 'custom') {
      const c = await askCustom(hyper);
      if (!c) return undefined;
      hyper = { ...hyper, ...c };
    }
  }
  const token = args.token ?? 'char';
  const { hidden, epochs, layers: _l, ...rest } = hyper;
  const dataLabel = data === 'timemachine' ? 'Time Machine' : data.split(/[\\/]/).pop()!;
  return launchRun(s, {
    kind: 'language-model',
    name: args.name ?? `${layers > 1 ? `${layers}×` : ''}${bidirectional ? 'bi-' : ''}${cell.toUpperCase()} · ${dataLabel}`,
    data,
    model: { cell, layers, hidden, bidirectional, token },
    hyper: rest,
    epochs,
    metric: 'perplexity',
  }, args.dashboard !== false);
}

async function pickData(): Promise<string | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  const items: (vscode.QuickPickItem & { value: string })[] = [{ label: '$(book) The Time Machine', description: 'the textbook’s corpus', value: 'timemachine' }];
  if (doc) items.push({ label: '$(file) Active document', description: vscode.workspace.asRelativePath(doc.uri), value: 'active' });
  items.push({ label: '$(folder-opened) Choose a file…', value: 'file' });
  const pick = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, title: 'Train on' });
  if (!pick) return undefined;
  if (pick.value === 'active') {
    if (doc!.uri.scheme !== 'file') throw new SeqlabError('Save the document to a file first: training reads its corpus from disk.', 'unsaved');
    if (doc!.isDirty) await doc!.save();
    return doc!.uri.fsPath;
  }
  if (pick.value === 'file') return (await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Corpus to train on' }))?.[0]?.fsPath;
  return pick.value;
}

async function askCustom(h: HyperParameters): Promise<Partial<HyperParameters> | undefined> {
  const ask = async (prompt: string, value: number, integer: boolean) => {
    const v = await vscode.window.showInputBox({
      prompt,
      value: String(value),
      validateInput: (t) => {
        const n = Number(t);
        if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) return integer ? 'A positive whole number.' : 'A positive number.';
        return undefined;
      },
    });
    return v === undefined ? undefined : Number(v);
  };
  const hidden = await ask('Hidden units', h.hidden, true);
  if (hidden === undefined) return undefined;
  const epochs = await ask('Epochs', h.epochs, true);
  if (epochs === undefined) return undefined;
  const lr = await ask('Learning rate', h.lr, false);
  if (lr === undefined) return undefined;
  return { hidden, epochs, lr };
}

export function runLabel(r: RunRecord): string {
  return `${r.name} (${r.status})`;
}
