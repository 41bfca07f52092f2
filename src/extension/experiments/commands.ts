/** The experiment commands: run a file (CodeLens, palette, editor title), compare its runs, stop it, open an example. */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXPERIMENT_SUFFIX, parseExperimentText, resultsDirFor, type ExpandOptions, type ParsedExperiment } from '../../core/experiments';
import { readTextFile } from '../../core/data/corpus';
import { SeqlabError } from '../../core/util/errors';
import { guarded } from '../errors';
import { ComparePanel } from '../runs/comparePanel';
import type { Services } from '../services';
import { ExperimentCodeLens, EXPERIMENT_SELECTOR, experimentDiagnostics, isExperimentDocument } from './editor';
import type { ExperimentRunner } from './runner';

type FileArg = vscode.Uri | string | undefined;

/** The experiment file a command is about: the argument, else the active editor's (saved first). */
async function experimentFile(arg: FileArg): Promise<string> {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === arg.toString());
    if (open?.isDirty) await open.save();
    return arg.fsPath;
  }
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || !isExperimentDocument(doc)) throw new SeqlabError(`Open an experiment file (*${EXPERIMENT_SUFFIX}) first, or use "Open an Example Experiment".`, 'no-experiment');
  if (doc.isUntitled) throw new SeqlabError('Save the experiment file first: its results are written next to it.', 'unsaved');
  if (doc.isDirty) await doc.save();
  return doc.uri.fsPath;
}

function parseFile(file: string, opts: ExpandOptions = {}): ParsedExperiment {
  const r = parseExperimentText(readTextFile(file), file, opts);
  if (r.parsed) return r.parsed;
  const [p, ...rest] = r.problems;
  throw new SeqlabError(`${vscode.workspace.asRelativePath(file)}:${p.line}:${p.column}: ${p.message}${rest.length ? ` (and ${rest.length} more; see Problems)` : ''}`, 'bad-experiment');
}

export interface RunExperimentResult {
  runIds: string[];
  resultsDir: string;
}

export async function runExperiment(s: Services, runner: ExperimentRunner, arg?: FileArg, opts: ExpandOptions = {}): Promise<RunExperimentResult> {
  if (!s.manager.available) throw new SeqlabError('Training is not available in this build: the training process (dist/train-process.js) is missing.', 'not-available');
  const file = await experimentFile(arg);
  const exp = parseFile(file, opts);
  const runIds = runner.enqueue(file, exp);
  const resultsDir = resultsDirFor(file);
  void vscode.window.showInformationMessage(`Seqlab: queued ${runIds.length} run${runIds.length === 1 ? '' : 's'} of "${exp.name}" (see the Runs view); results go to ${vscode.workspace.asRelativePath(resultsDir)}.`);
  return { runIds, resultsDir };
}

/** Compare Runs on the experiment's runs that have finished an epoch, in the file's order (latest run of each). */
export function compareExperiment(s: Services, file: string): string[] {
  const exp = parseFile(file);
  const mine = s.registry.list().filter((r) => r.experiment?.file === file && r.history.length > 0);
  const ids = exp.runs.map((run) => mine.find((r) => r.experiment!.slug === run.slug)?.id).filter((id): id is string => id !== undefined);
  if (ids.length === 0) throw new SeqlabError(`No run of "${exp.name}" has finished an epoch yet; run the experiment first.`, 'no-runs');
  ComparePanel.show(s, ids);
  return ids;
}

/** Copies a bundled example into the workspace (or global storage without one) and opens it. */
async function openExample(s: Services, name?: string): Promise<string | undefined> {
  const dir = vscode.Uri.joinPath(s.context.extensionUri, 'examples').fsPath;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(EXPERIMENT_SUFFIX)) : [];
  if (files.length === 0) throw new SeqlabError(`This build has no example experiments (${dir} is missing).`, 'not-available');
  let pick = name ? files.find((f) => f === name || f === `${name}${EXPERIMENT_SUFFIX}`) : undefined;
  if (name && !pick) throw new SeqlabError(`There is no example "${name}"; the examples are ${files.join(', ')}.`);
  if (!pick) {
    const items = files.map((f) => ({ label: f, description: parseExperimentText(readTextFile(join(dir, f)), f).parsed?.experiment.description }));
    pick = (await vscode.window.showQuickPick(items, { title: 'Open which example experiment?', ignoreFocusOut: true }))?.label;
    if (!pick) return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? vscode.Uri.joinPath(s.context.globalStorageUri, 'examples').fsPath;
  mkdirSync(folder, { recursive: true });
  const target = join(folder, pick);
  if (existsSync(target)) void vscode.window.showInformationMessage(`Seqlab: ${vscode.workspace.asRelativePath(target)} already exists; opened it as it is.`);
  else copyFileSync(join(dir, pick), target);
  await vscode.window.showTextDocument(vscode.Uri.file(target));
  return target;
}

export function registerExperimentCommands(s: Services, runner: ExperimentRunner): vscode.Disposable[] {
  const reg = (id: string, fn: (...a: never[]) => unknown) => vscode.commands.registerCommand(id, guarded(fn as (...a: unknown[]) => unknown));
  const lens = new ExperimentCodeLens();
  return [
    experimentDiagnostics(),
    vscode.languages.registerCodeLensProvider(EXPERIMENT_SELECTOR, lens),
    reg('seqlab.experiments.run', (arg?: FileArg, opts?: ExpandOptions) => runExperiment(s, runner, arg, opts)),
    reg('seqlab.experiments.compare', async (arg?: FileArg) => compareExperiment(s, await experimentFile(arg))),
    reg('seqlab.experiments.stop', async (arg?: FileArg) => {
      const file = await experimentFile(arg);
      const n = runner.stop(file);
      void vscode.window.showInformationMessage(n ? `Seqlab: stopping ${n} run${n === 1 ? '' : 's'} of ${vscode.workspace.asRelativePath(file)}.` : `Seqlab: no run of ${vscode.workspace.asRelativePath(file)} is queued or training.`);
      return n;
    }),
    reg('seqlab.experiments.openExample', (name?: string) => openExample(s, name)),
  ];
}
