/** Seqlab: Show Vocabulary Statistics — pick a source (active document, file, data set) and open the panel. */
import * as vscode from 'vscode';
import type { TokenKind } from '../../core/text/tokenizer';
import { SeqlabError } from '../../core/util/errors';
import { settings } from '../settings';
import { VocabStatsPanel } from './vocabStatsPanel';

export interface VocabStatsArgs {
  /** `active`, a data set name, or a file path/URI; asked when missing. */
  source?: string;
  token?: TokenKind;
}

/** Summary returned to callers (tests, other extensions). */
export interface VocabStatsSummary {
  source: string;
  token: TokenKind;
  tokens: number;
  vocabSize: number;
  zipfSlopes: number[];
}

export async function showVocabStats(context: vscode.ExtensionContext, args: VocabStatsArgs = {}): Promise<VocabStatsSummary | undefined> {
  const source = args.source ? normalize(args.source) : await pickSource();
  if (!source) return undefined;
  const token = args.token ?? (await pickToken());
  if (!token) return undefined;
  const p = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Seqlab: counting tokens…' },
    () => VocabStatsPanel.show(context, source, token),
  );
  const d = p.data!;
  return { source: d.source, token: d.token, tokens: d.tokens, vocabSize: d.vocabSize, zipfSlopes: d.zipf.map((z) => z.slope) };
}

function normalize(source: string): string {
  if (source === 'active') {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) throw new SeqlabError('There is no active editor; open a text file first.', 'no-editor');
    return doc.uri.toString();
  }
  if (/^[a-z][\w+.-]*:\/\//i.test(source) || source.startsWith('untitled:')) return source;
  if (source.startsWith('/')) return vscode.Uri.file(source).toString();
  return source;
}

async function pickSource(): Promise<string | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  const items: (vscode.QuickPickItem & { value: string })[] = [];
  if (doc) items.push({ label: '$(file) Active document', description: vscode.workspace.asRelativePath(doc.uri), value: 'active' });
  items.push(
    { label: '$(book) The Time Machine', description: 'd2l 8.2 / 9.2', value: 'timemachine' },
    { label: '$(globe) English–French pairs (English side)', description: 'd2l 10.5', value: 'fra-eng' },
    { label: '$(globe) English–French pairs (French side)', value: 'fra-eng:fr' },
    { label: '$(folder-opened) Choose a file…', value: 'file' },
  );
  const pick = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, title: 'Vocabulary statistics: which text?' });
  if (!pick) return undefined;
  if (pick.value === 'file') {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Text file for vocabulary statistics' });
    return uris?.[0]?.toString();
  }
  return normalize(pick.value);
}

async function pickToken(): Promise<TokenKind | undefined> {
  const def = settings.defaultToken();
  const items: (vscode.QuickPickItem & { value: TokenKind })[] = [
    { label: 'Characters', description: 'd2l 9.2: one token per letter or space', value: 'char' },
    { label: 'Words', description: 'd2l 9.2: split at spaces', value: 'word' },
    { label: 'BPE', description: `byte-pair encoding, ${settings.bpeMerges()} merges learned from the text`, value: 'bpe' },
  ];
  items.sort((a, b) => Number(b.value === def) - Number(a.value === def));
  return (await vscode.window.showQuickPick(items, { ignoreFocusOut: true, title: 'Tokens' }))?.value;
}
