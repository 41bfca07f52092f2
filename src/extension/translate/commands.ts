/** Train Translator…, Translate Selection and the hover translation. */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { guarded, messageOf } from '../errors';
import { launchRun } from '../runs/launch';
import type { Services } from '../services';
import { settings } from '../settings';
import { MT_PRESETS, type MtPresetName } from '../../core/training/presets';

const QUICK_HELD_OUT = 0.1;
import { BeamTreePanel } from './beamTreePanel';
import { activeTranslator, requireTranslator, translateWith, type DecodeSettings } from './translator';
import { AttentionHeatmapPanel, attentionFor } from './attentionHeatmapPanel';
import { attentionFromTranslations } from './attentionViews';
import { alignmentLine } from '../../core/translation/attention/alignment';
import { compareTranslators, CompareTranslatorsPanel, type CompareTranslatorsArgs } from './compareTranslators';
import type { RunsNode } from '../runs/runsTree';
import { TRANSLATORS } from '../../core/translation/registry';

export interface TrainTranslatorArgs {
  data?: string;
  /** Overrides of the textbook's settings (d2l 10.7: 600 pairs, 2-layer GRU, 32 hidden, 300 epochs). */
  hyper?: Record<string, number>;
  /** the architecture by its registered name (default: asked, or seq2seq when `hyper` is given) */
  model?: string;
  name?: string;
  dashboard?: boolean;
}

export interface TranslateArgs {
  text?: string;
  run?: string;
  beam?: number;
  alpha?: number;
  /** What to do with the best translation: show the n-best pick (default), insert after, replace, or nothing. */
  output?: 'pick' | 'insert' | 'replace' | 'none';
  /** Open the beam-search tree panel (default true). */
  tree?: boolean;
  /** Attention translators: open the Attention Heatmap (default true). */
  heatmap?: boolean;
  /** Beam-search steering: n-best, length penalty, min length, n-gram blocking, replace_unk. */
  decode?: DecodeSettings;
}

export interface AttentionHeatmapArgs {
  run?: string;
  text?: string;
}

export function registerTranslateCommands(s: Services): vscode.Disposable[] {
  const reg = (id: string, fn: (...a: never[]) => unknown) => vscode.commands.registerCommand(id, guarded(fn as (...a: unknown[]) => unknown));
  return [
    reg('seqlab.trainTranslator', (args?: TrainTranslatorArgs) => trainTranslator(s, args)),
    reg('seqlab.translateSelection', (args?: TranslateArgs) => translateSelection(s, args)),
    reg('seqlab.showAttentionHeatmap', (args?: AttentionHeatmapArgs) => showAttentionHeatmap(s, args)),
    reg('seqlab.compareTranslators', (arg?: CompareTranslatorsArgs | RunsNode, selected?: RunsNode[]) => compareTranslators(s, arg, selected)),
    CompareTranslatorsPanel.serializer(s),
    AttentionHeatmapPanel.serializer(s),
    vscode.languages.registerHoverProvider({ scheme: '*' }, { provideHover: (doc, pos, token) => hoverTranslation(s, doc, pos, token) }),
    BeamTreePanel.serializer(s),
  ];
}

