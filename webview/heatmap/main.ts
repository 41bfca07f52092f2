/**
 * Gate Heatmap: one map per gate (GRU: update z, reset r, candidate h̃; LSTM: input i, forget f,
 * output o, candidate c̃) plus the hidden state H and (LSTM) the memory C, units × time steps,
 * the input characters along the axis, values on hover, units sorted and filtered.
 */
import baseCss from '../common/base.css';
import { addStyle, el, val, setVal, showNotice } from '../common/dom';
import { connectHost } from '../common/host';
import { svgExportButton } from '../common/svg-export';
import { button, select, setOptions, textfield } from '../common/elements';
import { cssVar, parseColor } from '../common/theme';
import { HeatmapState, HeatmapToWebview, type Activations, type HeatmapToHost } from '../../src/protocol/heatmap';
import css from './style.css';
import { showToken } from '../common/tokens';

addStyle(baseCss);
addStyle(css);

const host = connectHost<HeatmapToWebview, HeatmapToHost>(HeatmapToWebview);
let state = host.getState(HeatmapState);
let current: Extract<HeatmapToWebview, { type: 'activations' }> | undefined;

const GATE_TITLES: Record<string, string> = {
  z: 'update gate Z', r: 'reset gate R', h: 'candidate H̃', 'h̃': 'candidate H̃',
  i: 'input gate I', f: 'forget gate F', o: 'output gate O', c: 'candidate C̃', 'c̃': 'candidate C̃',
};

const title = el('h1', {}, 'Gate heatmap');
const subtitle = el('div', { class: 'muted' }, 'Loading…');
const inputF = textfield('input-text', 'Input', { size: '50' });
const input = inputF.field;
// It runs the model over the text and records every gate at every step.
const recordBtn = button('Run on this input', { id: 'record' });
const layerPick = select('layer', [['0', 'layer 1']], 'Layer');
const sortPick = select('sort', [['index', 'units by index'], ['variance', 'units by variance'], ['mean', 'units by mean']], 'Order of units');
const topPick = select('top', ['0', '16', '32', '64', '128'].map((v) => [v, v === '0' ? 'all units' : `top ${v} by variance`] as const), 'Units shown');
// A barely trained model's gates all sit near 0.5: stretching the colours to the data shows its structure.
const scalePick = select('scale', [['fixed', 'natural range'], ['stretch', 'stretch to data']], 'Colour scale');
const maps = el('div', { id: 'maps' });
const tip = el('div', { id: 'tip', role: 'tooltip', hidden: '' });
document.body.append(
  el('main', {}, title, subtitle,
    el('div', { class: 'toolbar' }, inputF.row, recordBtn),
    el('div', { class: 'toolbar' }, layerPick, sortPick, topPick, scalePick,
      el('span', { class: 'legend' }, el('span', { class: 'swatch neg' }), '−1', el('span', { class: 'swatch zero' }), '0', el('span', { class: 'swatch pos' }), '+1')),
    maps),
  tip,
);


recordBtn.addEventListener('click', async () => {
  const text = val(input);
  recordBtn.setAttribute('disabled', '');
  try {
    await host.request('record', { text });
  } catch (err) {
    showNotice('error', (err as Error).message);
  } finally {
    recordBtn.removeAttribute('disabled');
  }
});
for (const [pick, key] of [[layerPick, 'layer'], [sortPick, 'sort'], [topPick, 'top'], [scalePick, 'scale']] as const) {
  pick.addEventListener('change', () => {
    if (!state) return;
    const v = val(pick);
    state = { ...state, [key]: key === 'sort' || key === 'scale' ? v : Number(v) } as HeatmapState;
    host.setState(state);
    draw();
  });
}

const rgb = parseColor;

function stats(m: number[][], unit: number): { mean: number; variance: number } {
  let s = 0, s2 = 0;
  for (const row of m) {
    s += row[unit];
    s2 += row[unit] * row[unit];
  }
  const mean = s / m.length;
  return { mean, variance: s2 / m.length - mean * mean };
}

