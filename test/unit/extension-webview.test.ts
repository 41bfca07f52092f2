// Pure parts of the webviews and panels: the typed protocol's validation, plot alignment,
// the SVG serialiser, and the CSP shell.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../src/protocol/common';
import { VocabStatsToHost, VocabStatsToWebview } from '../../src/protocol/vocab-stats';
import { DashboardToHost, DashboardToWebview } from '../../src/protocol/dashboard';
import { BeamTreeToHost } from '../../src/protocol/beam-tree';
import { HeatmapToHost } from '../../src/protocol/heatmap';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../src/extension/panels/html';
import { alignSeries } from '../../webview/common/align';
import { plotToSvg, ticks } from '../../webview/common/svg';

describe('protocol validation', () => {
  test('accepts well-formed messages of each panel', () => {
    assert.ok(parseMessage(VocabStatsToHost, { type: 'ready' }).ok);
    assert.ok(parseMessage(VocabStatsToHost, { type: 'request', id: 3, method: 'retokenize', params: { token: 'bpe' } }).ok);
    assert.ok(parseMessage(DashboardToHost, { type: 'request', id: 1, method: 'control', params: { action: 'pause' } }).ok);
    assert.ok(parseMessage(BeamTreeToHost, { type: 'request', id: 1, method: 'decode', params: { beam: 3, alpha: 0.75 } }).ok);
    assert.ok(parseMessage(HeatmapToHost, { type: 'request', id: 2, method: 'record', params: { text: 'time traveller' } }).ok);
    assert.ok(parseMessage(VocabStatsToWebview, { type: 'reply', id: 3, ok: false, error: 'x' }).ok);
    assert.ok(parseMessage(DashboardToWebview, { type: 'metrics', runId: 'r', point: { epoch: 1, train: 9.5, valid: null } }).ok);
  });

  test('rejects malformed ones with the field named', () => {
    const bad = [
      [VocabStatsToHost, { type: 'request', id: 1, method: 'retokenize', params: { token: 'sentencepiece' } }, /params\.token/],
      [DashboardToHost, { type: 'request', id: -1, method: 'control', params: { action: 'pause' } }, /id/],
      [BeamTreeToHost, { type: 'request', id: 1, method: 'decode', params: { beam: 0, alpha: 0.75 } }, /params\.beam/],
      [VocabStatsToHost, { type: 'export', format: 'gif', fileName: 'a', data: 'x' }, /format/],
      [VocabStatsToHost, { type: 'eval', code: 'alert(1)' }, /invalid "eval" message/],
      [DashboardToWebview, { type: 'metrics', runId: 'r' }, /point/],
    ] as const;
    for (const [schema, msg, re] of bad) {
      const r = parseMessage(schema as never, msg);
      assert.equal(r.ok, false, JSON.stringify(msg));
      assert.match((r as { error: string }).error, re);
    }
    assert.equal(parseMessage(VocabStatsToHost, null).ok, false);
    assert.equal(parseMessage(VocabStatsToHost, 'ready').ok, false);
  });
});

describe('CSP shell', () => {
  test('nonce-only scripts, no inline or eval, no remote sources', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
    assert.notEqual(nonce, makeNonce());
    const csp = contentSecurityPolicy('https://webview.example', nonce);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/(?!webview\.example)/);
    const html = panelHtml({ cspSource: 'https://webview.example', nonce, scriptUri: 'https://webview.example/dist/webview/x.js', title: 'A <b>' });
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://webview.example/dist/webview/x.js"></script>`));
    assert.match(html, /<title>A &lt;b&gt;<\/title>/);
  });
});

describe('plot data', () => {
  test('alignSeries merges x values and leaves gaps as null', () => {
    const { x, ys } = alignSeries([
      { label: 'a', x: [1, 2, 3], y: [10, 20, 30] },
      { label: 'b', x: [2, 4], y: [5, 6] },
    ]);
    assert.deepEqual(x, [1, 2, 3, 4]);
    assert.deepEqual(ys, [[10, 20, 30, null], [null, 5, null, 6]]);
  });

  test('ticks: powers of ten on log axes, 1-2-5 steps on linear ones', () => {
    assert.deepEqual(ticks(1, 4580, true), [1, 10, 100, 1000]);
    assert.deepEqual(ticks(0, 1, false), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(ticks(0, 500, false), [0, 100, 200, 300, 400, 500]);
  });

  test('plotToSvg draws one group per series, breaks lines at gaps, escapes text', () => {
    const svg = plotToSvg({
      title: 'Zipf <n-grams> & more', xLabel: 'rank', yLabel: 'frequency', logX: true, logY: true,
      x: [1, 10, 100], xRange: [1, 100], yRange: [1, 1000],
      series: [
        { label: 'unigrams', color: '#3794ff', y: [1000, 100, 10], points: true },
        { label: 'bigrams', color: '#d18616', y: [300, null, 3], dashed: true },
      ],
      colors: { foreground: '#ccc', background: '#1e1e1e', grid: '#444', font: 'sans-serif' },
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /Zipf &lt;n-grams&gt; &amp; more/);
    assert.equal((svg.match(/<g class="series"/g) ?? []).length, 2);
    // the gap splits bigrams into two single-point polylines; unigrams is one line of 3 points
    assert.equal((svg.match(/<polyline/g) ?? []).length, 3);
    assert.equal((svg.match(/<circle/g) ?? []).length, 3);
    assert.match(svg, /stroke-dasharray="6 4"/);
    // log-log: 1000 at x=1 sits on the top edge (y = 40), 10 at x=100 on the right edge (x = 640 − 16)
    assert.match(svg, /points="64\.00,40\.00 344\.00,/);
  });
});
