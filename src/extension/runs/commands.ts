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
import type { z } from 'zod';
import { LMConfigSchema } from '../../core/training/lm-config';
import { LM_PRESETS } from '../../core/training/presets';
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
    const chosen = await pickHyper(cell, hyper);
    if (!chosen) return undefined;
    hyper = { ...chosen, layers };
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

type Hyper = HyperParameters & Record<string, number | string | boolean>;

const describeHyper = (h: Partial<Hyper>) =>
  `${h.hidden} hidden, ${h.epochs} epochs, lr ${h.lr}, batch ${h.batch}, ${h.steps} steps, θ = ${h.clip}${h.maxTokens ? `, first ${Number(h.maxTokens).toLocaleString('en-US')} tokens` : ''}`;

/**
 * The Hyper-parameters pick: the core's presets (src/core/training/presets.ts, each with its own
 * description: the textbook's exact d2l data, or the whole book with a held-out split), the
 * user's `seqlab.defaults.<cell>` settings, or Custom… with the textbook's values pre-filled.
 */
async function pickHyper(cell: Cell, settingsHyper: Hyper): Promise<Hyper | undefined> {
  const items: (vscode.QuickPickItem & { value: Hyper | 'custom' })[] = [
    ...Object.values(LM_PRESETS).map((p) => ({ label: p.label, detail: p.description, value: { ...settingsHyper, ...(p.config as Partial<Hyper>) } as Hyper })),
    { label: 'Your settings', description: `seqlab.defaults.${cell}`, detail: describeHyper(settingsHyper), value: settingsHyper },
    { label: 'Custom…', detail: 'hidden units, epochs, learning rate, batch, steps, clipping, optimizer, initialiser — the textbook\'s values pre-filled', value: 'custom' },
  ];
  const pick = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, title: 'Hyper-parameters', matchOnDetail: true });
  if (!pick) return undefined;
  if (pick.value !== 'custom') return pick.value;
  const textbook = { ...settingsHyper, ...(LM_PRESETS.textbook.config as Partial<Hyper>) } as Hyper;
  const c = await askCustom(textbook);
  return c && ({ ...textbook, ...c } as Hyper);
}

/** The schema's own field: its check and its one-sentence error are the config's (src/core/training/lm-config.ts). */
const field = (key: string): z.ZodType | undefined => (LMConfigSchema.shape as Record<string, z.ZodType>)[key];

/** The values a schema enum allows, read from the config schema so new options appear here unasked. */
function enumOptions(key: string): string[] {
  let t = field(key) as unknown as { options?: string[]; unwrap?: () => unknown; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 3 && t && !t.options; i++) t = (t.def?.innerType ?? t.unwrap?.()) as typeof t;
  return t?.options ?? [];
}

async function askCustom(h: Hyper): Promise<Partial<Hyper> | undefined> {
  const out: Partial<Hyper> = {};
  const numbers: [key: keyof HyperParameters, prompt: string][] = [
    ['hidden', 'Hidden units per layer (d2l: 256)'],
    ['epochs', 'Epochs (d2l: 500)'],
    ['lr', 'Learning rate (d2l: 1)'],
    ['batch', 'Batch size (d2l: 32)'],
    ['steps', 'Time steps per subsequence, num_steps (d2l: 35)'],
    ['clip', 'Gradient clipping threshold θ, 0 = off (d2l: 1)'],
  ];
  for (const [key, prompt] of numbers) {
    const v = await vscode.window.showInputBox({
      title: 'Custom hyper-parameters',
      prompt,
      value: String(h[key]),
      ignoreFocusOut: true,
      validateInput: (t) => {
        const r = field(key)?.safeParse(Number(t));
        return t.trim() === '' || Number.isNaN(Number(t)) ? 'A number.' : r && !r.success ? (r.error.issues[0]?.message ?? 'Not allowed.') : undefined;
      },
    });
    if (v === undefined) return undefined;
    (out as Record<string, number>)[key] = Number(v);
  }
  for (const [key, title, about] of [
    ['optimizer', 'Optimizer', { sgd: 'd2l: plain SGD (the textbook)', adam: 'Adam' }],
    ['init', 'Initial weights', { d2l: 'd2l: N(0, 0.01), the from-scratch chapters (the textbook)', pytorch: 'U(−1/√H, 1/√H), PyTorch’s nn.RNN/GRU/LSTM (the concise chapters)' }],
  ] as const) {
    const options = enumOptions(key);
    if (options.length === 0) continue; // this build's config has no such choice
    const p = await vscode.window.showQuickPick(
      options.map((o) => ({ label: o, description: (about as Record<string, string>)[o], picked: o === options[0] })),
      { ignoreFocusOut: true, title: `Custom hyper-parameters: ${title}` },
    );
    if (!p) return undefined;
    (out as Record<string, string>)[key] = p.label;
  }
  return out;
}

export function runLabel(r: RunRecord): string {
  return `${r.name} (${r.status})`;
}
