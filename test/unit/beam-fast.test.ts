import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../src/core/backend';
import { currentKernel, getKernel, useKernelPath, PATH_ORDER } from '../../src/core/kernels/select';
import type { KernelPath, RecurrentKernel } from '../../src/core/kernels/types';
import { beamSearch, settled, topIndices } from '../../src/core/decoding/beam';
import { greedySearch } from '../../src/core/decoding/greedy';
import { exhaustiveSearch } from '../../src/core/decoding/exhaustive';
import { outputScores, type DecoderArrays } from '../../src/core/translation/decoder-step';
import { Seq2Seq } from '../../src/core/translation/seq2seq/model';
import { Seq2SeqAttention } from '../../src/core/translation/attention/model';
import { Rng } from '../../src/core/util/random';
import { BEAM_FIXTURE } from '../../scripts/make-beam-fixture';

/**
 * The decoders' fast scores (native/src/beam_core.h through RecurrentKernel.beamRows, and
 * src/core/translation/decoder-step.ts outputScores) change no result: the kernel op equals a
 * loop, the best tokens are exactly topIndices' even where rounding makes log P tie, and the
 * searches reproduce the beam search before them (test/fixtures/beam/previous-beam.json, made
 * by scripts/make-beam-fixture.ts from commit e08c803) and exhaustive search, on every path.
 */
const paths: KernelPath[] = [];
let saved: KernelPath;
const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

before(async () => {
  await initBackend({ backend: 'wasm' });
  saved = currentKernel().path;
  for (const p of PATH_ORDER) if (await getKernel(p)) paths.push(p);
});
after(async () => {
  await useKernelPath(saved);
});

async function kernels(): Promise<RecurrentKernel[]> {
  const out: RecurrentKernel[] = [];
  for (const p of paths) out.push((await getKernel(p))!);
  return out;
}

describe('a decoder step’s scores over a large vocabulary', () => {
  test('beamRows equals the loop: top K as topIndices, the max, Σ exp(x − max), on every compiled path', async () => {
    const rng = new Rng(9);
    let checked = 0;
    for (const k of await kernels()) {
      if (k.path === 'ts') continue;
      assert.equal(typeof k.beamRows, 'function', `${k.path} has beamRows (the fast path is what this test checks)`);
      for (const [n, V, K] of [[1, 1, 1], [4, 37, 5], [3, 17851, 5], [2, 100, 100], [5, 1003, 33], [1, 13, 2]]) {
        const L = Float32Array.from({ length: n * V }, () => rng.normal(0, 3));
        if (V > 20) {
          // exact ties (lower index first), −∞ and a row whose best ties
          L[3] = L[7] = 50;
          L[V + 2] = -Infinity;
          L[10] = L[11];
        }
        const r = k.beamRows!(n, V, K, L);
        for (let i = 0; i < n; i++) {
          const row = L.subarray(i * V, (i + 1) * V);
          assert.deepEqual(Array.from(r.top.subarray(i * K, (i + 1) * K)), topIndices(row, K), `${k.path} n=${n} V=${V} K=${K} row ${i}`);
          let max = -Infinity, sum = 0;
          for (const x of row) if (x > max) max = x;
          for (const x of row) sum += Math.exp(x - max);
          assert.equal(r.max[i], max);
          assert.ok(close(r.sum[i], sum, 1e-6), `${k.path}: Σ exp ${r.sum[i]} vs ${sum}`);
        }
        checked++;
      }
      // a NaN row: the same (odd) order topIndices gives, and a NaN sum the caller sees
      const nan = Float32Array.from([1, NaN, 3, 2, NaN, 5]);
      const r = k.beamRows!(1, 6, 3, nan);
      assert.deepEqual(Array.from(r.top), topIndices(nan, 3));
      assert.ok(Number.isNaN(r.sum[0]));
      assert.throws(() => k.beamRows!(1, 6, 300, nan), /K|out of range|at most/);
    }
    if (paths.some((p) => p !== 'ts')) assert.ok(checked > 0);
  });

  test('decoderDense (column panels on both threads) equals dense with fixed weights bit for bit', async () => {
    const rng = new Rng(4);
    for (const k of await kernels()) {
      if (!k.decoderDense) continue;
      const nk = k as RecurrentKernel & { decoderSplitMinWork?: number };
      const saved = nk.decoderSplitMinWork;
      nk.decoderSplitMinWork = 0;
      try {
        for (const [N, D, V] of [[1, 256, 17851], [4, 37, 1003], [3, 5, 17], [4, 16, 16]]) {
          const w = Float32Array.from({ length: D * V }, () => rng.normal(0, 1));
          const b = Float32Array.from({ length: V }, () => rng.normal(0, 1));
          const a = Float32Array.from({ length: N * D }, () => rng.normal(0, 1));
          const want = k.dense!({ N, D, V }, a, w, b, { fixedWeights: true });
          for (let rep = 0; rep < 3; rep++) assert.deepEqual(k.decoderDense({ N, D, V }, a, w, b), want, `${k.path} N=${N} D=${D} V=${V}`);
        }
      } finally {
        nk.decoderSplitMinWork = saved;
      }
    }
  });

  test('outputScores: the best tokens are topIndices of the log-probabilities, rounding ties included', async () => {
    const V = 20000, H = 4;
    // logits = the bias: tiny ones around −log V give log P that round equal though the logits differ
    const denseB = new Float32Array(V);
    denseB[3] = 0.001;
    denseB[5] = Math.fround(0.001 + 2e-9);
    denseB[9] = 0.0005;
    denseB[12] = 4;
    denseB[13] = 4;
    for (const k of await kernels()) {
      const a: DecoderArrays = { H, V, E: 1, embedding: new Float32Array(V), layers: [], denseW: new Float32Array(H * V), denseB, kernel: k };
      for (const best of [1, 2, 3, 4, 6, 300]) {
        const s = outputScores(a, new Float32Array(2 * H), 2, { best });
        const rows = s.logProbs as Float32Array[];
        assert.equal(rows[0][3], rows[0][5], 'different logits, equal log P: the case topIndices orders by id');
        if (best <= 256) {
          assert.ok(k.path === 'ts' || s.best, `${k.path} returns best`);
        }
        if (s.best) for (let i = 0; i < 2; i++) assert.deepEqual(Array.from(s.best.ids.subarray(i * s.best.k, (i + 1) * s.best.k)), topIndices(rows[i], Math.min(best, V)), `${k.path} best=${best}`);
        // every row still is a log-softmax
        let p = 0;
        for (const x of rows[1]) p += Math.exp(x);
        assert.ok(close(p, 1, 1e-5));
      }
    }
  });
});

