/**
 * Compare Translators: one sentence through two translators (typically a plain seq2seq and an
 * attention model) side by side — their n-best translations, scores and BLEU (k = 2, the
 * book's) against a reference the user gives — as a Markdown table.
 */
import * as vscode from 'vscode';
import { bleu } from '../../core/metrics/bleu';
import { SeqlabError } from '../../core/util/errors';
import type { TranslationView } from '../../protocol/beam-tree';
import { alignmentLine } from '../../core/translation/attention/alignment';
import type { Services } from '../services';
import { settings } from '../settings';
import { requireTranslator, translateWith, translatorArch } from './translator';

export interface CompareTranslatorsArgs {
  runs?: string[];
  text?: string;
  reference?: string;
  /** false: return the table without opening it (tests) */
  show?: boolean;
}

export interface ComparedTranslator {
  runId: string;
  runName: string;
  arch: string;
  translations: { text: string; score: number; bleu: number | null }[];
  alignment?: string;
}

export async function compareTranslators(s: Services, args: CompareTranslatorsArgs = {}): Promise<{ markdown: string; rows: ComparedTranslator[] } | undefined> {
  let ids = args.runs;
  if (!ids) {
    const runs = s.registry.list().filter((r) => r.kind === 'translator' && r.checkpoint);
    if (runs.length < 2) throw new SeqlabError('Comparing needs two trained translators; train a seq2seq and an attention model first.', 'no-translator');
    const picks = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.name, description: `${translatorArch(r)} · epoch ${r.epoch}`, id: r.id })),
      { canPickMany: true, ignoreFocusOut: true, title: 'Compare which translators? (pick two or more)' },
    );
    if (!picks) return undefined;
    ids = picks.map((p) => p.id);
  }
  if (ids.length < 2) throw new SeqlabError('Pick at least two translators to compare.');
  const text = args.text ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: 'English sentence to translate', value: 'i lost .' }));
  if (text === undefined) return undefined;
  const reference = args.reference ?? (await vscode.window.showInputBox({ ignoreFocusOut: true, prompt: 'Reference translation for BLEU (empty: no BLEU)', value: '' }));
  if (reference === undefined) return undefined;
  const rows = await Promise.all(
    ids.map(async (id) => {
      const run = requireTranslator(s, id);
      const view: TranslationView = await translateWith(s, run, text, settings.beamSize(), 0.75);
      return {
        runId: run.id,
        runName: run.name,
        arch: view.arch ?? 'seq2seq',
        translations: view.translations.map((t) => ({ text: t.text, score: t.score, bleu: reference.trim() ? bleu(t.text, reference, 2) : null })),
        ...(view.arch === 'attention' && view.translations[0] ? { alignment: alignmentLine(view.translations[0]) } : {}),
      };
    }),
  );
  const esc = (x: string) => x.replace(/\|/g, '\\|');
  const n = Math.max(...rows.map((r) => r.translations.length));
  const lines = [
    `# Translators on “${esc(text.trim())}”`,
    '',
    reference.trim() ? `Reference: **${esc(reference.trim())}** · BLEU with k = 2 (d2l 9.7)` : 'No reference given: no BLEU.',
    `Beam size ${settings.beamSize()}, α = 0.75.`,
    '',
    `| # | ${rows.map((r) => `${esc(r.runName)} (${r.arch})`).join(' | ')} |`,
    `| --- | ${rows.map(() => '---').join(' | ')} |`,
    ...Array.from({ length: n }, (_, i) =>
      `| ${i + 1} | ${rows.map((r) => { const t = r.translations[i]; return t ? `${esc(t.text || '(empty)')} — score ${t.score.toFixed(3)}${t.bleu !== null ? `, BLEU ${t.bleu.toFixed(3)}` : ''}` : ''; }).join(' | ')} |`),
    '',
    ...rows.filter((r) => r.alignment).map((r) => `${esc(r.runName)} attends: ${esc(r.alignment!)}`),
  ];
  const markdown = lines.join('\n');
  if (args.show !== false) {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }
  return { markdown, rows };
}
