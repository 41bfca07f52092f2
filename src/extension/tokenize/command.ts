/**
 * Seqlab: Tokenize Selection — char / word / BPE over the selection (or the whole document),
 * with token boundaries decorated in the editor and tokens, ids and unknowns listed.
 */
import * as vscode from 'vscode';
import type { TokenKind } from '../../core/text/tokenizer';
import { SeqlabError } from '../../core/util/errors';
import { documentCorpus, loadSource } from '../data';
import { log, messageOf } from '../errors';
import { settings } from '../settings';
import { MAX_DECORATED, type TokenDecorations } from './decorations';
import { corpusReference, documentReference, type Reference } from './referenceVocab';
import { summarize, tokenizeText } from '../../core/text/tokenize-text';

export interface TokenizeArgs {
  tokenizer?: TokenKind;
  /** Skip the notification (tests, repeated calls). */
  quiet?: boolean;
}

export interface TokenizeSummary {
  tokenizer: TokenKind;
  scope: 'selection' | 'document';
  count: number;
  unknown: number;
  decorated: number;
  vocabulary: string;
  /** The first 200 tokens, for callers and tests. */
  tokens: { text: string; id: number; unknown: boolean; start: number; end: number }[];
  message: string;
}

let channel: vscode.OutputChannel | undefined;

export async function tokenizeSelection(decorations: TokenDecorations, args: TokenizeArgs = {}): Promise<TokenizeSummary | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) throw new SeqlabError('Open a text editor first: Tokenize Selection works on the selection or the whole document.', 'no-editor');
  const doc = editor.document;
  const sel = editor.selection;
  const scope = sel.isEmpty ? 'document' : 'selection';
  // Nothing to tokenize is a harmless case: said up front, as information, before any question.
  if (!doc.getText(sel.isEmpty ? undefined : sel).trim()) {
    const message = `Nothing to tokenize: the ${scope === 'document' ? 'document is' : 'selection is only'} ${scope === 'document' ? 'empty' : 'white space'}. Type or select some text first.`;
    if (!args.quiet) void vscode.window.showInformationMessage(`Seqlab: ${message}`);
    return { tokenizer: args.tokenizer ?? settings.defaultToken(), scope, count: 0, unknown: 0, decorated: 0, vocabulary: '', tokens: [], message };
  }
  const kind = args.tokenizer ?? (await pickTokenizer());
  if (!kind) return undefined;
  const range = sel.isEmpty ? new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)) : new vscode.Range(sel.start, sel.end);
  // Checks size and binary content before anything else.
  if (scope === 'document') documentCorpus(doc);
  const text = doc.getText(range);
  const base = doc.offsetAt(range.start);
  const mode = settings.tokenizeMode();
  const ref = await reference(text, kind, mode);
  const r = tokenizeText(text, ref.tokenizer, ref.vocab, mode);
  const tokens = r.tokens.map((t) => ({ ...t, start: t.start + base, end: t.end + base }));
  const decorated = decorations.show(editor, tokens, ref.label);
  const kindName = kind === 'char' ? 'character' : kind === 'word' ? 'word' : 'BPE';
  let message = summarize(r, kindName, ref.label);
  if (decorated < tokens.length) message += ` The first ${MAX_DECORATED.toLocaleString('en-US')} are marked in the editor.`;
  writeChannel(doc, kindName, ref, tokens, message);
  if (!args.quiet) {
    void vscode.window.showInformationMessage(`Seqlab: ${message}`, 'Show Tokens', 'Clear').then((a) => {
      if (a === 'Show Tokens') channel?.show(true);
      if (a === 'Clear') decorations.clear(doc);
    });
  }
  return {
    tokenizer: kind,
    scope,
    count: tokens.length,
    unknown: r.unknown,
    decorated,
    vocabulary: ref.label,
    tokens: tokens.slice(0, 200).map(({ text, id, unknown, start, end }) => ({ text, id, unknown, start, end })),
    message,
  };
}

async function reference(text: string, kind: TokenKind, mode: ReturnType<typeof settings.tokenizeMode>): Promise<Reference> {
  if (settings.tokenizeVocabulary() === 'timemachine') {
    try {
      const corpus = await loadSource('timemachine');
      return await corpusReference({ ...corpus, mode }, kind, settings.bpeMerges(), 'Time Machine');
    } catch (err) {
      log(`Tokenize: the Time Machine vocabulary is unavailable (${messageOf(err)}); using the selection's own.`);
    }
  }
  return documentReference(text, kind, mode, settings.bpeMerges());
}

async function pickTokenizer(): Promise<TokenKind | undefined> {
  const items: (vscode.QuickPickItem & { value: TokenKind })[] = [
    { label: 'Characters', description: 'one token per character (d2l 9.2)', value: 'char' },
    { label: 'Words', description: 'split at spaces (d2l 9.2)', value: 'word' },
    { label: 'BPE', description: `byte-pair encoding, ${settings.bpeMerges()} merges`, value: 'bpe' },
  ];
  const def = settings.defaultToken();
  items.sort((a, b) => Number(b.value === def) - Number(a.value === def));
  return (await vscode.window.showQuickPick(items, { ignoreFocusOut: true, title: 'Tokenize with' }))?.value;
}

function writeChannel(doc: vscode.TextDocument, kind: string, ref: Reference, tokens: { text: string; id: number; unknown: boolean; start: number }[], message: string): void {
  channel ??= vscode.window.createOutputChannel('Seqlab Tokens');
  channel.clear();
  channel.appendLine(`${vscode.workspace.asRelativePath(doc.uri)} — ${kind} tokens, ids in the ${ref.label} vocabulary (${ref.vocab.size} entries)`);
  channel.appendLine(message);
  channel.appendLine('');
  channel.appendLine('offset\tid\ttoken');
  const LIMIT = 5000;
  for (const t of tokens.slice(0, LIMIT)) channel.appendLine(`${t.start}\t${t.id}\t${JSON.stringify(t.text)}${t.unknown ? '\t<unk>' : ''}`);
  if (tokens.length > LIMIT) channel.appendLine(`… ${tokens.length - LIMIT} more`);
}
