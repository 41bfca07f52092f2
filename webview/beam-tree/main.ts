/**
 * Beam-search tree (d2l 10.8): every expanded node with its token and scores, kept vs pruned
 * vs finished, the winning hypothesis' path highlighted; beam size k and α re-decode live.
 */
import baseCss from '../common/base.css';
import { addStyle, el, val, setVal, showNotice } from '../common/dom';
import { connectHost } from '../common/host';
import { svgExportButton } from '../common/svg-export';
import { progressRing, select } from '../common/elements';
import { BeamTreeState, BeamTreeToWebview, type BeamTreeNode, type BeamTreeToHost, type TranslationView } from '../../src/protocol/beam-tree';
import css from './style.css';

addStyle(baseCss);
addStyle(css);

const host = connectHost<BeamTreeToWebview, BeamTreeToHost>(BeamTreeToWebview);
let view: TranslationView | undefined;
let zoom: 'fit' | '1' | '1.5' = host.getState(BeamTreeState)?.zoom ?? 'fit';

const title = el('h1', {}, 'Beam search');
const subtitle = el('div', { class: 'muted', id: 'subtitle' }, 'Loading…');
const beamPick = select('beam', [1, 2, 3, 4, 5, 8].map((k) => [String(k), `k = ${k}`] as const), 'Beam size k');
const alpha = el('input', { id: 'alpha', type: 'range', min: '0', max: '1.5', step: '0.05', value: '0.75', 'aria-label': 'alpha' });
const alphaText = el('span', { id: 'alpha-value' }, 'α = 0.75');
const busy = progressRing();
// Fit: the whole tree scaled down to the panel's width; 100 % / 150 %: its own size, scrolled.
const zoomPick = select('tree-zoom', [['fit', 'fit to panel'], ['1', '100 %'], ['1.5', '150 %']], 'Tree size');
const nbest = el('table', { class: 'data', id: 'nbest' });
const nbestBox = el('div', { class: 'nbest-scroll' }, nbest);
const legend = el('div', { class: 'toolbar legend' },
  el('span', { class: 'key kept' }, 'kept'), el('span', { class: 'key pruned' }, 'pruned'),
  el('span', { class: 'key finished' }, 'finished (<eos>)'), el('span', { class: 'key winner' }, 'best path'));
const treeBox = el('div', { id: 'tree-box' });
document.body.append(el('main', {}, title, subtitle, el('div', { class: 'toolbar' }, beamPick, alpha, alphaText, busy), nbestBox, el('div', { class: 'toolbar' }, legend, zoomPick), treeBox));
setVal(zoomPick, zoom);

let pendingDecode = 0;
async function decode(): Promise<void> {
  if (!view) return;
  const ticket = ++pendingDecode;
  busy.hidden = false;
  try {
    await host.request('decode', { beam: Number(val(beamPick)), alpha: Number(alpha.value) });
  } catch (err) {
    if (ticket === pendingDecode) showNotice('error', (err as Error).message);
  } finally {
    if (ticket === pendingDecode) busy.hidden = true;
  }
}
beamPick.addEventListener('change', () => void decode());
alpha.addEventListener('input', () => (alphaText.textContent = `α = ${Number(alpha.value).toFixed(2)}`));
alpha.addEventListener('change', () => void decode());
zoomPick.addEventListener('change', () => {
  zoom = val(zoomPick) as typeof zoom;
  if (view) host.setState({ ...stateOf(view), zoom } satisfies BeamTreeState);
  sizeTree();
});
// Fitting follows the panel's width (a split editor, a resized window).
new ResizeObserver(() => zoom === 'fit' && sizeTree()).observe(treeBox);

/** The drawn tree's natural size, set by drawTree. */
let natural = { w: 0, h: 0 };

