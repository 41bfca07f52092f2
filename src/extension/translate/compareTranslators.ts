/**
 * Compare Translators: one sentence through two or more translators (typically a plain seq2seq
 * and an attention model) side by side in a panel — a column per translator with its n-best
 * translations, their log-probabilities and length-penalised scores, and BLEU (k = 2, the
 * book's) against the reference the user types. Translation runs on the compute thread, one
 * translator after the other, so the editor never waits; a translator that fails shows its one
 * sentence in its own column and the others still show.
 */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import type { TranslationView } from '../../protocol/beam-tree';
import {
  CompareTranslatorsState, CompareTranslatorsToHost, type CompareColumn, type CompareTranslatorsToWebview, type CompareTranslatorsView,
} from '../../protocol/compare-translators';
import type { RunRecord } from '../../protocol/runs';
import { messageOf } from '../errors';
import { Panel } from '../panels/panel';
import { PanelKind } from '../panels/panelKind';
import type { RunsNode } from '../runs/runsTree';
import type { Services } from '../services';
import { settings } from '../settings';
import { AttentionHeatmapPanel } from './attentionHeatmapPanel';
import { attentionFromTranslations } from './attentionViews';
import { comparisonMarkdown, errorColumn, missingColumn, pendingColumn, referenceTokens, translatedColumn, withReference } from './comparison';
import { requireTranslator, translateWith, translatorArch } from './translator';

/** The length-normalisation exponent the other translation commands use too. */
const ALPHA = 0.75;

export interface CompareTranslatorsArgs {
  runs?: string[];
  /** translators ticked in the picker (e.g. the one Translate Selection used); the user adds the others */
  preselect?: string[];
  text?: string;
  reference?: string;
  /** false: compute and return the comparison without opening the panel (tests) */
  show?: boolean;
}

export interface ComparisonResult {
  view: CompareTranslatorsView;
  markdown: string;
}

/** Hooks of a comparison in progress: each finished column, and whether to stop. */
interface Progress {
  onColumn?(view: CompareTranslatorsView, done: number, next: string | undefined): void;
  cancelled?(): boolean;
}

/**
 * Translates `text` with each translator in turn. A translator that cannot translate (deleted,
 * no checkpoint, a checkpoint that fails to load) gets an error column; the sentence itself
 * being unusable (empty, too long) fails the whole comparison with its one sentence.
 */
export async function compareWith(s: Services, runIds: readonly string[], text: string, reference: string, progress: Progress = {}): Promise<{ view: CompareTranslatorsView; translations: Map<string, TranslationView> } | undefined> {
  const source = text.trim();
  if (!source) throw new SeqlabError('There is nothing to translate: type a sentence in English.', 'empty-input');
  const runs = runIds.map((id) => s.registry.get(id));
  const columns: CompareColumn[] = runs.map((r, i) => (r ? pendingColumn({ run: r, arch: translatorArch(r) }) : missingColumn(runIds[i])));
  const view: CompareTranslatorsView = { source, reference, referenceTokens: referenceTokens(reference), beam: settings.beamSize(), alpha: ALPHA, columns };
  const translations = new Map<string, TranslationView>();
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i];
    if (r) {
      try {
        const tv = await translateWith(s, requireTranslator(s, r.id), source, view.beam, ALPHA);
        translations.set(r.id, tv);
        columns[i] = translatedColumn({ run: r, arch: translatorArch(r) }, tv, reference);
      } catch (err) {
        const e = err as SeqlabError;
        // The sentence itself is the problem: every translator would say the same.
        if (e.code === 'empty-input' || e.code === 'too-large') throw err;
        columns[i] = errorColumn({ run: r, arch: translatorArch(r) }, messageOf(err));
      }
    }
    if (progress.cancelled?.()) return undefined;
    progress.onColumn?.({ ...view, columns: [...columns] }, i + 1, runs[i + 1]?.name);
  }
  return { view: { ...view, columns }, translations };
}

