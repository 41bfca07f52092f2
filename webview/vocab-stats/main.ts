/** Vocabulary Statistics panel: counts, Zipf plot, coverage curve, searchable vocabulary table. */
import baseCss from '../common/base.css';
import { addStyle, el, fmt, setVal, showNotice, val } from '../common/dom';
import { connectHost } from '../common/host';
import { Plot } from '../common/plot';
import { progressRing, select, textfield } from '../common/elements';
import { VocabStatsState, VocabStatsToWebview, type VocabStatsData, type VocabStatsToHost } from '../../src/protocol/vocab-stats';
import css from './style.css';
import { showGram, showToken } from '../common/tokens';

addStyle(baseCss);
addStyle(css);

const host = connectHost<VocabStatsToWebview, VocabStatsToHost>(VocabStatsToWebview);
let state: VocabStatsState | undefined = host.getState(VocabStatsState);
let data: VocabStatsData | undefined;
const onExport = (format: 'png' | 'svg', fileName: string, payload: string) => host.post({ type: 'export', format, fileName, data: payload });

const app = el('main', { id: 'app' });
document.body.append(app);
const title = el('h1', {}, 'Vocabulary statistics');
const subtitle = el('div', { class: 'muted', id: 'subtitle' }, 'Loading…');
const tokenPick = select('token-kind', [['char', 'characters'], ['word', 'words'], ['bpe', 'BPE']], 'Tokenizer');
const busy = progressRing('busy');
const busyText = el('span', { class: 'muted', id: 'busy-text' });
const cards = el('div', { class: 'cards', id: 'cards' });
const plots = el('div', { class: 'grid2' });
const zipfPlot = new Plot(plots, { id: 'zipf', title: 'Zipf: frequency by rank (log–log)', xLabel: 'rank', yLabel: 'frequency', logX: true, logY: true, points: true, onExport });
const coveragePlot = new Plot(plots, { id: 'coverage', title: 'Coverage by the k most frequent types', xLabel: 'k (types)', yLabel: 'fraction of tokens', logX: true, onExport });
const slopes = el('table', { class: 'data', id: 'zipf-slopes' });
const ngramBox = el('div', { id: 'ngram-perplexity' });
const searchF = textfield('vocab-search', 'Search', { placeholder: 'Search tokens…' });
const search = searchF.field;
const tableInfo = el('span', { class: 'muted', id: 'vocab-info' });
const table = el('table', { class: 'data', id: 'vocab-table' });

app.append(
  title,
  subtitle,
  el('div', { class: 'toolbar' }, el('label', { for: 'token-kind' }, 'Tokens: '), tokenPick, busy, busyText),
  cards,
  plots,
  el('h2', {}, 'Zipf fits'),
  slopes,
  ngramBox,
  el('h2', {}, 'Vocabulary'),
  el('div', { class: 'toolbar' }, searchF.row, tableInfo),
  el('div', { class: 'table-scroll' }, table),
);

tokenPick.addEventListener('change', async () => {
  const token = val(tokenPick) as VocabStatsData['token'];
  if (!data || token === data.token) return;
  busy.hidden = false;
  try {
    await host.request('retokenize', { token });
  } catch (err) {
    // The panel keeps the statistics it shows, and the dropdown says which they are.
    showNotice('error', `${(err as Error).message} The panel still shows the ${TOKEN_NAMES[data.token]}.`);
    setVal(tokenPick, data.token);
  } finally {
    busy.hidden = true;
    busyText.textContent = '';
  }
});
search.addEventListener('input', () => {
  saveState({ filter: val(search) });
  renderTable();
});

function saveState(patch: Partial<VocabStatsState>): void {
  if (!data) return;
  state = { source: data.source, token: data.token, ...state, ...patch };
  host.setState(state);
}

const NGRAM_NAMES = ['unigrams', 'bigrams', 'trigrams'];
const TOKEN_NAMES = { char: 'character statistics', word: 'word statistics', bpe: 'BPE statistics' } as const;

