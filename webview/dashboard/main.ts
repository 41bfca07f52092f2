/**
 * Training dashboard: live train/validation curves with the n-gram baseline (language models)
 * or BLEU (translators), elapsed and remaining time, tokens/s, samples and the user's prompts.
 */
import baseCss from '../common/base.css';
import { addStyle, custom, el, fmt, setVal, showNotice, val } from '../common/dom';
import { button, checkbox, isChecked, select, setChecked, setOptions, textfield } from '../common/elements';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { DashboardState, DashboardToWebview, type DashboardToHost } from '../../src/protocol/dashboard';
import { MAX_SAMPLES, type RunRecord } from '../../src/protocol/runs';
import { metricName, timingText } from '../../src/protocol/run-summary';
import css from './style.css';

type RunMessage = Extract<DashboardToWebview, { type: 'run' }>;
type Baseline = NonNullable<RunMessage['baselines']>[number];

addStyle(baseCss);
addStyle(css);

const host = connectHost<DashboardToWebview, DashboardToHost>(DashboardToWebview);
let state = host.getState(DashboardState);
let run: RunRecord | undefined;
/** The fra-eng licence (CC BY 2.0) asks for its attribution wherever the data is shown; the host sends it. */
let attribution: string | null = null;
let baselines: Baseline[] = [];
let baselineNote = '';
let withValidation = true;
const onExport = (format: 'png' | 'svg', fileName: string, data: string) => host.post({ type: 'export', format, fileName, data });

const title = el('h1', {}, 'Training');
const subtitle = el('div', { class: 'muted', id: 'subtitle' }, 'Loading…');
const statusTag = custom('vscode-badge', { id: 'status' }, '…');
const progress = el('progress', { id: 'progress', max: '1', value: '0' });
const progressText = el('span', { class: 'muted', id: 'progress-text' });
const timing = el('span', { class: 'muted', id: 'timing' });
const pauseBtn = button('Pause', { id: 'pause' }, true);
const resumeBtn = button('Resume', { id: 'resume' }, true);
const stopBtn = button('Stop', { id: 'stop' }, true);
const logY = checkbox('log-y', 'log scale');
const baselinePick = select('baseline-n', [], 'n-gram baseline');
const baselineRow = el('span', { class: 'field', id: 'baseline-row', hidden: '' }, el('span', { class: 'muted' }, 'baseline:'), baselinePick);
const baselineInfo = el('div', { class: 'muted', id: 'baseline-note', hidden: '' });
const cards = el('div', { class: 'cards', id: 'cards' });
const plots = el('div', { class: 'grid2' });
const pplPlot = new Plot(plots, { id: 'perplexity', title: 'Perplexity', xLabel: 'epoch', yLabel: 'perplexity', points: true, integerX: true, onExport });
const bleuPlot = new Plot(plots, { id: 'bleu', title: 'BLEU (k = 2)', xLabel: 'epoch', yLabel: 'BLEU', points: true, integerX: true, height: 220, onExport });
const speedPlot = new Plot(plots, { id: 'tokens-per-second', title: 'Training speed', xLabel: 'epoch', yLabel: 'tokens / s', points: true, integerX: true, height: 220, onExport });
bleuPlot.root.hidden = true;
const samples = el('div', { id: 'samples' });
const promptF = textfield('prompt', 'Prompt', { placeholder: 'traveller', size: '24' });
const addPrompt = button('Add prompt', { id: 'add-prompt' }, true);
const promptBox = el('div', { id: 'prompts-box' }, el('h2', {}, 'Your prompts'),
  el('div', { class: 'muted' }, 'Continued by the model after every epoch (d2l samples “time traveller” and “traveller”).'),
  el('div', { class: 'toolbar' }, promptF.row, addPrompt), el('div', { id: 'prompts' }));
const errorBox = el('div', { id: 'error' });

