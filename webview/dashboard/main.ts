/** Training dashboard: live train/validation perplexity with the n-gram baseline, tokens/s, samples. */
import baseCss from '../common/base.css';
import { addStyle, custom, el, fmt, showNotice } from '../common/dom';
import { button, checkbox, isChecked, setChecked } from '../common/elements';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { DashboardState, DashboardToWebview, type DashboardToHost } from '../../src/protocol/dashboard';
import { MAX_SAMPLES, type RunRecord } from '../../src/protocol/runs';
import css from './style.css';

/** The fra-eng licence (CC BY 2.0) asks for its attribution wherever the data is shown; the host sends it. */
let attribution: string | null = null;
const credit = () => (attribution ? ` (${attribution})` : '');

addStyle(baseCss);
addStyle(css);

const host = connectHost<DashboardToWebview, DashboardToHost>(DashboardToWebview);
let state = host.getState(DashboardState);
let run: RunRecord | undefined;
let baseline: { n: number; perplexity: number } | null = null;
const onExport = (format: 'png' | 'svg', fileName: string, data: string) => host.post({ type: 'export', format, fileName, data });

const title = el('h1', {}, 'Training');
const subtitle = el('div', { class: 'muted', id: 'subtitle' }, 'Loading…');
const statusTag = custom('vscode-badge', { id: 'status' }, '…');
const progress = el('progress', { id: 'progress', max: '1', value: '0' });
const progressText = el('span', { class: 'muted', id: 'progress-text' });
const pauseBtn = button('Pause', { id: 'pause' }, true);
const resumeBtn = button('Resume', { id: 'resume' }, true);
const stopBtn = button('Stop', { id: 'stop' }, true);
const logY = checkbox('log-y', 'log scale');
const cards = el('div', { class: 'cards', id: 'cards' });
const plots = el('div', { class: 'grid2' });
const pplPlot = new Plot(plots, { id: 'perplexity', title: 'Perplexity', xLabel: 'epoch', yLabel: 'perplexity', points: true, integerX: true, onExport });
const speedPlot = new Plot(plots, { id: 'tokens-per-second', title: 'Training speed', xLabel: 'epoch', yLabel: 'tokens / s', points: true, integerX: true, height: 220, onExport });
const samples = el('div', { id: 'samples' });
const errorBox = el('div', { id: 'error' });

