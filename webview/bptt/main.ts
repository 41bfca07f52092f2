/**
 * BPTT Gradient Explorer (d2l 8.7): ‖∂L/∂H_t‖ at every step of one window, the loss at the last
 * step, for RNN, GRU and LSTM on a log scale — how fast gradients vanish (or explode) back in time.
 */
import baseCss from '../common/base.css';
import { addStyle, el, val, setVal, showNotice, whileBusy } from '../common/dom';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { button, progressRing, select, setOptions, textfield } from '../common/elements';
import { BpttOptions, BpttToWebview, type BpttRuns, type BpttToHost } from '../../src/protocol/labs';

addStyle(baseCss);

const host = connectHost<BpttToWebview, BpttToHost>(BpttToWebview);
const onExport = (format: 'png' | 'svg', fileName: string, data: string) => host.post({ type: 'export', format, fileName, data });
const fields = [textfield('steps', 'steps', { size: '5' }), textfield('hidden', 'hidden units', { size: '5' }), textfield('init-std', 'init std (empty = 1/√H)', { size: '5' }), textfield('seed', 'seed', { size: '5' })];
const [steps, hidden, initStd, seed] = fields.map((f) => f.field);
// '' = fresh RNN, GRU and LSTM cells; else the id of a trained run
const modelPick = select('model', [['', 'fresh RNN, GRU and LSTM cells']], 'What to measure');
const runBtn = button('Measure', { id: 'run' });
const busy = progressRing();
const about = el('div', { class: 'muted', id: 'about' });
const cards = el('div', { class: 'cards', id: 'cards' });
const plots = el('div', {});
const plot = new Plot(plots, { id: 'bptt-gradients', title: '‖∂L/∂H_t‖ going back in time', xLabel: 'time step t (loss at the last step)', yLabel: 'gradient norm', logY: true, integerX: true, points: true, height: 360, onExport });
document.body.append(el('main', {}, el('h1', {}, 'BPTT gradient explorer — d2l 8.7'), about,
  el('div', { class: 'toolbar' }, modelPick, ...fields.map((f) => f.row), runBtn, busy), cards, plots));

const ABOUT_FRESH = 'Freshly initialised cells on random tokens; the ratio first/last step below 1 means vanishing, above 1 exploding.';
const ABOUT_RUN = 'The trained model’s first layer on windows of its own corpus, beside freshly initialised cells of its kind and size (weights at 1/√H) on the same windows.';

let runs: BpttRuns = [];
/** Hidden units of fresh cells, kept while a run (which has its own) is picked. */
let freshHidden = '';

/** Hidden units and the init scale belong to fresh cells only: a trained run has its own. */
function syncFields(): void {
  const run = runs.find((r) => r.id === val(modelPick));
  if (!hidden.hasAttribute('disabled')) freshHidden = val(hidden);
  for (const f of [hidden, initStd]) f.toggleAttribute('disabled', Boolean(run));
  setVal(hidden, run ? String(run.hidden) : freshHidden);
  about.textContent = run ? ABOUT_RUN : ABOUT_FRESH;
}
modelPick.addEventListener('change', syncFields);

runBtn.addEventListener('click', async () => {
  const std = val(initStd).trim();
  const opts = BpttOptions.safeParse({ steps: Number(val(steps)), hidden: Number(hidden.hasAttribute('disabled') ? freshHidden : val(hidden)), initStd: std ? Number(std) : null, seed: Number(val(seed)), runId: val(modelPick) || null });
  if (!opts.success) return showNotice('error', 'Steps must be 2–200, hidden units 1–512, the init std a positive number (or empty), the seed ≥ 0.');
  await whileBusy(busy, () => host.request('run', opts.data));
});

host.onMessage((m) => {
  if (m.type === 'notice') return showNotice(m.level, m.text);
  if (m.type !== 'bptt') return;
  host.setState(m.options);
  runs = m.runs;
  hidden.removeAttribute('disabled');
  setVal(hidden, String(m.options.hidden));
  setOptions(modelPick, [['', 'fresh RNN, GRU and LSTM cells'], ...m.runs.map((r) => [r.id, `${r.name} (trained ${r.cell.toUpperCase()})`] as const)]);
  setVal(modelPick, m.options.runId ?? '');
  setVal(steps, String(m.options.steps));
  setVal(initStd, m.options.initStd === null ? '' : String(m.options.initStd));
  setVal(seed, String(m.options.seed));
  syncFields();
  const name = (r: (typeof m.results)[number]) => r.label ?? r.kind.toUpperCase();
  cards.replaceChildren(...m.results.map((r, i) => el('div', { class: 'card', 'data-card': m.options.runId ? String(i) : r.kind },
    el('div', { class: 'value' }, r.ratio.toExponential(2)), el('div', { class: 'label' }, `${name(r)}: ‖∂L/∂H₁‖ / ‖∂L/∂H_T‖`))));
  plot.setSeries(m.results.map((r) => ({ label: name(r), x: r.gradNorms.map((_, i) => i + 1), y: r.gradNorms.map((v) => (v > 0 ? v : null)) })));
});
host.post({ type: 'ready' });