interface FixtureCase {
  arch: 'seq2seq' | 'attention';
  seed: number;
  source: number;
  search: number;
  hypotheses: { tokens: number[]; logProb: number; score: number; finished: boolean }[];
  tree?: [number | null, number, string][];
}

describe('greedy and beam search at a 600-word vocabulary reproduce the previous implementation', () => {
  const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/beam/previous-beam.json'), 'utf8')) as { madeFrom: string; cases: FixtureCase[] };

  test(`the ${fixture.cases.length} fixed searches (made by ${fixture.madeFrom}): same tokens, log P, scores and trees on every kernel path`, async () => {
    assert.equal(fixture.madeFrom, 'e08c803');
    for (const p of paths) {
      assert.ok(await useKernelPath(p));
      const models = new Map<string, Seq2Seq | Seq2SeqAttention>();
      for (const c of fixture.cases) {
        const key = `${c.arch}/${c.seed}`;
        if (!models.has(key)) models.set(key, c.arch === 'seq2seq' ? new Seq2Seq(BEAM_FIXTURE.config, c.seed) : new Seq2SeqAttention(BEAM_FIXTURE.config, c.seed));
        const model = models.get(key)!;
        const src = BEAM_FIXTURE.sources[c.source];
        const search = BEAM_FIXTURE.searches[c.search];
        const opts = { ...BEAM_FIXTURE.decode, ...search };
        const dec = model.startDecoding(src.ids, src.validLen);
        const got = search.beam === 1 ? [greedySearch(dec.step, dec.init, opts)] : beamSearch(dec.step, dec.init, opts).hypotheses;
        const what = `${p} ${key} source ${c.source} search ${JSON.stringify(search)}`;
        assert.deepEqual(got.map((h) => h.tokens), c.hypotheses.map((h) => h.tokens), what);
        got.forEach((h, i) => {
          assert.ok(close(h.logProb, c.hypotheses[i].logProb), `${what}: log P ${h.logProb} vs ${c.hypotheses[i].logProb}`);
          assert.ok(close(h.score, c.hypotheses[i].score), what);
          assert.equal(h.finished, c.hypotheses[i].finished, what);
        });
        if (c.tree) assert.deepEqual(beamSearch(dec.step, dec.init, opts).tree!.nodes.map((n) => [n.parent, n.token, n.status]), c.tree, what);
        dec.dispose();
      }
      for (const m of models.values()) m.dispose();
    }
  });

  test('beam search wide enough to keep everything equals exhaustive search on a real seq2seq (V = 5), every path', async () => {
    const cfg = { srcVocabSize: 11, tgtVocabSize: 5, embedSize: 6, numHiddens: 8, numLayers: 2, dropout: 0 };
    const opts = { bos: 2, eos: 3, maxLen: 3, alpha: 0.75 };
    for (const p of paths) {
      assert.ok(await useKernelPath(p));
      for (const Arch of [Seq2Seq, Seq2SeqAttention]) {
        const model = new Arch(cfg, 1);
        const dec = model.startDecoding([4, 7, 3, 1], 3);
        const all = exhaustiveSearch(dec.step, dec.init, opts);
        const beam = beamSearch(dec.step, dec.init, { ...opts, beam: 25, nBest: 12, tree: false }).hypotheses;
        assert.deepEqual(beam.map((h) => h.tokens), all.slice(0, 12).map((h) => h.tokens), `${p} ${Arch.name}`);
        beam.forEach((h, i) => assert.ok(close(h.score, all[i].score), `${p} ${Arch.name} #${i}`));
        dec.dispose();
        model.dispose();
      }
    }
  });
});