document.body.append(
  el('main', {},
    el('div', { class: 'toolbar' }, title, statusTag),
    subtitle,
    el('div', { class: 'toolbar' }, progress, progressText, pauseBtn, resumeBtn, stopBtn, logY),
    errorBox,
    cards,
    plots,
    el('h2', {}, 'Samples'),
    samples),
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
logY.addEventListener('change', () => {
  state = { runId: run?.id ?? state?.runId ?? '', logY: isChecked(logY) };
  host.setState(state);
  pplPlot.setLogY(state.logY ?? false);
  if (run) drawCurves(run);
});

function metricName(r: RunRecord): string {
  return r.metric === 'loss' ? 'loss' : 'perplexity';
}

function drawCurves(r: RunRecord): void {
  const h = r.history;
  const series = [
    { label: `train ${metricName(r)}`, x: h.map((p) => p.epoch), y: h.map((p) => p.train) },
    { label: `validation ${metricName(r)}`, x: h.map((p) => p.epoch), y: h.map((p) => p.valid) },
  ];
  if (baseline && r.metric === 'perplexity') {
    // A flat dashed line across the epochs trained so far (at least 0…1 so it shows at once).
    const xs = [0, Math.max(1, r.epochs)];
    series.push({ label: `${baseline.n}-gram baseline ${baseline.perplexity.toFixed(2)}`, x: xs, y: xs.map(() => baseline!.perplexity), dashed: true } as (typeof series)[number]);
  }
  pplPlot.setSeries(series);
  speedPlot.setSeries([{ label: 'tokens/s', x: h.map((p) => p.epoch), y: h.map((p) => p.tokensPerSec ?? null) }]);
}

function renderStatus(r: RunRecord): void {
  statusTag.textContent = r.status;
  statusTag.dataset.status = r.status;
  (progress as HTMLProgressElement).value = r.epochs ? r.epoch / r.epochs : 0;
  progressText.textContent = `epoch ${r.epoch} of ${r.epochs}${r.engine ? ` · ${r.engine}` : ''}`;
  const active = r.status === 'running' || r.status === 'paused';
  pauseBtn.toggleAttribute('disabled', r.status !== 'running');
  resumeBtn.toggleAttribute('disabled', !(r.status === 'paused' || r.status === 'interrupted'));
  stopBtn.toggleAttribute('disabled', !active && r.status !== 'interrupted');
  errorBox.replaceChildren(...(r.error ? [el('div', { class: 'notice error' }, r.error)] : []));
  const last = r.history[r.history.length - 1];
  const card = (label: string, value: string) => el('div', { class: 'card', 'data-card': label }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
  cards.replaceChildren(
    card(`train ${metricName(r)}`, last?.train != null ? fmt(last.train, 4) : '—'),
    card(`validation ${metricName(r)}`, last?.valid != null ? fmt(last.valid, 4) : '—'),
    card('tokens / s', last?.tokensPerSec != null ? fmt(Math.round(last.tokensPerSec)) : '—'),
    ...(baseline ? [card(`${baseline.n}-gram baseline`, fmt(baseline.perplexity, 4))] : []),
  );
}

/** The given part (prefix, source sentence) dimmed, the generated part marked, so a continuation of spaces still shows. */
function sampleRow(s: RunRecord['samples'][number]): HTMLElement {
  const lead = s.lead ?? 0;
  return el('div', { class: 'sample', 'data-epoch': String(s.epoch) },
    el('span', { class: 'muted' }, `epoch ${s.epoch}: `),
    ...(lead > 0 ? [el('span', { class: 'lead' }, s.text.slice(0, lead))] : []),
    el('span', { class: 'generated', title: 'generated' }, s.text.slice(lead)));
}

function renderSamples(r: RunRecord): void {
  samples.replaceChildren(
    ...(r.samples.length ? [...r.samples].reverse().map(sampleRow) : [el('div', { class: 'muted' }, 'Samples appear after each epoch.')]),
  );
}

function render(r: RunRecord): void {
  run = r;
  state = { runId: r.id, logY: state?.logY };
  host.setState(state);
  setChecked(logY, !!state.logY);
  pplPlot.setLogY(!!state.logY);
  title.textContent = r.name;
  const m = r.model;
  subtitle.textContent = `${m.layers > 1 ? `${m.layers}-layer ` : ''}${m.bidirectional ? 'bidirectional ' : ''}${m.cell.toUpperCase()}, ${m.hidden} hidden, ${m.token} tokens · data: ${r.data}${credit()}`;
  pplPlot.setTitle(r.metric === 'loss' ? 'Loss' : 'Perplexity');
  pplPlot.setYLabel(metricName(r));
  drawCurves(r);
  renderStatus(r);
  renderSamples(r);
}

host.onMessage((m) => {
  switch (m.type) {
    case 'run':
      baseline = m.baseline;
      attribution = m.attribution ?? null;
      render(m.run);
      break;
    case 'metrics':
      if (!run || m.runId !== run.id) return;
      run.history = run.history.filter((p) => p.epoch !== m.point.epoch).concat(m.point);
      run.epoch = Math.max(run.epoch, m.point.epoch);
      pplPlot.append(`train ${metricName(run)}`, m.point.epoch, m.point.train);
      pplPlot.append(`validation ${metricName(run)}`, m.point.epoch, m.point.valid);
      speedPlot.append('tokens/s', m.point.epoch, m.point.tokensPerSec ?? null);
      renderStatus(run);
      break;
    case 'sample':
      if (!run || m.runId !== run.id) return;
      run.samples = [...run.samples, { epoch: m.epoch, text: m.text, lead: m.lead }].slice(-MAX_SAMPLES);
      renderSamples(run);
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
