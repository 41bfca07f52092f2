/**
 * Compare Translators: one sentence through two or more translators, a column each — its n-best
 * translations with Σ log P, the length-penalised score beam search ranks by and BLEU (d2l's,
 * k = 2) against the reference typed here (recomputed by the host as it is typed); an attention
 * model's heatmap a click away; the sentence editable, translating with progress and Cancel.
 */
import baseCss from '../common/base.css';
import { addStyle, el, val, setVal, showNotice } from '../common/dom';
import { connectHost } from '../common/host';
import { button, progressRing, textfield } from '../common/elements';
import {
  CompareTranslatorsState, CompareTranslatorsToWebview, type CompareColumn, type CompareTranslatorsToHost, type CompareTranslatorsView,
} from '../../src/protocol/compare-translators';
import css from './style.css';

addStyle(baseCss);
addStyle(css);

const host = connectHost<CompareTranslatorsToWebview, CompareTranslatorsToHost>(CompareTranslatorsToWebview);
let state = host.getState(CompareTranslatorsState);

const title = el('h1', {}, 'Compare translators');
const subtitle = el('div', { class: 'muted', id: 'subtitle' }, 'Loading…');
const sentenceF = textfield('sentence', 'Sentence', { size: '40' });
const translateBtn = button('Translate', { id: 'translate' });
const cancelBtn = button('Cancel', { id: 'cancel', hidden: '' }, true);
const busy = progressRing('busy');
const progressText = el('span', { id: 'progress', class: 'muted', role: 'status' });
const referenceF = textfield('reference', 'Reference', { size: '40', placeholder: 'the correct French, for BLEU' });
const refTokens = el('span', { id: 'ref-tokens', class: 'muted' });
const copyBtn = button('Copy as Markdown', { id: 'copy-markdown' }, true);
const openBtn = button('Open as Markdown', { id: 'open-markdown' }, true);
const columnsBox = el('div', { id: 'columns' });
document.body.append(
  el('main', {}, title, subtitle,
    el('div', { class: 'toolbar' }, sentenceF.row, translateBtn, cancelBtn, busy, progressText),
    el('div', { class: 'toolbar' }, referenceF.row, refTokens),
    el('div', { class: 'toolbar' }, copyBtn, openBtn),
    columnsBox),
);
if (state) setVal(referenceF.field, state.reference);

const fail = (err: unknown) => showNotice('error', (err as Error).message);

translateBtn.addEventListener('click', () => {
  document.getElementById('notice')?.remove();
  host.request('translate', { text: val(sentenceF.field) }).catch(fail);
});
sentenceF.field.addEventListener('keydown', (e) => {
  if ((e as KeyboardEvent).key === 'Enter') translateBtn.click();
});
cancelBtn.addEventListener('click', () => void host.request('cancel', {}).catch(fail));
copyBtn.addEventListener('click', () => void host.request('markdown', { to: 'clipboard' }).catch(fail));
openBtn.addEventListener('click', () => void host.request('markdown', { to: 'document' }).catch(fail));

// BLEU follows the reference as it is typed: saved at once (a reload keeps it), scored by the host.
let refTimer: ReturnType<typeof setTimeout> | undefined;
referenceF.field.addEventListener('input', () => {
  const reference = val(referenceF.field);
  if (state) host.setState((state = { ...state, reference }));
  clearTimeout(refTimer);
  refTimer = setTimeout(() => void host.request('reference', { reference }).catch(fail), 120);
});

const ARCH_LABEL: Record<string, string> = {
  seq2seq: 'plain seq2seq (d2l 9.7): one fixed context vector',
  attention: 'Bahdanau attention (d2l 10.4)',
};