const KIND = new PanelKind<CompareTranslatorsPanel>({ viewType: 'seqlab.compareTranslators', bundle: 'compare-translators', title: 'Compare Translators' });

export class CompareTranslatorsPanel extends Panel<CompareTranslatorsToWebview, CompareTranslatorsToHost> {
  static get current(): CompareTranslatorsPanel | undefined {
    return KIND.get();
  }
  /** The last finished comparison (a reloaded webview gets it back). */
  view: CompareTranslatorsView | undefined;
  private translations = new Map<string, TranslationView>();
  /** Bumped by every translate and cancel: older work that finishes later is dropped. */
  private generation = 0;

  private constructor(webview: vscode.WebviewPanel, private readonly services: Services, private runIds: string[], private reference = '') {
    super(webview, services.context, KIND, CompareTranslatorsToHost);
    KIND.hold(this);
  }

  /** Opens (or reuses) the panel and translates; without a `reference` an open panel keeps the one typed there. */
  static async show(s: Services, runIds: string[], text: string, reference?: string): Promise<CompareTranslatorsPanel> {
    const p = KIND.reveal() ?? new CompareTranslatorsPanel(KIND.create(), s, runIds);
    p.runIds = runIds;
    if (reference !== undefined) p.reference = reference;
    // A sentence no translator can take (empty, too long) is said in the panel too, not only in a notification.
    await p.translate(text).catch((err) => {
      p.post({ type: 'notice', level: 'error', text: messageOf(err) });
      throw err;
    });
    return p;
  }

  static serializer(s: Services): vscode.Disposable {
    return KIND.serializer(CompareTranslatorsState, (webview, saved) => {
      const p = new CompareTranslatorsPanel(webview, s, saved?.runIds ?? [], saved?.reference ?? '');
      if (!saved) return void p.post({ type: 'notice', level: 'warning', text: 'This comparison was saved by an older Seqlab; run "Seqlab: Compare Translators" again.' });
      void p.noticeOnFailure(p.translate(saved.source));
    });
  }

  /** Translates with every translator of the panel, showing each column as it finishes; cancellable. */
  async translate(text: string): Promise<CompareTranslatorsView | undefined> {
    const gen = ++this.generation;
    const total = this.runIds.length;
    const first = this.services.registry.get(this.runIds[0])?.name ?? 'the first translator';
    this.post({ type: 'progress', done: 0, total, text: `Translating with ${first} (1 of ${total})…` });
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Seqlab: comparing translators…' }, () =>
        compareWith(this.services, this.runIds, text, this.reference, {
          cancelled: () => gen !== this.generation || this.disposed,
          onColumn: (view, done, next) => {
            this.post({ type: 'comparison', view });
            if (next) this.post({ type: 'progress', done, total, text: `Translating with ${next} (${done + 1} of ${total})…` });
          },
        }),
      );
      if (!result || gen !== this.generation) return undefined;
      this.view = result.view;
      this.translations = result.translations;
      this.panel.title = `Compare: ${result.view.source.slice(0, 30)}`;
      this.post({ type: 'comparison', view: result.view });
      return result.view;
    } finally {
      if (gen === this.generation) this.post({ type: 'idle' });
    }
  }

  protected onReady(): void {
    if (this.view) this.post({ type: 'comparison', view: this.view });
  }

  protected async onRequest(method: string, params: unknown): Promise<unknown> {
    switch (method) {
      case 'translate': {
        const v = await this.translate((params as { text: string }).text);
        return { columns: v?.columns.length ?? 0 };
      }
      case 'reference': {
        this.reference = (params as { reference: string }).reference;
        if (this.view) {
          this.view = withReference(this.view, this.reference);
          this.post({ type: 'comparison', view: this.view });
        }
        return { reference: referenceTokens(this.reference) };
      }
      case 'cancel': {
        this.generation++;
        this.post({ type: 'idle' });
        // What was shown before the cancelled translation comes back.
        if (this.view) this.post({ type: 'comparison', view: this.view });
        this.post({ type: 'notice', level: 'info', text: 'Cancelled. A translation already running on the compute thread finishes there and is discarded.' });
        return { cancelled: true };
      }
      case 'heatmap': {
        const { runId, index } = params as { runId: string; index: number };
        const tv = this.translations.get(runId);
        if (!tv) throw new SeqlabError('That translator has no translation to show here; translate the sentence again.');
        const v = attentionFromTranslations(tv, index);
        AttentionHeatmapPanel.show(this.services, v);
        return { rows: v.hypotheses[v.selected].targetTokens.length, cols: v.hypotheses[v.selected].sourceTokens.length };
      }
      case 'markdown': {
        if (!this.view) throw new SeqlabError('There is no comparison to export yet.');
        const md = comparisonMarkdown(this.view);
        if ((params as { to: string }).to === 'clipboard') {
          await vscode.env.clipboard.writeText(md);
          void vscode.window.showInformationMessage('Seqlab: the comparison is on the clipboard as a Markdown table.');
        } else await openMarkdown(md);
        return { length: md.length };
      }
      default:
        throw new SeqlabError(`Unknown request "${method}".`);
    }
  }
}

