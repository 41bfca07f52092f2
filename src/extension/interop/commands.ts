/**
 * Seqlab: Import PyTorch Model… and Seqlab: Export Run to PyTorch…. The files are read and
 * written on the compute thread (../compute/jobs.ts: importModel, exportRun); an import becomes
 * a run in the Runs view (status done, its checkpoint in the run's storage folder), so every
 * panel opens on it. Both are all or nothing: a failure leaves neither files nor a run.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ImportKind, ImportRequest } from '../../core/interop/import-model';
import { SeqlabError } from '../../core/util/errors';
import type { RunRecord } from '../../protocol/runs';
import { compute } from '../compute/client';
import { resolveOptions } from '../data';
import type { Services } from '../services';
import { pickRun, type RunArg } from '../runs/pickRun';

export interface ImportArgs extends Partial<Omit<ImportRequest, 'out'>> {
  name?: string;
}

async function pickFile(title: string, filters: Record<string, string[]>): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters, openLabel: 'Select' });
  return uris?.[0]?.fsPath;
}

const KINDS: { label: string; importKind: ImportKind; detail: string }[] = [
  { label: 'GRU language model', importKind: 'gru', detail: "d2l's RNNModel(nn.GRU): PyTorch's GRU, reset gate after the hidden product" },
  { label: 'LSTM language model', importKind: 'lstm', detail: "d2l's RNNModel(nn.LSTM)" },
  { label: 'RNN language model', importKind: 'rnn', detail: "d2l's RNNModel(nn.RNN)" },
  { label: 'Seq2seq translator', importKind: 'seq2seq', detail: "d2l's Seq2SeqEncoder + Seq2SeqDecoder (nn.GRU)" },
];

/** Imports a PyTorch model and registers it as a run; returns the run (tests) or undefined when cancelled. */
export async function importPyTorchModel(s: Services, args: ImportArgs = {}): Promise<RunRecord | undefined> {
  const weights = args.weights ?? (await pickFile('PyTorch weights (saved with safetensors.torch.save_file)', { safetensors: ['safetensors'] }));
  if (!weights) return undefined;
  const kind = args.kind ?? (await vscode.window.showQuickPick(KINDS, { title: `What is ${basename(weights)}?`, ignoreFocusOut: true }))?.importKind;
  if (!kind) return undefined;
  const vocab = args.vocab ?? (await pickFile(kind === 'seq2seq' ? 'Source vocabulary (JSON list: vocab.idx_to_token)' : 'Vocabulary (JSON list: vocab.idx_to_token)', { JSON: ['json'] }));
  if (!vocab) return undefined;
  const tgtVocab = kind === 'seq2seq' ? (args.tgtVocab ?? (await pickFile('Target vocabulary (JSON list: vocab.idx_to_token)', { JSON: ['json'] }))) : undefined;
  if (kind === 'seq2seq' && !tgtVocab) return undefined;
  const cell = kind === 'seq2seq' ? 'gru' : kind;
  const id = `${cell}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const out = s.registry.checkpointDir(id);
  const request: ImportRequest = { weights, vocab, tgtVocab, kind, out, layers: args.layers, bidirectional: args.bidirectional, variant: args.variant };
  let cancelled = false;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Seqlab: importing ${basename(weights)}…`, cancellable: true },
    async (_p, token) => {
      token.onCancellationRequested(() => (cancelled = true));
      return compute().run('importModel', request);
    },
  );
  if (cancelled) {
    // the files were written whole; nothing refers to them yet
    rmSync(out, { recursive: true, force: true });
    void vscode.window.showInformationMessage(`Seqlab: the import of ${basename(weights)} was cancelled; nothing was added.`);
    return undefined;
  }
  const name = args.name ?? `${basename(weights).replace(/\.safetensors$/, '')} (PyTorch)`;
  const engine = `imported from PyTorch${r.variant === 'pytorch' ? " · PyTorch's GRU (reset gate after the hidden product)" : ''}${r.note ? ` · ${r.note}` : ''}`;
  const history = r.history.map((h) => ({ epoch: h.epoch, train: r.job === 'lm' ? h.perplexity : h.loss, valid: h.valPerplexity ?? null, tokensPerSec: h.tokensPerSecond }));
  s.registry.add({
    id,
    kind: r.job === 'lm' ? 'language-model' : 'translator',
    name,
    data: r.data,
    model: { cell, layers: r.layers, hidden: r.hidden, bidirectional: r.bidirectional, token: r.token },
    hyper: { source: weights, ...(r.variant ? { variant: r.variant } : {}) },
    epochs: Math.max(1, r.epoch),
    metric: r.job === 'lm' ? 'perplexity' : 'loss',
  });
  const run = s.registry.update(id, { status: 'done', epoch: r.epoch, checkpoint: out, history, latest: history.at(-1)?.train ?? null, engine });
  void vscode.window.showInformationMessage(`Seqlab: imported ${r.summary} as run "${name}".`);
  return run;
}

export interface ExportArgs {
  run?: RunArg;
  out?: string;
}

/** Writes a language-model run for PyTorch; returns the folder (tests) or undefined when cancelled. */
export async function exportRunToPyTorch(s: Services, args: ExportArgs = {}): Promise<string | undefined> {
  const run = await pickRun(s.registry, args.run, { title: 'Export which run to PyTorch?', filter: (r) => r.kind === 'language-model' && Boolean(r.checkpoint) });
  if (!run) return undefined;
  if (!run.checkpoint) throw new SeqlabError(`The run "${run.name}" has no checkpoint yet; export it after its first saved epoch.`, 'no-checkpoint');
  if (run.kind !== 'language-model') throw new SeqlabError('Only language-model runs export to PyTorch; train.py rebuilds d2l\'s RNNModel.', 'wrong-kind');
  let out = args.out;
  if (!out) {
    const parent = await vscode.window.showOpenDialog({ title: 'Folder to create the export in', canSelectFiles: false, canSelectFolders: true, openLabel: 'Export here' });
    if (!parent?.[0]) return undefined;
    const folder = await vscode.window.showInputBox({ title: 'Name of the new export folder', value: `${run.id}-pytorch`, ignoreFocusOut: true });
    if (!folder) return undefined;
    out = vscode.Uri.joinPath(parent[0], folder).fsPath;
  }
  const target = out;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Seqlab: exporting "${run.name}" to PyTorch…` }, () =>
    compute().run('exportRun', { checkpointDir: run.checkpoint!, out: target, resolve: resolveOptions() }),
  );
  void vscode.window.showInformationMessage(`Seqlab: wrote ${r.files.join(', ')} to ${target}. Continue training with: python3 train.py, or torchrun --nproc_per_node=2 train.py`);
  return target;
}