/** Which units to show, in which order (shared by all maps of a layer so rows line up). */
function unitOrder(l: Activations['layers'][number]): number[] {
  const H = l.hidden[0]?.length ?? 0;
  const units = Array.from({ length: H }, (_, i) => i);
  const st = units.map((u) => stats(l.hidden, u));
  const top = state?.top ?? (H > 64 ? 64 : 0);
  let chosen = units;
  if (top > 0 && top < H) chosen = [...units].sort((a, b) => st[b].variance - st[a].variance).slice(0, top);
  const sort = state?.sort ?? 'index';
  if (sort === 'index') chosen = [...chosen].sort((a, b) => a - b);
  else chosen = [...chosen].sort((a, b) => st[b][sort] - st[a][sort]);
  return chosen;
}

const SVGNS = 'http://www.w3.org/2000/svg';
const CELL_W = 16, LEFT = 36, TOP = 18;
/** Taller rows when there are few units, so a small model's map is not a sliver. */
let CELL_H = 8;

/**
 * Maps a value to a colour strength in [0, 1]. Fixed: gates by value in 0…1, signed states by
 * |v| in 0…1. Stretched: gates by (v − lo)/(hi − lo), signed states by |v| / max|v| over the map.
 */
function strength(m: number[][], units: number[], signed: boolean): { of: (v: number) => number; range: string } {
  if (state?.scale !== 'stretch') return { of: (v) => (signed ? Math.min(1, Math.abs(v)) : Math.min(1, Math.max(0, v))), range: signed ? '−1 … +1' : '0 … 1' };
  let lo = Infinity, hi = -Infinity;
  for (const row of m) for (const u of units) {
    lo = Math.min(lo, row[u]);
    hi = Math.max(hi, row[u]);
  }
  const f = (x: number) => x.toFixed(2);
  if (signed) {
    const amp = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return { of: (v) => Math.abs(v) / amp, range: `−${f(amp)} … +${f(amp)}, stretched` };
  }
  const span = hi - lo || 1;
  return { of: (v) => (v - lo) / span, range: `${f(lo)} … ${f(hi)}, stretched` };
}

function heatmap(id: string, label: string, m: number[][], tokens: string[], units: number[], signed: boolean): HTMLElement {
  const scale = strength(m, units, signed);
  const neg = rgb(cssVar('--vscode-charts-blue', '#3794ff'));
  const pos = rgb(cssVar('--vscode-charts-orange', '#d18616'));
  const fg = cssVar('--vscode-editor-foreground', '#ccc');
  const T = tokens.length;
  CELL_H = units.length <= 32 ? 12 : 8;
  const svg = document.createElementNS(SVGNS, 'svg');
  const W = LEFT + T * CELL_W + 4, Hh = TOP + units.length * CELL_H + 4;
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(Hh));
  svg.setAttribute('viewBox', `0 0 ${W} ${Hh}`);
  svg.setAttribute('class', 'heatmap');
  svg.dataset.units = String(units.length);
  svg.dataset.steps = String(T);
  // Characters along the time axis.
  tokens.forEach((t, j) => {
    const tx = document.createElementNS(SVGNS, 'text');
    tx.setAttribute('x', String(LEFT + j * CELL_W + CELL_W / 2));
    tx.setAttribute('y', '12');
    tx.setAttribute('text-anchor', 'middle');
    tx.setAttribute('fill', fg);
    tx.setAttribute('class', 'step-label');
    tx.textContent = showToken(t.length > 2 ? t.slice(0, 2) : t);
    svg.append(tx);
  });
  units.forEach((u, i) => {
    if (i % 8 === 0) {
      const ty = document.createElementNS(SVGNS, 'text');
      ty.setAttribute('x', String(LEFT - 4));
      ty.setAttribute('y', String(TOP + i * CELL_H + CELL_H - 1));
      ty.setAttribute('text-anchor', 'end');
      ty.setAttribute('fill', fg);
      ty.setAttribute('class', 'unit-label');
      ty.textContent = String(u);
      svg.append(ty);
    }
    for (let j = 0; j < T; j++) {
      const v = m[j][u];
      const a = scale.of(v);
      const [r, g, b] = signed && v < 0 ? neg : pos;
      const rect = document.createElementNS(SVGNS, 'rect');
      rect.setAttribute('x', String(LEFT + j * CELL_W));
      rect.setAttribute('y', String(TOP + i * CELL_H));
      rect.setAttribute('width', String(CELL_W - 1));
      rect.setAttribute('height', String(CELL_H - 1));
      rect.setAttribute('fill', `rgba(${r},${g},${b},${(0.08 + 0.92 * a).toFixed(3)})`);
      rect.setAttribute('class', 'cell');
      rect.dataset.u = String(u);
      rect.dataset.t = String(j);
      rect.dataset.v = v.toFixed(4);
      svg.append(rect);
    }
  });
  const box = el('div', { class: 'plot-box heatmap-box', 'data-map': id },
    // Gates are sigmoids in [0, 1] drawn in one colour; states are tanh-like in [−1, 1] and diverge.
    el('div', { class: 'plot-head' }, el('span', { class: 'plot-title' }, `${label} (${scale.range})`),
      el('span', { class: 'toolbar' },
        exportButton('png', id, svg), exportButton('svg', id, svg))),
    el('div', { class: 'heatmap-scroll' }, svg));
  svg.addEventListener('mousemove', (e) => {
    const c = e.target as SVGElement;
    if (!(c instanceof SVGRectElement) || !c.dataset.u) return void (tip.hidden = true);
    const j = Number(c.dataset.t);
    tip.textContent = `${label} · unit ${c.dataset.u} · step ${j} “${showToken(tokens[j])}” · ${c.dataset.v}`;
    tip.hidden = false;
    tip.style.left = `${e.clientX + 12}px`;
    tip.style.top = `${e.clientY + 12}px`;
  });
  svg.addEventListener('mouseleave', () => (tip.hidden = true));
  return box;
}