describe('beam search stops once the n-best list is settled (no tree recorded)', () => {
  test('same n-best as the full search (with the tree, which runs every step), in fewer steps; every penalty, nBest, several models', async () => {
    const cfg = { srcVocabSize: 11, tgtVocabSize: 40, embedSize: 6, numHiddens: 8, numLayers: 2, dropout: 0 };
    let stoppedEarly = 0, searches = 0;
    for (const seed of [1, 2, 3, 4]) {
      const model = new Seq2Seq(cfg, seed);
      // a decoder that favours <eos> (its bias raised), so hypotheses finish and the list settles
      const dec = model.startDecoding([4, 7, 3, 1]);
      for (const penalty of ['textbook', 'none', 'avg', 'wu'] as const) {
        for (const eosBias of [0, 2, 4]) {
          for (const nBest of [1, 4]) {
            let calls = 0;
            const step: typeof dec.step = (states, tokens, want) => {
              calls++;
              const out = dec.step(states, tokens, want);
              // shift <eos> up and renormalise: still log-probabilities (≤ 0)
              const logProbs = out.logProbs.map((row) => {
                const r = Float64Array.from(row);
                r[3] += eosBias;
                let m = -Infinity, s = 0;
                for (const x of r) m = Math.max(m, x);
                for (const x of r) s += Math.exp(x - m);
                const z = m + Math.log(s);
                return r.map((x) => x - z);
              });
              return { logProbs, states: out.states };
            };
            const opts = { bos: 2, eos: 3, maxLen: 15, alpha: 0.75, lengthPenalty: penalty, beam: 4, nBest };
            const full = beamSearch(step, dec.init, { ...opts, tree: true });
            const fullCalls = calls;
            calls = 0;
            const fast = beamSearch(step, dec.init, { ...opts, tree: false });
            assert.deepEqual(fast.hypotheses.map((h) => [h.tokens, h.score, h.finished]), full.hypotheses.map((h) => [h.tokens, h.score, h.finished]), `seed ${seed} ${penalty} eos+${eosBias} nBest ${nBest}`);
            assert.ok(calls <= fullCalls);
            if (calls < fullCalls) stoppedEarly++;
            searches++;
          }
        }
      }
      dec.dispose();
      model.dispose();
    }
    assert.ok(stoppedEarly >= searches / 4, `stopped early in ${stoppedEarly} of ${searches} searches`);
  });

  test('settled(): strict, NaN never settles, a positive log P never settles', () => {
    const h = (score: number) => ({ tokens: [], logProb: score, length: 1, score, finished: true });
    // norm(20) = 20^0.75 ≈ 9.46: a live Σ log P of −20 can reach −2.11 at best
    assert.equal(settled([h(-2), h(-1)], [{ logProb: -20 }], 2, 20, 0.75, 'textbook'), true);
    assert.equal(settled([h(-3), h(-1)], [{ logProb: -20 }], 2, 20, 0.75, 'textbook'), false);
    assert.equal(settled([h(-1)], [{ logProb: -20 }], 2, 20, 0.75, 'textbook'), false, 'fewer finals than nBest');
    assert.equal(settled([h(-1), h(-1)], [{ logProb: -1 }], 2, 20, 0, 'none'), false, 'a tie does not settle');
    assert.equal(settled([h(NaN), h(-1)], [{ logProb: -20 }], 1, 20, 0.75, 'textbook'), false);
    assert.equal(settled([h(-1)], [{ logProb: NaN }], 1, 20, 0.75, 'textbook'), false);
    assert.equal(settled([h(-1)], [{ logProb: 0.5 }], 1, 20, 0.75, 'textbook'), false);
  });
});
