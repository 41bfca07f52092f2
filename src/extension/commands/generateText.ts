/** Seqlab: Generate Text — continue a prefix (the selection by default) with a trained run. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { pickRun, type RunArg } from '../runs/pickRun';
import type { Services } from '../services';

export interface GenerateArgs {
  run?: RunArg;
  prefix?: string;
  length?: number;
  temperature?: number;
  topK?: number;
  seed?: number;
  /** insert after the selection / at the cursor, or show in a new editor (default: ask). */
  output?: 'insert' | 'show' | 'none';
}

export async function generateText(s: Services, args: GenerateArgs = {}): Promise<string | undefined> {
  const run = await pickRun(s.registry, args.run, {
    title: 'Generate with which run?',
    filter: (r) => r.kind === 'language-model' && (Boolean(r.checkpoint) || s.manager.isActive(r.id)),
  });
  if (!run) return undefined;
  if (run.model.bidirectional) throw new SeqlabError('A bidirectional model sees the future while training, so it cannot generate text (d2l 10.4); pick a unidirectional run.', 'bidirectional');
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const prefix = args.prefix ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: 'Prefix to continue', value: selected ?? 'time traveller' }));
  if (prefix === undefined) return undefined;
  if (prefix.trim().length === 0) throw new SeqlabError('The prefix is empty; type or select a few characters to continue.', 'empty-input');
  let temperature = args.temperature, topK = args.topK;
  if (temperature === undefined) {
    const t = await vscode.window.showInputBox({
      ignoreFocusOut: true,
      prompt: 'Temperature (0 = greedy, 1 = sample as trained) and optional top-k, e.g. "0.8 10"',
      value: '0',
      validateInput: (v) => (/^\s*\d+(\.\d+)?(\s+\d+)?\s*$/.test(v) ? undefined : 'A temperature ≥ 0, optionally followed by top-k.'),
    });
    if (t === undefined) return undefined;
    const [a, b] = t.trim().split(/\s+/);
    temperature = Number(a);
    topK = b ? Number(b) : undefined;
  }
  const length = args.length ?? 100;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Seqlab: generating with ${run.name}…` }, () =>
    s.manager.generate(run.id, { prefix, length, temperature, topK, seed: args.seed }),
  );
  // The model's output is the (preprocessed) prefix followed by `length` new tokens; keep the new ones.
  const fresh = result.tokens.slice(Math.max(0, result.tokens.length - length));
  const text = run.model.token === 'word' ? fresh.map((t) => ` ${t}`).join('') : fresh.join('');
  let output = args.output;
  if (!output) {
    const choice = await vscode.window.showInformationMessage(result.text, editor ? 'Insert' : 'Show', 'Show in Editor');
    output = choice === 'Insert' ? 'insert' : choice ? 'show' : 'none';
  }
  if (output === 'insert' && editor) {
    const at = editor.selection.isEmpty ? editor.selection.active : editor.selection.end;
    await editor.edit((e) => e.insert(at, text));
  } else if (output === 'show') {
    const doc = await vscode.workspace.openTextDocument({ content: `${result.text}\n`, language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { preview: true });
  }
  return text;
}