function exportButton(format: 'png' | 'svg', id: string, svg: SVGSVGElement): HTMLElement {
  return svgExportButton(format, svg, { name: `heatmap-${id}`, fillCanvas: true, post: (m) => host.post(m) });
}

function draw(): void {
  if (!current) return;
  const r = current.result;
  const li = Math.min(state?.layer ?? 0, r.layers.length - 1);
  const l = r.layers[li];
  if (!l) {
    maps.replaceChildren(el('div', { class: 'muted' }, 'The model recorded no layers.'));
    return;
  }
  setVal(sortPick, state?.sort ?? 'index');
  setVal(topPick, String(state?.top ?? ((l.hidden[0]?.length ?? 0) > 64 ? 64 : 0)));
  setVal(scalePick, state?.scale ?? 'fixed');
  const units = unitOrder(l);
  const gateNames = Object.keys(l.gates);
  const children: HTMLElement[] = gateNames.map((g) => heatmap(`gate-${g}`, GATE_TITLES[g] ?? `gate ${g}`, l.gates[g], r.tokens, units, /^(h|c|h̃|c̃)$/.test(g)));
  children.push(heatmap('hidden', 'hidden state H', l.hidden, r.tokens, units, true));
  if (l.memory) children.push(heatmap('memory', 'memory cell C', l.memory, r.tokens, units, true));
  maps.replaceChildren(...children);
  maps.dataset.layer = String(li);
  maps.dataset.maps = String(children.length);
}

host.onMessage((m) => {
  switch (m.type) {
    case 'activations': {
      current = m;
      state = { runId: m.runId, text: m.text, layer: state?.runId === m.runId ? state.layer : 0, sort: state?.sort, top: state?.top, scale: state?.scale };
      host.setState(state);
      title.textContent = `Gate heatmap — ${m.runName}`;
      const H = m.result.layers[0]?.hidden[0]?.length ?? 0;
      subtitle.textContent = `${m.cell.toUpperCase()}, ${H} hidden units, ${m.result.tokens.length} time steps${m.cell === 'rnn' ? ' (a plain RNN has no gates: only its hidden state is shown)' : ''}`;
      setVal(input, m.text);
      setOptions(layerPick, m.result.layers.map((l, i) => [String(i), `layer ${l.layer + 1}${l.direction === 'backward' ? ' (backward)' : ''}`] as const));
      setVal(layerPick, String(state.layer ?? 0));
      draw();
      break;
    }
    case 'deleted':
      recordBtn.setAttribute('disabled', '');
      break;
    case 'notice':
      showNotice(m.level, m.text);
      break;
  }
});
host.post({ type: 'ready' });