async function openMarkdown(markdown: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

/** The translators to compare: two or more runs selected in the Runs view, or the user's picks. */
async function pickTranslators(s: Services, preselect: readonly string[]): Promise<string[] | undefined> {
  const runs = s.registry.list().filter((r) => r.kind === 'translator' && r.checkpoint);
  if (runs.length < 2) throw new SeqlabError('Comparing needs two trained translators; train a seq2seq and an attention model first ("Seqlab: Train Translator…").', 'no-translator');
  const picks = await vscode.window.showQuickPick(
    runs.map((r: RunRecord) => ({ label: r.name, description: `${translatorArch(r)} · epoch ${r.epoch}`, picked: preselect.includes(r.id), id: r.id })),
    { canPickMany: true, ignoreFocusOut: true, title: 'Compare which translators? (pick two or more)' },
  );
  return picks?.map((p) => p.id);
}

/** The run ids of Runs-view nodes (the clicked one and the selection a context menu passes). */
function runIdsOf(nodes: readonly unknown[]): string[] {
  const ids = nodes.flatMap((n) => (n && typeof n === 'object' && (n as RunsNode).kind === 'run' ? [(n as Extract<RunsNode, { kind: 'run' }>).run.id] : []));
  return [...new Set(ids)];
}

/**
 * The command: from the palette (args or a picker), from the Runs view's context menu on a
 * translator (`node` and the selected `nodes`: two or more selected compare at once, one opens
 * the picker with it ticked), or from Translate Selection's result (its translator ticked).
 */
export async function compareTranslators(s: Services, arg?: CompareTranslatorsArgs | RunsNode, selected?: RunsNode[]): Promise<ComparisonResult | undefined> {
  const fromTree = arg && 'kind' in arg ? runIdsOf([arg, ...(selected ?? [])]) : undefined;
  const args: CompareTranslatorsArgs = arg && !('kind' in arg) ? arg : {};
  let ids = args.runs ?? (fromTree && fromTree.length >= 2 ? fromTree : undefined);
  ids ??= await pickTranslators(s, args.preselect ?? fromTree ?? []);
  if (!ids) return undefined;
  if (ids.length < 2) throw new SeqlabError('Pick at least two translators to compare.');
  const editor = vscode.window.activeTextEditor;
  const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const text = args.text ?? selection ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: 'English sentence to translate with each translator', value: 'i lost .' }));
  if (text === undefined) return undefined;
  if (args.show === false) {
    const r = await compareWith(s, ids, text, args.reference ?? '');
    return r && { view: r.view, markdown: comparisonMarkdown(r.view) };
  }
  const panel = await CompareTranslatorsPanel.show(s, ids, text, args.reference);
  return panel.view && { view: panel.view, markdown: comparisonMarkdown(panel.view) };
}