document.body.append(
  el('main', {},
    el('div', { class: 'toolbar' }, title, statusTag),
    subtitle,
    el('div', { class: 'toolbar' }, progress, progressText, timing, pauseBtn, resumeBtn, stopBtn, logY, baselineRow),
    baselineInfo,
    errorBox,
    cards,
    plots,
    el('h2', {}, 'Samples'),
    samples,
    promptBox),
);

for (const [btn, action] of [[pauseBtn, 'pause'], [resumeBtn, 'resume'], [stopBtn, 'stop']] as const) {
  btn.addEventListener('click', async () => {
    try {
      await host.request('control', { action });
    } catch (err) {
      showNotice('error', (err as Error).message);
    }
  });
}

function saveState(patch: Partial<DashboardState>): void {
  state = { runId: run?.id ?? state?.runId ?? '', ...state, ...patch };
  host.setState(state);
}

logY.addEventListener('change', () => {
  saveState({ logY: isChecked(logY) });
  pplPlot.setLogY(state?.logY ?? false);
  if (run) drawCurves(run);
});
baselinePick.addEventListener('change', () => {
  const n = Number(val(baselinePick));
  saveState({ baselineN: baselines.find((b) => b.best)?.n === n ? undefined : n });
  if (run) {
    drawCurves(run);
    renderStatus(run);
  }
});

/** The baseline drawn: the user's pick, else the best of the table. */
function baseline(): Baseline | undefined {
  return baselines.find((b) => b.n === state?.baselineN) ?? baselines.find((b) => b.best);
}
const baselineLabel = (b: Baseline) => `${b.n}-gram baseline (ε = ${b.epsilon}) ${b.perplexity.toFixed(2)}`;

function drawCurves(r: RunRecord): void {
  const h = r.history;
  const x = h.map((p) => p.epoch);
  const series = [{ label: `train ${metricName(r)}`, x, y: h.map((p) => p.train) }];
  if (withValidation) series.push({ label: `validation ${metricName(r)}`, x, y: h.map((p) => p.valid) });
  const b = baseline();
  if (b && r.metric === 'perplexity') {
    // A flat dashed line across the epochs trained so far (at least 0…1 so it shows at once).
    const xs = [0, Math.max(1, r.epochs)];
    series.push({ label: baselineLabel(b), x: xs, y: xs.map(() => b.perplexity), dashed: true } as (typeof series)[number]);
  }
  pplPlot.setSeries(series);
  if (r.kind === 'translator') {
    const bleu = [];
    if (withValidation) bleu.push({ label: 'held-out BLEU', x, y: h.map((p) => p.bleu ?? null) });
    if (h.some((p) => p.bleuTextbook != null) || r.data === 'fra-eng') bleu.push({ label: 'textbook sentences BLEU', x, y: h.map((p) => p.bleuTextbook ?? null) });
    bleuPlot.root.hidden = bleu.length === 0;
    bleuPlot.setSeries(bleu);
  }
  speedPlot.setSeries([{ label: 'tokens/s', x, y: h.map((p) => p.tokensPerSec ?? null) }]);
}

/** The latest value of a column that is not null (BLEU is only measured on some epochs). */
function lastOf(r: RunRecord, key: 'bleu' | 'bleuTextbook'): number | null {
  for (let i = r.history.length - 1; i >= 0; i--) if (r.history[i][key] != null) return r.history[i][key]!;
  return null;
}

