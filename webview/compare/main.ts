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
  table.replaceChildren(
    el('tr', {}, el('th', {}, 'run'), el('th', { class: 'num' }, 'epochs'), el('th', { class: 'num' }, `best validation ${m.metric}`), el('th', { class: 'num' }, `last training ${m.metric}`)),
    ...m.runs.map((r) => {
      const valid = r.history.map((p) => p.valid).filter((v): v is number => v !== null);
      const lastTrain = r.history[r.history.length - 1]?.train;
      return el('tr', {}, el('td', {}, r.name), el('td', { class: 'num' }, String(r.history.length)),
        el('td', { class: 'num' }, valid.length ? Math.min(...valid).toFixed(3) : '—'), el('td', { class: 'num' }, lastTrain != null ? lastTrain.toFixed(3) : '—'));
    }),
  );
}

host.onMessage((m) => {
  if (m.type === 'runs') render(m);
  else if (m.type === 'notice') showNotice(m.level, m.text);
});
host.post({ type: 'ready' });