/** Scales the tree and its sticky step header to the zoom (fit = at most the panel's width). */
function sizeTree(): void {
  const svg = treeBox.querySelector<SVGSVGElement>('#beam-tree');
  const scroll = treeBox.querySelector<HTMLElement>('.tree-scroll');
  const steps = treeBox.querySelector<HTMLElement>('.tree-steps');
  if (!svg || !scroll || !steps || !natural.w) return;
  const room = Math.max(120, scroll.clientWidth - 2);
  const scale = zoom === 'fit' ? Math.min(1, room / natural.w) : Number(zoom);
  svg.setAttribute('width', String(Math.round(natural.w * scale)));
  svg.setAttribute('height', String(Math.round(natural.h * scale)));
  steps.style.width = `${Math.round(natural.w * scale)}px`;
  steps.querySelectorAll<HTMLElement>('[data-step-label]').forEach((s) => {
    s.style.left = `${Math.round((PAD + Number(s.dataset.stepLabel) * COL) * scale)}px`;
    s.style.width = `${Math.round(NODE_W * scale)}px`;
  });
  treeBox.dataset.zoom = zoom;
  treeBox.dataset.scale = scale.toFixed(3);
}

function stateOf(v: TranslationView): BeamTreeState {
  return { runId: v.runId, source: v.source, beam: v.tree.beamSize, alpha: v.tree.alpha, zoom };
}

const SVGNS = 'http://www.w3.org/2000/svg';
const COL = 120, ROW = 34, NODE_W = 96, NODE_H = 26, PAD = 20;

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Ids on the path from the root to the best finished hypothesis. */
function winningPath(nodes: BeamTreeNode[]): Set<number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const best = nodes.find((n) => n.rank === 0);
  const path = new Set<number>();
  for (let n = best; n; n = n.parent === null ? undefined : byId.get(n.parent)) path.add(n.id);
  return path;
}