function renderStatus(r: RunRecord): void {
  statusTag.textContent = r.status;
  statusTag.dataset.status = r.status;
  (progress as HTMLProgressElement).value = r.epochs ? r.epoch / r.epochs : 0;
  progressText.textContent = `epoch ${r.epoch} of ${r.epochs}${r.engine ? ` · ${r.engine}` : ''}`;
  timing.textContent = timingText(r);
  const active = r.status === 'running' || r.status === 'paused';
  pauseBtn.toggleAttribute('disabled', r.status !== 'running');
  resumeBtn.toggleAttribute('disabled', !(r.status === 'paused' || r.status === 'interrupted'));
  stopBtn.toggleAttribute('disabled', !active && r.status !== 'interrupted');
  errorBox.replaceChildren(...(r.error ? [el('div', { class: 'notice error' }, r.error)] : []));
  const last = r.history[r.history.length - 1];
  const card = (label: string, value: string) => el('div', { class: 'card', 'data-card': label }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
  const b = baseline();
  const bleu = lastOf(r, 'bleu'), bleuTextbook = lastOf(r, 'bleuTextbook');
  cards.replaceChildren(
    card(`train ${metricName(r)}`, last?.train != null ? fmt(last.train, 4) : '—'),
    ...(withValidation ? [card(`validation ${metricName(r)}`, last?.valid != null ? fmt(last.valid, 4) : '—')] : []),
    ...(r.kind === 'translator' && withValidation ? [card('held-out BLEU', bleu != null ? bleu.toFixed(3) : '—')] : []),
    ...(r.kind === 'translator' && bleuTextbook != null ? [card('textbook sentences BLEU', bleuTextbook.toFixed(3))] : []),
    card('tokens / s', last?.tokensPerSec != null ? fmt(Math.round(last.tokensPerSec)) : '—'),
    ...(b && r.metric === 'perplexity' ? [card(`${b.n}-gram baseline (ε = ${b.epsilon})`, fmt(b.perplexity, 4))] : []),
  );
}

/** The given part (prefix, source sentence) dimmed, the generated part marked, so a continuation of spaces still shows. */
function sampleText(text: string, lead: number): (HTMLElement | string)[] {
  return [...(lead > 0 ? [el('span', { class: 'lead' }, text.slice(0, lead))] : []), el('span', { class: 'generated', title: 'generated' }, text.slice(lead))];
}

function sampleRow(s: RunRecord['samples'][number]): HTMLElement {
  // A translator's textbook sentences come as d2l prints them, one "source => translation, bleu" line each.
  const lines = s.text.includes(' => ') ? s.text.split('\n') : [s.text];
  return el('div', { class: 'sample', 'data-epoch': String(s.epoch) },
    el('span', { class: 'muted' }, `epoch ${s.epoch}: `),
    ...lines.flatMap((line, i) => {
      const at = line.indexOf(' => ');
      const parts = at >= 0 ? sampleText(line, at + 4) : sampleText(line, s.lead ?? 0);
      return [...(i > 0 ? [el('br')] : []), el('span', { class: 'sample-line' }, ...parts)];
    }));
}

function renderSamples(r: RunRecord): void {
  samples.replaceChildren(
    ...(r.samples.length ? [...r.samples].reverse().map(sampleRow) : [el('div', { class: 'muted' }, 'Samples appear after each epoch.')]),
  );
}

const continuations = new Map<string, { text: string; epoch: number } | { error: string }>();

function renderPrompts(): void {
  const list = state?.prompts ?? [];
  document.getElementById('prompts')!.replaceChildren(...list.map((p) => {
    const c = continuations.get(p);
    const remove = button('Remove', { 'data-remove': p, title: `Remove “${p}”` }, true);
    remove.addEventListener('click', () => {
      saveState({ prompts: (state?.prompts ?? []).filter((x) => x !== p) });
      renderPrompts();
    });
    const body = !c ? [el('span', { class: 'muted' }, 'waiting for the model…')]
      : 'error' in c ? [el('span', { class: 'muted' }, c.error)]
      : [el('span', { class: 'muted' }, `epoch ${c.epoch}: `), ...sampleText(c.text, c.text.toLowerCase().startsWith(p.toLowerCase()) ? p.length : 0)];
    return el('div', { class: 'sample prompt', 'data-prompt': p }, ...body, ' ', remove);
  }));
}

let generating = false;
async function continuePrompts(): Promise<void> {
  if (!run || run.kind !== 'language-model' || generating) return;
  generating = true;
  try {
    for (const p of state?.prompts ?? []) {
      try {
        continuations.set(p, await host.request<{ text: string; epoch: number }>('generate', { prompt: p }));
      } catch (err) {
        continuations.set(p, { error: (err as Error).message });
      }
      renderPrompts();
    }
  } finally {
    generating = false;
  }
}

addPrompt.addEventListener('click', () => {
  const p = val(promptF.field).trim();
  if (!p) return showNotice('info', 'Type a prompt first, e.g. “traveller”.');
  if (!(state?.prompts ?? []).includes(p)) saveState({ prompts: [...(state?.prompts ?? []), p] });
  setVal(promptF.field, '');
  renderPrompts();
  void continuePrompts();
});

function render(m: RunMessage): void {
  const r = m.run;
  run = r;
  attribution = m.attribution ?? null;
  baselines = m.baselines ?? [];
  baselineNote = m.baselineNote ?? '';
  withValidation = m.hasValidation ?? true;
  saveState({ runId: r.id });
  setChecked(logY, !!state?.logY);
  pplPlot.setLogY(!!state?.logY);
  title.textContent = r.name;
  const md = r.model;
  const model = r.kind === 'translator' ? `seq2seq, ${md.layers}-layer GRU encoder–decoder, ${md.hidden} hidden` : `${md.layers > 1 ? `${md.layers}-layer ` : ''}${md.bidirectional ? 'bidirectional ' : ''}${md.cell.toUpperCase()}, ${md.hidden} hidden, ${md.token} tokens`;
  subtitle.textContent = `${model} · data: ${r.data}${attribution ? ` (${attribution})` : ''}${withValidation ? '' : ' · no held-out split, so no validation curve'}`;
  pplPlot.setTitle(r.metric === 'loss' ? 'Loss' : 'Perplexity');
  pplPlot.setYLabel(metricName(r));
  baselineRow.hidden = baselines.length === 0;
  setOptions(baselinePick, baselines.map((b) => [String(b.n), `${b.best ? 'best: ' : ''}${b.n}-gram, ε = ${b.epsilon}: ${b.perplexity.toFixed(2)}`] as const));
  const chosen = baseline();
  if (chosen) setVal(baselinePick, String(chosen.n));
  baselineInfo.hidden = !baselineNote;
  baselineInfo.textContent = baselineNote;
  promptBox.hidden = r.kind !== 'language-model' || r.model.bidirectional;
  drawCurves(r);
  renderStatus(r);
  renderSamples(r);
  renderPrompts();
  void continuePrompts();
}

host.onMessage((m) => {
  switch (m.type) {
    case 'run':
      render(m);
      break;
    case 'metrics':
      if (!run || m.runId !== run.id) return;
      run.history = run.history.filter((p) => p.epoch !== m.point.epoch).concat(m.point);
      run.epoch = Math.max(run.epoch, m.point.epoch);
      pplPlot.append(`train ${metricName(run)}`, m.point.epoch, m.point.train);
      if (withValidation) pplPlot.append(`validation ${metricName(run)}`, m.point.epoch, m.point.valid);
      if (run.kind === 'translator') drawCurves(run);
      speedPlot.append('tokens/s', m.point.epoch, m.point.tokensPerSec ?? null);
      renderStatus(run);
      break;
    case 'sample':
      if (!run || m.runId !== run.id) return;
      run.samples = [...run.samples, { epoch: m.epoch, text: m.text, lead: m.lead }].slice(-MAX_SAMPLES);
      renderSamples(run);
      void continuePrompts();
      break;
    case 'status':
      if (!run || m.runId !== run.id) return;
      run.status = m.status;
      run.epoch = m.epoch;
      run.error = m.error;
      renderStatus(run);
      break;
    case 'deleted':
      for (const b of [pauseBtn, resumeBtn, stopBtn]) b.setAttribute('disabled', '');
      statusTag.textContent = 'deleted';
      break;
    case 'notice':
      showNotice(m.level, m.text);
      break;
  }
});
host.post({ type: 'ready' });