function column(c: CompareColumn, bestBleu: number | null, beam: number): HTMLElement {
  const box = el('section', { class: 'column', 'data-run-id': c.runId, 'data-arch': c.arch, 'data-status': c.status },
    el('h2', {}, c.runName),
    el('div', { class: 'muted meta' }, `${ARCH_LABEL[c.arch] ?? c.arch}${c.data ? ` · ${c.data}` : ''} · checkpoint of epoch ${c.epoch}`));
  if (c.status === 'pending') box.append(el('div', { class: 'muted col-message' }, 'Translating…'));
  if (c.status === 'error') box.append(el('div', { class: 'notice error col-message', role: 'alert' }, c.error ?? 'This translator failed.'));
  if (c.warning) box.append(el('div', { class: 'notice warning col-message' }, c.warning));
  if (c.status !== 'ok') return box;
  const table = el('table', { class: 'data nbest' },
    el('tr', {}, el('th', { class: 'num' }, '#'), el('th', {}, 'translation'), el('th', { class: 'num', title: 'Σ log P of the tokens' }, 'log P'),
      el('th', { class: 'num', title: `the length-penalised score beam search ranks by, (1/L^α) Σ log P` }, 'score'), el('th', { class: 'num', title: "d2l's BLEU, k = 2" }, 'BLEU')));
  c.translations.forEach((t, i) => {
    const best = i === 0 && t.bleu !== null && t.bleu === bestBleu;
    table.append(el('tr', { class: 'hyp', 'data-rank': String(i) },
      el('td', { class: 'num' }, String(i + 1)),
      el('td', { class: 'text' }, `${t.text || '(empty)'}${t.finished ? '' : ' …'}`),
      el('td', { class: 'num' }, t.logProb.toFixed(3)),
      el('td', { class: 'num' }, t.score.toFixed(3)),
      el('td', { class: `num bleu${best ? ' best' : ''}`, 'data-bleu': t.bleu === null ? '' : t.bleu.toFixed(3) }, t.bleu === null ? '—' : t.bleu.toFixed(3))));
  });
  box.append(table);
  if (c.translations.some((t) => !t.finished)) box.append(el('div', { class: 'muted' }, `… unfinished: no <eos> within the length limit (beam size ${beam})`));
  if (c.unknown.length) box.append(el('div', { class: 'muted' }, `unknown words: ${c.unknown.join(', ')}`));
  for (const n of c.notes) box.append(el('div', { class: 'muted' }, n));
  if (c.arch === 'attention') {
    if (c.alignment) box.append(el('div', { class: 'alignment', title: 'each output word ← the source word it attended to most (weight)' }, `attends: ${c.alignment}`));
    const heat = button('Attention heatmap', { class: 'heatmap', 'data-run-id': c.runId }, true);
    heat.addEventListener('click', () => void host.request('heatmap', { runId: c.runId, index: 0 }).catch(fail));
    box.append(el('div', { class: 'toolbar' }, heat));
  }
  return box;
}

function render(v: CompareTranslatorsView): void {
  // A field being typed in is the user's: a message never overwrites it.
  const typingReference = document.activeElement === referenceF.field;
  state = { runIds: v.columns.map((c) => c.runId), source: v.source, reference: typingReference ? val(referenceF.field) : v.reference };
  host.setState(state);
  title.textContent = `Compare translators — “${v.source}”`;
  subtitle.textContent = `${v.columns.length} translators · beam size ${v.beam}, α = ${v.alpha}: score = (1/L^α) Σ log P (d2l 10.8) · BLEU: d2l's, k = 2`;
  if (document.activeElement !== sentenceF.field) setVal(sentenceF.field, v.source);
  if (!typingReference) setVal(referenceF.field, v.reference);
  refTokens.textContent = v.referenceTokens
    ? `BLEU compares with: ${v.referenceTokens} (tokenised like the training pairs: lower case, a space before , . ! ?)`
    : 'Type the reference translation to score each translation with BLEU.';
  const firsts = v.columns.map((c) => c.translations[0]?.bleu ?? null).filter((b): b is number => b !== null);
  // Marked only where it tells something: two or more scored, and the best above 0.
  const bestBleu = firsts.length > 1 && Math.max(...firsts) > 0 ? Math.max(...firsts) : null;
  columnsBox.replaceChildren(...v.columns.map((c) => column(c, bestBleu, v.beam)));
  columnsBox.dataset.columns = String(v.columns.length);
  columnsBox.dataset.reference = v.referenceTokens;
}

function setBusy(on: boolean, text = ''): void {
  busy.hidden = !on;
  cancelBtn.hidden = !on;
  if (on) translateBtn.setAttribute('disabled', '');
  else translateBtn.removeAttribute('disabled');
  progressText.textContent = text;
  document.body.dataset.busy = on ? 'true' : 'false';
}

host.onMessage((m) => {
  if (m.type === 'comparison') render(m.view);
  else if (m.type === 'progress') setBusy(true, m.text);
  else if (m.type === 'idle') setBusy(false);
  else if (m.type === 'notice') showNotice(m.level, m.text);
});
host.post({ type: 'ready' });
