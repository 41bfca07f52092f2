/**
 * BPTT Gradient Explorer (d2l 8.7): ‖∂L/∂H_t‖ at every step of one window, the loss at the last
 * step, for RNN, GRU and LSTM on a log scale — how fast gradients vanish (or explode) back in time.
 */
import baseCss from '../common/base.css';
import { addStyle, custom, el, val, setVal, showNotice, whileBusy } from '../common/dom';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { registerToolkit } from '../common/toolkit';
import { BpttOptions, BpttToWebview, type BpttToHost } from '../../src/protocol/labs';

registerToolkit();
addStyle(baseCss);

const host = connectHost<BpttToWebview, BpttToHost>(BpttToWebview);
const onExport = (format: 'png' | 'svg', fileName: string, data: string) => host.post({ type: 'export', format, fileName, data });
const field = (id: string, label: string) => custom('vscode-text-field', { id, size: '5' }, label);
const steps = field('steps', 'steps'), hidden = field('hidden', 'hidden units'), initStd = field('init-std', 'init std (empty = 1/√H)'), seed = field('seed', 'seed');
const runBtn = custom('vscode-button', { id: 'run' }, 'Measure');
const busy = custom('vscode-progress-ring', { hidden: '' });
const cards = el('div', { class: 'cards', id: 'cards' });
const plots = el('div', {});
const plot = new Plot(plots, { id: 'bptt-gradients', title: '‖∂L/∂H_t‖ going back in time', xLabel: 'time step t (loss at the last step)', yLabel: 'gradient norm', logY: true, points: true, height: 360, onExport });
document.body.append(el('main', {}, el('h1', {}, 'BPTT gradient explorer — d2l 8.7'),
  el('div', { class: 'muted' }, 'Freshly initialised cells on random tokens; the ratio first/last step below 1 means vanishing, above 1 exploding.'),
  el('div', { class: 'toolbar' }, steps, hidden, initStd, seed, runBtn, busy), cards, plots));

runBtn.addEventListener('click', async () => {
  const std = val(initStd).trim();
  const opts = BpttOptions.safeParse({ steps: Number(val(steps)), hidden: Number(val(hidden)), initStd: std ? Number(std) : null, seed: Number(val(seed)) });
  if (!opts.success) return showNotice('error', 'Steps must be 2–200, hidden units 1–512, the init std a positive number (or empty), the seed ≥ 0.');
  await whileBusy(busy, () => host.request('run', opts.data));
});

host.onMessage((m) => {
  if (m.type === 'notice') return showNotice(m.level, m.text);
  if (m.type !== 'bptt') return;
  host.setState(m.options);
  setVal(steps, String(m.options.steps));
  setVal(hidden, String(m.options.hidden));
  setVal(initStd, m.options.initStd === null ? '' : String(m.options.initStd));
  setVal(seed, String(m.options.seed));
  cards.replaceChildren(...m.results.map((r) => el('div', { class: 'card', 'data-card': r.kind },
    el('div', { class: 'value' }, r.ratio.toExponential(2)), el('div', { class: 'label' }, `${r.kind.toUpperCase()}: ‖∂L/∂H₁‖ / ‖∂L/∂H_T‖`))));
  plot.setSeries(m.results.map((r) => ({ label: r.kind.toUpperCase(), x: r.gradNorms.map((_, i) => i + 1), y: r.gradNorms.map((v) => (v > 0 ? v : null)) })));
});
host.post({ type: 'ready' });