function drawTree(v: TranslationView): void {
  const nodes = v.tree.nodes;
  const win = winningPath(nodes);
  // Rows within a step: children follow their parent's row, then by score.
  const row = new Map<number, number>();
  const steps = Math.max(0, ...nodes.map((n) => n.step));
  for (let s = 0; s <= steps; s++) {
    const at = nodes.filter((n) => n.step === s);
    at.sort((a, b) => (row.get(a.parent ?? -1) ?? 0) - (row.get(b.parent ?? -1) ?? 0) || b.score - a.score);
    at.forEach((n, i) => row.set(n.id, i));
  }
  const maxRows = Math.max(1, ...[...Array(steps + 1).keys()].map((s) => nodes.filter((n) => n.step === s).length));
  const W = PAD * 2 + (steps + 1) * COL, H = PAD * 2 + maxRows * ROW;
  const svg = svgEl('svg', { id: 'beam-tree', width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  const pos = (n: BeamTreeNode) => ({ x: PAD + n.step * COL, y: PAD + (row.get(n.id) ?? 0) * ROW });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) {
    if (n.parent === null) continue;
    const p = byId.get(n.parent);
    if (!p) continue;
    const a = pos(p), b = pos(n);
    svg.append(svgEl('path', {
      d: `M${a.x + NODE_W},${a.y + NODE_H / 2} C${a.x + NODE_W + 12},${a.y + NODE_H / 2} ${b.x - 12},${b.y + NODE_H / 2} ${b.x},${b.y + NODE_H / 2}`,
      class: `edge ${n.status}${win.has(n.id) ? ' winner' : ''}`,
    }));
  }
  for (const n of nodes) {
    const { x, y } = pos(n);
    const cls = `node ${n.status}${n.finished ? ' finished' : ''}${win.has(n.id) ? ' winner' : ''}`;
    const g = svgEl('g', { class: cls, transform: `translate(${x},${y})`, 'data-status': n.status, 'data-step': n.step, 'data-finished': String(n.finished), 'data-node': n.id });
    g.append(svgEl('rect', { width: NODE_W, height: NODE_H, rx: 4 }));
    g.append(svgEl('text', { x: 6, y: 11, class: 'tok' }, n.status === 'root' ? '<bos>' : n.text));
    g.append(svgEl('text', { x: 6, y: 22, class: 'score' }, n.status === 'root' ? '' : `${n.logProb.toFixed(2)} · Σ ${n.score.toFixed(2)}`));
    const tip = `${n.text} — log P ${n.logProb.toFixed(4)}, Σ log P ${n.score.toFixed(4)}${n.finalScore !== undefined ? `, final score ${n.finalScore.toFixed(4)}` : ''}${n.rank !== undefined ? `, rank ${n.rank + 1}` : ''}`;
    g.append(svgEl('title', {}, tip));
    svg.append(g);
  }
  treeBox.replaceChildren(
    el('div', { class: 'plot-box' },
      el('div', { class: 'plot-head' }, el('span', { class: 'plot-title' }, `Search tree: k = ${v.tree.beamSize}, α = ${v.tree.alpha}, ${nodes.filter((n) => n.status === 'kept').length} kept nodes`),
        el('span', { class: 'toolbar' }, exportButton('svg', svg), exportButton('png', svg))),
      el('div', { class: 'tree-scroll' },
        // Step numbers stay in view while the tree scrolls down.
        el('div', { class: 'tree-steps' }, ...[...Array(steps + 1).keys()].map((s) => el('span', { 'data-step-label': String(s) }, s === 0 ? 'start' : `step ${s}`))),
        svg)),
  );
  natural = { w: W, h: H };
  sizeTree();
  treeBox.dataset.kept = String(nodes.filter((n) => n.status === 'kept').length);
  treeBox.dataset.pruned = String(nodes.filter((n) => n.status === 'pruned').length);
  treeBox.dataset.steps = String(steps);
  treeBox.dataset.beam = String(v.tree.beamSize);
}

/** Tree nodes take their colours from the panel's CSS classes, so the file carries them inline. */
function exportButton(format: 'png' | 'svg', svg: SVGSVGElement): HTMLElement {
  return svgExportButton(format, svg, { name: 'beam-tree', inlineStyles: true, post: (m) => host.post(m) });
}

function render(v: TranslationView): void {
  view = v;
  host.setState(stateOf(v));
  setVal(beamPick, String(v.tree.beamSize));
  alpha.value = String(v.tree.alpha);
  alphaText.textContent = `α = ${v.tree.alpha.toFixed(2)}`;
  title.textContent = `Beam search — “${v.source}”`;
  subtitle.textContent = `${v.runName} · source tokens: ${v.sourceTokens.join(' ')}${v.unknown.length ? ` · unknown: ${v.unknown.join(', ')}` : ''}${v.truncated ? ' · truncated to the model’s length' : ''}${v.arch === 'attention' ? ' · click a node for its attention heatmap' : ''}`;
  nbest.replaceChildren(
    el('tr', {}, el('th', {}, '#'), el('th', {}, 'translation'), el('th', { class: 'num' }, 'score (1/L^α) Σ log P'), el('th', { class: 'num' }, 'Σ log P')),
    ...v.translations.map((t, i) => el('tr', { class: i === 0 ? 'best' : '' }, el('td', {}, String(i + 1)), el('td', {}, t.text || '(empty)'),
      el('td', { class: 'num' }, t.score.toFixed(4)), el('td', { class: 'num' }, t.logProb.toFixed(4)))),
  );
  drawTree(v);
}

// Attention models: a node opens the heatmap of the partial hypothesis ending there.
treeBox.addEventListener('click', (e) => {
  const g = (e.target as Element).closest('g[data-node]');
  if (!g || view?.arch !== 'attention' || g.getAttribute('data-status') === 'root') return;
  host.request('attention', { node: Number(g.getAttribute('data-node')) }).catch((err: Error) => showNotice('error', err.message));
});

host.onMessage((m) => {
  if (m.type === 'translation') render(m.view);
  else if (m.type === 'notice') showNotice(m.level, m.text);
});
host.post({ type: 'ready' });
