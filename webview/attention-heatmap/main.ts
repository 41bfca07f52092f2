/**
 * Attention Heatmap (d2l 10.4's show_heatmaps): for one hypothesis, one row per output token
 * (`<eos>` included) and one column per source token (`<eos>` included), each cell the weight
 * that output step put on that source position; values on hover, the n-best hypothesis
 * switchable, any sentence translatable, PNG/SVG export.
 */
import baseCss from '../common/base.css';
import { addStyle, el, val, setVal, showNotice } from '../common/dom';
import { connectHost } from '../common/host';
import { svgExportButton } from '../common/svg-export';
import { button, select, setOptions, textfield } from '../common/elements';
import { cssVar, parseColor } from '../common/theme';
import { AttentionHeatmapState, AttentionHeatmapToWebview, type AttentionHeatmapToHost, type AttentionHypothesis, type AttentionView } from '../../src/protocol/attention-heatmap';
import css from './style.css';

addStyle(baseCss);
addStyle(css);

const host = connectHost<AttentionHeatmapToWebview, AttentionHeatmapToHost>(AttentionHeatmapToWebview);
let state = host.getState(AttentionHeatmapState);
let view: AttentionView | undefined;

const title = el('h1', {}, 'Attention heatmap');
const subtitle = el('div', { class: 'muted', id: 'subtitle' }, 'Loading…');
const inputF = textfield('input-text', 'Sentence', { size: '40' });
const input = inputF.field;
const translateBtn = button('Translate', { id: 'translate' });
const hypPick = select('hypothesis', [['0', '1.']], 'Hypothesis');
const notes = el('div', { id: 'notes', class: 'muted' });
const mapBox = el('div', { id: 'map' });
const tip = el('div', { id: 'tip', role: 'tooltip', hidden: '' });
document.body.append(
  el('main', {}, title, subtitle,
    el('div', { class: 'toolbar' }, inputF.row, translateBtn),
    el('div', { class: 'toolbar' }, hypPick,
      el('span', { class: 'legend' }, '0', el('span', { class: 'swatch scale' }), '1')),
    notes, mapBox),
  tip,
);

translateBtn.addEventListener('click', async () => {
  const text = val(input).trim();
  if (!text) return showNotice('warning', 'Type a sentence to translate.');
  translateBtn.setAttribute('disabled', '');
  try {
    await host.request('translate', { text });
  } catch (err) {
    showNotice('error', (err as Error).message);
  } finally {
    translateBtn.removeAttribute('disabled');
  }
});
hypPick.addEventListener('change', () => {
  if (!view) return;
  state = { runId: view.runId, source: view.source, selected: Number(val(hypPick)) };
  host.setState(state);
  draw();
});