export async function trainTranslator(s: Services, args: TrainTranslatorArgs = {}): Promise<string | undefined> {
  if (!s.manager.available) throw new SeqlabError('Training is not available in this build: the training process (dist/train-process.js) is missing.', 'not-available');
  let data = args.data;
  if (!data) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(globe) English–French pairs', description: 'd2l 10.5 (Tatoeba)', value: 'fra-eng' },
        { label: '$(folder-opened) Choose a tab-separated pairs file…', value: 'file' },
      ],
      { ignoreFocusOut: true, title: 'Train a translator on' },
    );
    if (!pick) return undefined;
    data = pick.value === 'file' ? (await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Pairs file (source<TAB>target per line)' }))?.[0]?.fsPath : pick.value;
    if (!data) return undefined;
  }
  let model = args.model ?? (args.hyper ? 'seq2seq' : undefined);
  if (!model) {
    const pick = await vscode.window.showQuickPick(
      TRANSLATORS.map((t) => ({ label: t.label, description: t.description, value: t.name })),
      { ignoreFocusOut: true, title: 'Translator model' },
    );
    if (!pick) return undefined;
    model = pick.value;
  }
  let hyper = { ...settings.translatorDefaults(), ...(args.hyper ?? {}) };
  if (!args.hyper) {
    // The core's presets (src/core/training/presets.ts), each with its own description; the textbook's reads the settings.
    const preset = await vscode.window.showQuickPick(
      // The all-pairs presets (hours of training, numExamples null) stay on the CLI for now: a run's record holds no null.
      (Object.entries(MT_PRESETS) as [MtPresetName, (typeof MT_PRESETS)[MtPresetName]][]).filter(([name]) => name === 'textbook' || name === 'quick').map(([name, p]) => ({
        label: p.label,
        description: name === 'textbook' ? `d2l 10.7 (settings: ${hyper.numExamples} pairs, ${hyper.epochs} epochs)` : undefined,
        detail: `${p.description}${name === 'textbook' ? '; trains on every pair as the book does, so no validation loss' : ''}${name === 'quick' ? `; ${QUICK_HELD_OUT * 100} % held out for validation loss and BLEU` : ''}`,
        name,
      })),
      { ignoreFocusOut: true, title: 'Translator settings' },
    );
    if (!preset) return undefined;
    // Quick look holds some pairs out so its dashboard shows validation loss and held-out BLEU.
    if (preset.name === 'quick') hyper = { ...hyper, ...(MT_PRESETS.quick.config as Record<string, number>), validFraction: QUICK_HELD_OUT, evalEvery: 5 };
  }
  const { epochs, numLayers, numHiddens, ...rest } = hyper;
  return launchRun(s, {
    kind: 'translator',
    name: args.name ?? `${model === 'attention' ? 'Attention' : 'Seq2seq'} · ${data === 'fra-eng' ? 'English→French' : data.split(/[\\/]/).pop()}`,
    data,
    model: { cell: 'gru', layers: numLayers, hidden: numHiddens, bidirectional: false, token: 'word' },
    hyper: { numLayers, numHiddens, ...rest, model },
    epochs,
    metric: 'loss',
  }, args.dashboard !== false);
}

export async function translateSelection(s: Services, args: TranslateArgs = {}) {
  const editor = vscode.window.activeTextEditor;
  const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const run = requireTranslator(s, args.run);
  const text = args.text ?? selection ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: 'English sentence to translate', value: 'go .' }));
  if (text === undefined) return undefined;
  const view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Seqlab: translating…' }, () =>
    translateWith(s, run, text, args.beam ?? settings.beamSize(), args.alpha ?? 0.75, args.decode),
  );
  if (args.tree !== false) BeamTreePanel.show(s, view);
  const attention = view.arch === 'attention';
  if (attention && args.heatmap !== false) AttentionHeatmapPanel.show(s, attentionFromTranslations(view));
  // replace_unk and other decoding notes are said where the user looks: a notification.
  for (const note of view.notes ?? []) void vscode.window.showInformationMessage(`Seqlab: ${note}`);
  let output = args.output ?? 'pick';
  let chosen = view.translations[0]?.text ?? '';
  if (output === 'pick') {
    // The same sentence through the other translators, side by side, is one pick away.
    const others = s.registry.list().some((r) => r.kind === 'translator' && r.checkpoint && r.id !== run.id);
    const compare = { label: '$(split-horizontal) Compare with other translators…', description: 'this sentence side by side: translations, scores, BLEU', compare: true as const };
    const p = await vscode.window.showQuickPick<vscode.QuickPickItem & { t?: (typeof view.translations)[number]; compare?: true }>(
      [...view.translations.map((t, i) => ({
        label: t.text || '(empty)',
        description: `score ${t.score.toFixed(3)} · log P ${t.logProb.toFixed(3)}${t.finished ? '' : ' · unfinished'}${t.replaced?.length ? ` · replace_unk: ${t.replaced.map((r) => r.source).join(', ')}` : ''}`,
        // Attention models: which source word each output word looked at most.
        detail: [i === 0 ? 'best' : '', attention ? `attends: ${alignmentLine(t)}` : ''].filter(Boolean).join(' · ') || undefined,
        t,
      })), ...(others ? [{ label: '', kind: vscode.QuickPickItemKind.Separator }, compare] : [])],
      { ignoreFocusOut: true, title: `Translations of “${text.trim().slice(0, 60)}”${view.unknown.length ? ` (unknown: ${view.unknown.join(', ')})` : ''}` },
    );
    if (!p) return view;
    if (p.compare || !p.t) {
      await compareTranslators(s, { preselect: [run.id], text });
      return view;
    }
    chosen = p.t.text;
    const how = editor && selection !== undefined ? await vscode.window.showQuickPick(['Insert after the selection', 'Replace the selection', 'Copy to clipboard'], { ignoreFocusOut: true, title: chosen }) : 'Copy to clipboard';
    output = how?.startsWith('Insert') ? 'insert' : how?.startsWith('Replace') ? 'replace' : 'none';
    if (how?.startsWith('Copy')) await vscode.env.clipboard.writeText(chosen);
  }
  if (editor && (output === 'insert' || output === 'replace')) {
    const sel = editor.selection;
    await editor.edit((e) => (output === 'replace' ? e.replace(sel, chosen) : e.insert(sel.end, ` ${chosen}`)));
  }
  return view;
}

