/**
 * Sequence Model Lab (d2l 8.1): the noisy sine, the MLP's 1-step and multi-step predictions,
 * and k-step-ahead predictions for k = 1, 4, 16, 64 with their errors.
 */
import baseCss from '../common/base.css';
import { addStyle, el, val, setVal, showNotice, whileBusy } from '../common/dom';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { button, progressRing, textfield } from '../common/elements';
import { SineOptions, SineToWebview, type SineToHost } from '../../src/protocol/labs';

addStyle(baseCss);

const host = connectHost<SineToWebview, SineToHost>(SineToWebview);
const onExport = (format: 'png' | 'svg', fileName: string, data: string) => host.post({ type: 'export', format, fileName, data });
const tauF = textfield('tau', 'τ', { size: '4' }), epochsF = textfield('epochs', 'epochs', { size: '4' }), seedF = textfield('seed', 'seed', { size: '4' });
const tau = tauF.field, epochs = epochsF.field, seed = seedF.field;
const runBtn = button('Train again', { id: 'run' });
const busy = progressRing();
const cards = el('div', { class: 'cards', id: 'cards' });
const plots = el('div', {});
const predPlot = new Plot(plots, { id: 'sine-predictions', title: 'Observations, 1-step and multi-step predictions', xLabel: 'time t', yLabel: 'x', height: 300, onExport });
const kPlot = new Plot(plots, { id: 'sine-k-step', title: 'k-step-ahead predictions', xLabel: 'time t', yLabel: 'x', height: 300, onExport });
document.body.append(el('main', {}, el('h1', {}, 'Sequence Model Lab — d2l 8.1'),
  el('div', { class: 'muted' }, 'x_t = sin(0.01 t) + ε, ε ~ N(0, 0.2); an MLP sees τ past values and predicts the next. Trained on the first 600 examples.'),
  el('div', { class: 'toolbar' }, tauF.row, epochsF.row, seedF.row, runBtn, busy), cards, plots));

runBtn.addEventListener('click', async () => {
  const opts = SineOptions.safeParse({ tau: Number(val(tau)), epochs: Number(val(epochs)), seed: Number(val(seed)) });
  if (!opts.success) return showNotice('error', 'τ must be 1–64, epochs 1–200 and the seed a whole number ≥ 0.');
  await whileBusy(busy, () => host.request('run', opts.data), runBtn);
});

host.onMessage((m) => {
  if (m.type === 'notice') return showNotice(m.level, m.text);
  if (m.type !== 'sine') return;
  const r = m.result;
  host.setState(m.options);
  setVal(tau, String(m.options.tau));
  setVal(epochs, String(m.options.epochs));
  setVal(seed, String(m.options.seed));
  const t = r.x.map((_, i) => i + 1);
  const card = (label: string, v: number) => el('div', { class: 'card', 'data-card': label }, el('div', { class: 'value' }, v.toFixed(4)), el('div', { class: 'label' }, label));
  cards.replaceChildren(card('training MSE', r.trainMse), card('1-step MSE', r.onestepMse), card('multi-step MSE', r.multistepMse),
    ...Object.entries(r.kStepMse).map(([k, v]) => card(`k = ${k} MSE`, v)));
  // onestep[i] predicts x at time τ+i+1 (1-based); multistep covers the same times, fed back after nTrain + τ.
  const predT = r.onestep.map((_, i) => r.tau + i + 1);
  predPlot.setSeries([
    { label: 'data', x: t, y: r.x },
    { label: '1-step preds', x: predT, y: r.onestep },
    { label: 'multistep preds', x: r.multistep.map((_, i) => r.tau + i + 1).filter((x) => x > m.nTrain + r.tau), y: r.multistep.filter((_, i) => r.tau + i + 1 > m.nTrain + r.tau) },
  ]);
  kPlot.setSeries(Object.entries(r.kStep).map(([k, s]) => ({ label: `${k}-step preds`, x: s.values.map((_, i) => s.start + i + 1), y: s.values })));
});
host.post({ type: 'ready' });