const SVGNS = 'http://www.w3.org/2000/svg';
const CELL = 28, LEFT_MIN = 40, TOP = 56;

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function heatmap(h: AttentionHypothesis): SVGSVGElement {
  const [r, g, b] = parseColor(cssVar('--vscode-charts-orange', '#d18616'));
  const fg = cssVar('--vscode-editor-foreground', '#ccc');
  const S = h.sourceTokens.length, T = h.targetTokens.length;
  const left = Math.max(LEFT_MIN, 8 + 7 * Math.max(...h.targetTokens.map((t) => t.length)));
  const W = left + S * CELL + 8, H = TOP + T * CELL + 8;
  const svg = svgEl('svg', { id: 'attention-map', class: 'heatmap', width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'data-rows': T, 'data-cols': S });
  // Source tokens (columns) along the top, slanted so long words fit; target tokens (rows) down the left.
  h.sourceTokens.forEach((t, j) => {
    const x = left + j * CELL + CELL / 2;
    svg.append(svgEl('text', { x, y: TOP - 6, fill: fg, class: 'col-label', transform: `rotate(-40 ${x} ${TOP - 6})` }, t));
  });
  const replacedAt = new Set((h.replaced ?? []).map((x) => x.index));
  h.targetTokens.forEach((t, i) => {
    svg.append(svgEl('text', { x: left - 6, y: TOP + i * CELL + CELL / 2 + 4, 'text-anchor': 'end', fill: fg, class: `row-label${replacedAt.has(i) ? ' replaced' : ''}` }, t));
    h.attention[i].forEach((v, j) => {
      const rect = svgEl('rect', {
        x: left + j * CELL, y: TOP + i * CELL, width: CELL - 2, height: CELL - 2,
        fill: `rgba(${r},${g},${b},${(0.04 + 0.96 * Math.min(1, Math.max(0, v))).toFixed(3)})`,
        class: 'cell', 'data-t': i, 'data-s': j, 'data-v': v.toFixed(4),
      });
      svg.append(rect);
    });
  });
  svg.addEventListener('mousemove', (e) => {
    const c = e.target as SVGElement;
    if (!(c instanceof SVGRectElement) || c.dataset.t === undefined) return void (tip.hidden = true);
    const i = Number(c.dataset.t), j = Number(c.dataset.s);
    tip.textContent = `“${h.targetTokens[i]}” → “${h.sourceTokens[j]}”: ${c.dataset.v}`;
    tip.hidden = false;
    tip.style.left = `${e.clientX + 12}px`;
    tip.style.top = `${e.clientY + 12}px`;
  });
  svg.addEventListener('mouseleave', () => (tip.hidden = true));
  return svg;
}

function draw(): void {
  if (!view) return;
  const idx = Math.min(state?.selected ?? view.selected, view.hypotheses.length - 1);
  setVal(hypPick, String(idx));
  const h = view.hypotheses[idx];
  const svg = heatmap(h);
  const replaced = (h.replaced ?? []).map((x) => `<unk> at ${x.index + 1} → “${x.source}”`);
  notes.replaceChildren(
    ...[...view.notes.filter((n) => !n.startsWith('replace_unk:')), ...(replaced.length ? [`replace_unk replaced ${replaced.join(', ')} — the source word each step attended to most (underlined rows).`] : [])]
      .map((n) => el('div', { class: 'note' }, n)),
  );
  mapBox.replaceChildren(
    el('div', { class: 'plot-box' },
      el('div', { class: 'plot-head' },
        el('span', { class: 'plot-title' }, `${h.label}${h.score !== null ? ` · score ${h.score.toFixed(3)}` : ''} — rows: output tokens, columns: source tokens`),
        el('span', { class: 'toolbar' },
          svgExportButton('png', svg, { name: 'attention-heatmap', fillCanvas: true, post: (m) => host.post(m) }),
          svgExportButton('svg', svg, { name: 'attention-heatmap', post: (m) => host.post(m) }))),
      el('div', { class: 'heatmap-scroll' }, svg)),
  );
  mapBox.dataset.rows = String(h.targetTokens.length);
  mapBox.dataset.cols = String(h.sourceTokens.length);
}

host.onMessage((m) => {
  if (m.type === 'attention') {
    view = m.view;
    const keep = state?.runId === view.runId && state.source === view.source;
    state = { runId: view.runId, source: view.source, selected: keep ? state?.selected : view.selected };
    host.setState(state);
    title.textContent = `Attention heatmap — “${view.source}”`;
    // Additive attention has one head and attends from the decoder's top layer, so there is one map.
    subtitle.textContent = `${view.runName} · Bahdanau additive attention (d2l 10.4): one map — one head, queried by the decoder's top GRU layer${view.origin === 'beam-node' ? ' · from a beam-tree node' : ''}`;
    setVal(input, view.source);
    setOptions(hypPick, view.hypotheses.map((h, i) => [String(i), h.label] as const));
    draw();
  } else if (m.type === 'notice') showNotice(m.level, m.text);
});
host.post({ type: 'ready' });
