/**
 * Token boundaries in the editor: alternating backgrounds (adjacent tokens stay
 * distinguishable), unknown tokens underlined, and a hover with the token and its id.
 */
import * as vscode from 'vscode';
import type { TokenInfo } from '../../core/text/tokenize-text';

/** More decorations than this slow the editor; the rest are listed but not drawn. */
export const MAX_DECORATED = 20_000;

interface DocTokens {
  version: number;
  /** Document offsets, sorted by start. */
  tokens: TokenInfo[];
  vocabLabel: string;
}

export class TokenDecorations implements vscode.Disposable {
  private readonly even = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
    borderRadius: '2px',
  });
  private readonly odd = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightStrongBackground'),
    borderRadius: '2px',
  });
  private readonly unknown = vscode.window.createTextEditorDecorationType({
    borderStyle: 'none none solid none',
    borderWidth: '0 0 2px 0',
    borderColor: new vscode.ThemeColor('editorError.foreground'),
  });
  private readonly byDoc = new Map<string, DocTokens>();
  private readonly subs: vscode.Disposable[] = [];

  constructor() {
    this.subs.push(
      // Edits shift offsets: drop stale decorations rather than mark the wrong text.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.byDoc.has(e.document.uri.toString())) this.clear(e.document);
      }),
      vscode.window.onDidChangeVisibleTextEditors((eds) => eds.forEach((ed) => this.paint(ed))),
      vscode.languages.registerHoverProvider({ scheme: '*' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
  }

  /** Decorates `tokens` (document offsets); returns how many were drawn. */
  show(editor: vscode.TextEditor, tokens: TokenInfo[], vocabLabel: string): number {
    this.byDoc.set(editor.document.uri.toString(), { version: editor.document.version, tokens, vocabLabel });
    return this.paint(editor);
  }

  has(doc: vscode.TextDocument): boolean {
    return this.byDoc.has(doc.uri.toString());
  }

  decorated(doc: vscode.TextDocument): TokenInfo[] {
    return this.byDoc.get(doc.uri.toString())?.tokens ?? [];
  }

  private paint(editor: vscode.TextEditor): number {
    const entry = this.byDoc.get(editor.document.uri.toString());
    if (!entry) return 0;
    const doc = editor.document;
    const even: vscode.Range[] = [], odd: vscode.Range[] = [], unknown: vscode.Range[] = [];
    const shown = entry.tokens.slice(0, MAX_DECORATED);
    shown.forEach((t, i) => {
      const r = new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end));
      (i % 2 ? odd : even).push(r);
      if (t.unknown) unknown.push(r);
    });
    editor.setDecorations(this.even, even);
    editor.setDecorations(this.odd, odd);
    editor.setDecorations(this.unknown, unknown);
    return shown.length;
  }

  clear(doc?: vscode.TextDocument): void {
    if (doc) this.byDoc.delete(doc.uri.toString());
    else this.byDoc.clear();
    for (const ed of vscode.window.visibleTextEditors) {
      if (doc && ed.document !== doc) continue;
      ed.setDecorations(this.even, []);
      ed.setDecorations(this.odd, []);
      ed.setDecorations(this.unknown, []);
    }
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const entry = this.byDoc.get(doc.uri.toString());
    if (!entry) return undefined;
    const off = doc.offsetAt(pos);
    const t = findToken(entry.tokens, off);
    if (!t) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Seqlab token** \`${JSON.stringify(t.text)}\` · id **${t.id}**`);
    if (t.unknown) md.appendMarkdown(` — not in the ${entry.vocabLabel} vocabulary (maps to \`<unk>\`)`);
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end)));
  }

  dispose(): void {
    this.clear();
    for (const d of [...this.subs, this.even, this.odd, this.unknown]) d.dispose();
  }
}

/** Binary search over tokens sorted by start. */
export function findToken(tokens: TokenInfo[], offset: number): TokenInfo | undefined {
  let lo = 0, hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid];
    if (offset < t.start) hi = mid - 1;
    else if (offset >= t.end) lo = mid + 1;
    else return t;
  }
  return undefined;
}