function render(d: VocabStatsData): void {
  data = d;
  saveState({ source: d.source, token: d.token });
  setVal(tokenPick, d.token);
  title.textContent = `Vocabulary statistics — ${d.sourceLabel}`;
  // The fra-eng licence (CC BY 2.0) asks for its attribution wherever the data is shown (the host sends it).
  const credit = d.attribution ? ` · data: ${d.attribution}` : '';
  subtitle.textContent = `${d.token === 'char' ? 'character' : d.token === 'word' ? 'word' : 'BPE'} tokens · ${d.source}${credit}`;
  cards.replaceChildren(
    ...[
      ['lines', d.lines],
      ['tokens', d.tokens],
      ['vocabulary', d.vocabSize],
      ...d.zipf.map((z) => [`${NGRAM_NAMES[z.n - 1]} (types)`, z.types] as [string, number]),
    ].map(([label, value]) => el('div', { class: 'card', 'data-card': String(label) }, el('div', { class: 'value' }, fmt(value as number)), el('div', { class: 'label' }, String(label)))),
  );
  zipfPlot.setSeries(d.zipf.map((z) => ({ label: `${NGRAM_NAMES[z.n - 1]} (slope ${z.slope.toFixed(2)})`, x: z.rank, y: z.freq })));
  coveragePlot.setSeries([{ label: 'coverage', x: d.coverage.k, y: d.coverage.fraction }]);
  slopes.replaceChildren(
    el('tr', {}, el('th', {}, 'n-gram'), el('th', { class: 'num' }, 'types'), el('th', { class: 'num' }, 'slope'), el('th', { class: 'num' }, 'R²'), el('th', {}, 'most frequent')),
    ...d.zipf.map((z) =>
      el('tr', { 'data-n': String(z.n) },
        el('td', {}, NGRAM_NAMES[z.n - 1]),
        el('td', { class: 'num' }, fmt(z.types)),
        el('td', { class: 'num' }, z.slope.toFixed(3)),
        el('td', { class: 'num' }, z.r2.toFixed(3)),
        el('td', { class: 'grams' }, z.top.slice(0, 5).map(([g, c]) => `“${showGram(g, d.token, z.n)}” ${fmt(c)}`).join(', ')))),
  );
  renderNgram(d);
  setVal(search, state?.filter ?? '');
  renderTable();
}

function renderNgram(d: VocabStatsData): void {
  const t = d.ngramPerplexity;
  if (!t) {
    ngramBox.replaceChildren();
    return;
  }
  ngramBox.replaceChildren(
    el('h2', {}, `n-gram perplexity on the last ${Math.round((1 - t.split) * 100)} % (Laplace smoothing ε)`),
    el('table', { class: 'data', id: 'ngram-table' },
      el('tr', {}, el('th', {}, 'ε'), ...t.ns.map((n) => el('th', { class: 'num' }, `n = ${n}`))),
      ...t.perplexity.map((row, i) => el('tr', {}, el('td', {}, String(t.epsilons[i])),
        ...row.map((p, j) => el('td', { class: t.ns[j] === t.best.n && t.epsilons[i] === t.best.epsilon ? 'num best' : 'num' }, p.toFixed(2)))))),
    el('div', { class: 'muted' }, `Best: n = ${t.best.n}, ε = ${t.best.epsilon}, perplexity ${t.best.perplexity.toFixed(2)}.`),
  );
}

const COLUMNS = [
  { key: 'index', label: 'index', num: true, at: 0 },
  { key: 'token', label: 'token', num: false, at: 1 },
  { key: 'count', label: 'count', num: true, at: 2 },
] as const;
const MAX_ROWS = 1000;

function renderTable(): void {
  if (!data) return;
  const sort = state?.sort ?? { column: 'index', descending: false };
  const filter = (state?.filter ?? '').trim().toLowerCase();
  const col = COLUMNS.find((c) => c.key === sort.column)!;
  let rows = data.vocab.filter((r) => !filter || r[1].toLowerCase().includes(filter));
  rows = [...rows].sort((a, b) => {
    const x = a[col.at], y = b[col.at];
    const c = typeof x === 'number' ? (x as number) - (y as number) : String(x).localeCompare(String(y));
    return sort.descending ? -c : c;
  });
  const head = el('tr', {}, ...COLUMNS.map((c) => {
    const th = el('th', { class: c.num ? 'num' : '', 'data-column': c.key, tabindex: '0' }, c.label);
    if (c.key === sort.column) th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
    const toggle = () => {
      saveState({ sort: { column: c.key, descending: c.key === sort.column ? !sort.descending : c.key === 'count' } });
      renderTable();
    };
    th.addEventListener('click', toggle);
    th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && toggle());
    return th;
  }));
  const shown = rows.slice(0, MAX_ROWS);
  table.replaceChildren(head, ...shown.map((r) => el('tr', {}, el('td', { class: 'num' }, String(r[0])), el('td', r[1] === ' ' ? { title: 'space' } : {}, showToken(r[1])), el('td', { class: 'num' }, fmt(r[2])))));
  table.dataset.rows = String(shown.length);
  tableInfo.textContent = `${fmt(rows.length)} of ${fmt(data.vocab.length)} entries${rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : ''}${data.vocabTruncated ? ` · table limited to the ${fmt(data.vocab.length)} most frequent of ${fmt(data.vocabSize)}` : ''}`;
}


host.onMessage((m) => {
  switch (m.type) {
    case 'stats':
      busy.hidden = true;
      busyText.textContent = '';
      document.getElementById('notice')?.remove();
      render(m.data);
      break;
    case 'busy':
      busy.hidden = false;
      busyText.textContent = m.text;
      if (m.token) setVal(tokenPick, m.token);
      break;
    case 'notice':
      showNotice(m.level, m.text);
      break;
  }
});
host.post({ type: 'ready' });