async function hoverTranslation(s: Services, doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
  if (!settings.hoverTranslation() || !settings.hoverLanguages().includes(doc.languageId)) return undefined;
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document !== doc || editor.selection.isEmpty || !editor.selection.contains(pos)) return undefined;
  const text = doc.getText(editor.selection);
  if (!looksLikeSentence(text)) return undefined;
  const run = activeTranslator(s);
  if (!run) return new vscode.Hover(new vscode.MarkdownString(`Seqlab: no translator trained yet — run **Seqlab: Train Translator…**\n\n${HOVER_OFF}`), editor.selection);
  try {
    const view = await translateWith(s, run, text, settings.beamSize(), 0.75);
    if (token.isCancellationRequested) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Seqlab translation** (${run.name})\n\n`);
    view.translations.slice(0, 3).forEach((t, i) => md.appendMarkdown(`${i === 0 ? '**' : ''}${escapeMd(t.text)}${i === 0 ? '**' : ''} — score ${t.score.toFixed(3)}\n\n`));
    if (view.arch === 'attention' && view.translations[0]) {
      const args = encodeURIComponent(JSON.stringify([{ run: run.id, text }]));
      md.appendMarkdown(`_attends:_ ${escapeMd(alignmentLine(view.translations[0]))} — [attention heatmap](command:seqlab.showAttentionHeatmap?${args})\n\n`);
      md.isTrusted = { enabledCommands: ['seqlab.showAttentionHeatmap'] };
    }
    if (view.unknown.length) md.appendMarkdown(`_unknown: ${view.unknown.map(escapeMd).join(', ')}_\n\n`);
    md.appendMarkdown(HOVER_OFF);
    return new vscode.Hover(md, editor.selection);
  } catch (err) {
    return token.isCancellationRequested ? undefined : new vscode.Hover(`Seqlab: ${messageOf(err)}`, editor.selection);
  }
}

/** How to turn the hover off, said in every hover it shows. */
const HOVER_OFF = '_Turn this hover off with the setting `seqlab.hoverTranslation`; `seqlab.hoverTranslation.languages` picks the file types._';

/**
 * Whether a selection reads like a sentence to translate: a few words of letters (not code,
 * numbers or one long identifier), on one or two lines, at most 300 characters.
 */
export function looksLikeSentence(text: string): boolean {
  const t = text.trim();
  if (!t || t.length > 300 || t.split(/\r?\n/).length > 2) return false;
  if (/[{}<>;=()[\]`$\\|]/.test(t)) return false;
  const words = t.split(/\s+/);
  const letters = (t.match(/\p{L}/gu) ?? []).length;
  return letters >= 2 && letters / t.replace(/\s/g, '').length >= 0.6 && (words.length >= 2 || /[.!?]$/.test(t) || /^\p{L}+$/u.test(t));
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** Show Attention Heatmap: any sentence through an attention translator (the selection by default). */
export async function showAttentionHeatmap(s: Services, args: AttentionHeatmapArgs = {}): Promise<{ rows: number; cols: number } | undefined> {
  const run = requireTranslator(s, args.run, 'attention');
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const text = args.text ?? selected ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: `Sentence to translate with “${run.name}”`, value: 'i lost .' }));
  if (text === undefined) return undefined;
  const view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Seqlab: translating…' }, () => attentionFor(s, run.id, text));
  AttentionHeatmapPanel.show(s, view);
  const h = view.hypotheses[view.selected];
  return { rows: h.targetTokens.length, cols: h.sourceTokens.length };
}
