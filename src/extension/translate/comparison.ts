/**
 * What the Compare Translators panel shows, made from translation views (no `vscode` here, so
 * unit tests run it): one column per translator, BLEU against the reference, the Markdown export.
 */
import { bleu } from '../../core/metrics/bleu';
import { preprocessNmt } from '../../core/translation/nmt-data';
import { alignmentLine } from '../../core/translation/attention/alignment';
import type { TranslationView } from '../../protocol/beam-tree';
import type { CompareColumn, CompareTranslatorsView } from '../../protocol/compare-translators';
import type { RunRecord } from '../../protocol/runs';

/** BLEU's n-gram order in this panel: the textbook's k = 2 (d2l 9.7.4). */
export const BLEU_K = 2;

/** The reference as the translators' outputs are tokenised: d2l's preprocess_nmt, tokens joined by one space. */
export function referenceTokens(reference: string): string {
  return preprocessNmt(reference).split(/\s+/).filter(Boolean).join(' ');
}

/** d2l's bleu(pred, reference, k = 2), or null while there is no reference to compare with. */
export function bleuAgainst(text: string, reference: string): number | null {
  const ref = referenceTokens(reference);
  return ref ? bleu(text, ref, BLEU_K) : null;
}

/** The epoch of the run's last checkpoint (its folder is `…/epoch-000030`), else the run's epoch. */
export function checkpointEpoch(run: RunRecord): number {
  const m = /epoch-(\d+)[\\/]*$/.exec(run.checkpoint ?? '');
  return m ? Number(m[1]) : run.epoch;
}

/** What a column's header says a translator was trained on, e.g. "fra-eng · 200 pairs · 2×32 GRU". */
export function trainedOn(run: RunRecord): string {
  const pairs = typeof run.hyper.numExamples === 'number' ? `${run.hyper.numExamples} pairs` : 'all pairs';
  const data = run.data.split(/[\\/]/).pop() ?? run.data;
  return `${data} · ${pairs} · ${run.model.layers}×${run.model.hidden} ${run.model.cell.toUpperCase()}`;
}

/** A translator run and its architecture's registered name (`translatorArch` in ./translator.ts). */
export interface ComparedRun {
  run: RunRecord;
  arch: string;
}

function header({ run, arch }: ComparedRun): Pick<CompareColumn, 'runId' | 'runName' | 'arch' | 'data' | 'epoch'> {
  return { runId: run.id, runName: run.name, arch, data: trainedOn(run), epoch: checkpointEpoch(run) };
}

/** A column still translating. */
export function pendingColumn(r: ComparedRun): CompareColumn {
  return { ...header(r), status: 'pending', translations: [], unknown: [], notes: [] };
}

/** A translator that failed (a checkpoint that does not load, …): its one sentence, no rows. */
export function errorColumn(r: ComparedRun, message: string): CompareColumn {
  return { ...header(r), status: 'error', error: message, translations: [], unknown: [], notes: [] };
}

/** A run that no longer exists (deleted since the comparison was saved). */
export function missingColumn(runId: string): CompareColumn {
  return { runId, runName: runId, arch: 'unknown', data: '', epoch: 0, status: 'error', error: 'This translator no longer exists (its run was deleted).', translations: [], unknown: [], notes: [] };
}

/** A translated column: the n-best list with log P, the length-penalised score and BLEU. */
export function translatedColumn(r: ComparedRun, view: TranslationView, reference: string): CompareColumn {
  const allUnknown = view.sourceTokens.length > 0 && view.sourceTokens.every((t) => view.unknown.includes(t));
  const best = view.translations[0];
  return {
    ...header(r),
    arch: view.arch ?? r.arch,
    status: 'ok',
    ...(allUnknown ? { warning: `Every word of “${view.source}” is unknown to this translator's vocabulary (${view.unknown.join(', ')}): it translates <unk> only.` } : {}),
    translations: view.translations.map((t) => ({ text: t.text, logProb: t.logProb, score: t.score, finished: t.finished, bleu: bleuAgainst(t.text, reference) })),
    unknown: view.unknown,
    notes: view.notes ?? [],
    ...(view.arch === 'attention' && best?.attention ? { alignment: alignmentLine(best) } : {}),
  };
}

/** The same comparison against another reference: only BLEU changes. */
export function withReference(view: CompareTranslatorsView, reference: string): CompareTranslatorsView {
  return {
    ...view,
    reference,
    referenceTokens: referenceTokens(reference),
    columns: view.columns.map((c) => ({ ...c, translations: c.translations.map((t) => ({ ...t, bleu: bleuAgainst(t.text, reference) })) })),
  };
}

/** The comparison as a Markdown table: a column per translator, a row per n-best rank. */
export function comparisonMarkdown(view: CompareTranslatorsView): string {
  const esc = (x: string) => x.replace(/\|/g, '\\|');
  const n = Math.max(0, ...view.columns.map((c) => c.translations.length));
  const cell = (c: CompareColumn, i: number): string => {
    if (c.status === 'error') return i === 0 ? esc(c.error ?? 'failed') : '';
    const t = c.translations[i];
    if (!t) return '';
    return `${esc(t.text || '(empty)')} — score ${t.score.toFixed(3)}, log P ${t.logProb.toFixed(3)}${t.bleu !== null ? `, BLEU ${t.bleu.toFixed(3)}` : ''}`;
  };
  return [
    `# Translators on “${esc(view.source)}”`,
    '',
    view.referenceTokens ? `Reference: **${esc(view.referenceTokens)}** · BLEU with k = ${BLEU_K} (d2l 9.7)` : 'No reference given: no BLEU.',
    `Beam size ${view.beam}, α = ${view.alpha}; score = (1/L^α) Σ log P.`,
    '',
    `| # | ${view.columns.map((c) => `${esc(c.runName)} (${c.arch}, ${esc(c.data)}, epoch ${c.epoch})`).join(' | ')} |`,
    `| --- | ${view.columns.map(() => '---').join(' | ')} |`,
    ...Array.from({ length: Math.max(n, 1) }, (_, i) => `| ${i + 1} | ${view.columns.map((c) => cell(c, i)).join(' | ')} |`),
    '',
    ...view.columns.filter((c) => c.warning).map((c) => `${esc(c.runName)}: ${esc(c.warning!)}`),
    ...view.columns.filter((c) => c.alignment).map((c) => `${esc(c.runName)} attends: ${esc(c.alignment!)}`),
  ].join('\n');
}
