/** Compare Runs: train and validation curves of several runs overlaid. */
import baseCss from '../common/base.css';
import { addStyle, el, showNotice } from '../common/dom';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { checkbox, isChecked } from '../common/elements';
import { CompareState, CompareToWebview, type CompareToHost } from '../../src/protocol/dashboard';

addStyle(baseCss);

const host = connectHost<CompareToWebview, CompareToHost>(CompareToWebview);
const onExport = (format: 'png' | 'svg', fileName: string, data: string) => host.post({ type: 'export', format, fileName, data });
const title = el('h1', {}, 'Compare runs');
const logY = checkbox('log-y', 'log scale', true);
const showTrain = checkbox('show-train', 'training curves too');
const plots = el('div', {});
const plot = new Plot(plots, { id: 'compare', title: 'Validation perplexity', xLabel: 'epoch', yLabel: 'perplexity', logY: true, points: true, integerX: true, height: 380, onExport });
const table = el('table', { class: 'data', id: 'compare-table' });
document.body.append(el('main', {}, title, el('div', { class: 'toolbar' }, logY, showTrain), plots, el('h2', {}, 'Best per run'), table));

let last: Extract<CompareToWebview, { type: 'runs' }> | undefined;
logY.addEventListener('change', () => {
  plot.setLogY(isChecked(logY));
  if (last) render(last);
});
showTrain.addEventListener('change', () => last && render(last));

function render(m: Extract<CompareToWebview, { type: 'runs' }>): void {
  last = m;
  host.setState({ runIds: m.runs.map((r) => r.id) } satisfies CompareState);
  const train = isChecked(showTrain);
  plot.setTitle(`Validation ${m.metric}${train ? ' (dashed: training)' : ''}`);
  plot.setSeries(
    m.runs.flatMap((r, i) => [
      { label: r.name, x: r.history.map((p) => p.epoch), y: r.history.map((p) => p.valid ?? p.train), colorIndex: i },
      ...(train ? [{ label: `${r.name} (train)`, x: r.history.map((p) => p.epoch), y: r.history.map((p) => p.train), dashed: true, colorIndex: i }] : []),
    ]),
  );
  renderTable(m);
}

/** The results table: one row per run, sorted by the column last clicked (click again: reverse). */
let sortBy = -1; // -1: in the order the runs were given
let sortDir = 1;
function renderTable(m: Extract<CompareToWebview, { type: 'runs' }>): void {
  const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));
  const rows = m.runs.map((r) => {
    const valid = r.history.map((p) => p.valid).filter((v): v is number => v !== null);
    const b = m.best?.[r.id];
    return [r.name, r.history.length, valid.length ? Math.min(...valid) : null, r.history[r.history.length - 1]?.train ?? null, ...(m.best ? [b?.loss ?? null, b?.bleu ?? null] : [])] as (string | number | null)[];
  });
  const heads = ['run', 'epochs', `best validation ${m.metric}`, `last training ${m.metric}`, ...(m.best ? ['best loss', 'best BLEU'] : [])];
  const key = (v: string | number | null) => (v === null ? Infinity : v);
  if (sortBy >= 0) rows.sort((a, b) => {
    const x = key(a[sortBy]);
    const y = key(b[sortBy]);
    return sortDir * (typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : x - y);
  });
  table.replaceChildren(
    el('tr', {}, ...heads.map((h, i) => {
      const th = el('th', { class: i ? 'num sortable' : 'sortable', 'data-col': String(i), title: 'Sort by this column', ...(i === sortBy ? { 'data-sort': sortDir > 0 ? 'asc' : 'desc' } : {}) }, `${h}${i === sortBy ? (sortDir > 0 ? ' ▲' : ' ▼') : ''}`);
      th.addEventListener('click', () => {
        sortDir = i === sortBy ? -sortDir : 1;
        sortBy = i;
        renderTable(m);
      });
      return th;
    })),
    ...rows.map((row) => el('tr', {}, ...row.map((v, i) => el('td', i ? { class: 'num' } : {}, typeof v === 'number' ? (i === 1 ? String(v) : fmt(v, i === 4 ? 4 : 3)) : (v ?? '—'))))),
  );
}

host.onMessage((m) => {
  if (m.type === 'runs') render(m);
  else if (m.type === 'notice') showNotice(m.level, m.text);
});
host.post({ type: 'ready' });
