/** Show Vocabulary Statistics: the panel's host side (load, retokenize, restore). */
import * as vscode from 'vscode';
import type { CorpusText } from '../../core/data/corpus';
import { isDatasetName } from '../../core/data/registry';
import type { TokenKind } from '../../core/text/tokenizer';
import { SeqlabError } from '../../core/util/errors';
import { VocabStatsState, VocabStatsToHost, type VocabStatsData, type VocabStatsToWebview } from '../../protocol/vocab-stats';
import { DATASET_LABELS, describeSource, documentCorpus, loadSource } from '../data';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import { settings } from '../settings';
import { compute } from '../compute/client';

/** Not a singleton: every Show Vocabulary Statistics opens its own panel (they are kept in VocabStatsPanel.all). */
const KIND = new PanelKind<VocabStatsPanel>({ viewType: 'seqlab.vocabStats', bundle: 'vocab-stats', title: 'Vocabulary Statistics' });

/** A data set name (`timemachine`, `fra-eng`, `fra-eng:fr`) or a document/file URI. */
export async function loadStatsSource(source: string): Promise<{ corpus: CorpusText; label: string }> {
  const base = source.split(':')[0];
  if (isDatasetName(base) && (source === base || source === `${base}:fr`)) {
    return { corpus: await loadSource(source), label: DATASET_LABELS[source] ?? source };
  }
  const uri = vscode.Uri.parse(source, true);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return { corpus: documentCorpus(open), label: vscode.workspace.asRelativePath(uri) };
  if (uri.scheme === 'file') {
    const c = await loadSource(uri.fsPath);
    return { corpus: { ...c, mode: settings.tokenizeMode() }, label: describeSource(uri.fsPath) };
  }
  throw new SeqlabError(`The document ${uri.toString()} is no longer open; open it again or pick a file.`, 'missing-file');
}

const TOKEN_NAMES: Record<TokenKind, string> = { char: 'character tokens', word: 'word tokens', bpe: 'BPE tokens' };

async function computeStats(source: string, token: TokenKind): Promise<VocabStatsData> {
  const { corpus, label } = await loadStatsSource(source);
  return compute().run('vocabStats', { source, label, corpus, token, bpeMerges: settings.bpeMerges() });
}

export class VocabStatsPanel extends Panel<VocabStatsToWebview, VocabStatsToHost> {
  static readonly all = new Set<VocabStatsPanel>();
  data: VocabStatsData | undefined;
  private loading: Promise<VocabStatsData> | undefined;

  private constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, private source: string, private token: TokenKind) {
    super(panel, context, KIND, VocabStatsToHost);
    VocabStatsPanel.all.add(this);
  }

  /**
   * Counts first and opens the panel only with the result: a source that cannot be read (binary,
   * too large, missing) gets its one-sentence error and leaves no panel behind.
   */
  static async show(context: vscode.ExtensionContext, source: string, token: TokenKind): Promise<VocabStatsPanel> {
    const data = await computeStats(source, token);
    const p = new VocabStatsPanel(KIND.create(), context, source, token);
    p.showData(data);
    return p;
  }

  static serializer(context: vscode.ExtensionContext): vscode.Disposable {
    return KIND.serializer(VocabStatsState, (webview, saved) => {
      const p = new VocabStatsPanel(webview, context, saved?.source ?? 'timemachine', saved?.token ?? 'char');
      void p.noticeOnFailure(p.load(p.source, p.token));
    });
  }

  /**
   * Computes the statistics; errors propagate to the caller (a request's error reply, or a notice
   * on restore), and the panel keeps showing what it showed before.
   */
  async load(source: string, token: TokenKind): Promise<VocabStatsData> {
    this.post({ type: 'busy', text: `Counting ${TOKEN_NAMES[token]} of ${describeSource(source)}…`, token });
    const run = computeStats(source, token);
    this.loading = run;
    const data = await run;
    if (this.loading !== run) return data;
    this.showData(data);
    return data;
  }

  private showData(data: VocabStatsData): void {
    this.source = data.source;
    this.token = data.token;
    this.data = data;
    this.panel.title = `Vocabulary: ${data.sourceLabel}`;
    this.post({ type: 'stats', data });
  }

  protected onReady(): void {
    if (this.data) this.post({ type: 'stats', data: this.data });
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    if (method === 'retokenize') {
      const { token } = params as { token: TokenKind };
      const d = await this.load(this.source, token);
      return { tokens: d.tokens, vocabSize: d.vocabSize };
    }
    throw new SeqlabError(`Unknown request "${method}".`);
  }

  protected override onDispose(): void {
    VocabStatsPanel.all.delete(this);
  }
}
