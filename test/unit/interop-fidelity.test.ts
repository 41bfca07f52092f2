/**
 * PyTorch's own numbers, reproduced: the fixtures of scripts/interop/make-fixtures.py (d2l's
 * RNNModel around nn.RNN, nn.GRU and a 2-layer bidirectional nn.LSTM, and d2l's Seq2Seq) are
 * imported and run on every kernel path this machine has; logits and final states must equal
 * PyTorch's to 1e-5 relative (max |a − b| over max |b|). A path that does not load here is
 * reported as skipped with the reason. The trained GRU also continues "time traveller" greedily
 * to PyTorch's exact text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { importTorchLM } from '../../src/core/interop/lm-interop';
import { importTorchSeq2Seq } from '../../src/core/interop/mt-interop';
import { resetAfterNote } from '../../src/core/kernels/tfjs-op';
import { currentKernel, disposeKernels, getKernel, useKernelPath } from '../../src/core/kernels/select';
import type { KernelPath } from '../../src/core/kernels/types';
import { predictIds } from '../../src/core/models/predict';
import { RecurrentLM, type Impl } from '../../src/core/models/rnn-lm';
import { Seq2Seq } from '../../src/core/translation/seq2seq';
import { fixtureFile, fixtureJson, relErr } from './helpers/interop-fixtures';

interface LmIo {
  X: number[][];
  logits: number[];
  h: number[];
  c?: number[];
  prefix?: string;
  greedy?: string;
}

const TOL = 1e-5;

/** scratch = the cells; ts / wasm / native = the fused op on that kernel path. */
const PATHS: { impl: Impl; path: KernelPath | null }[] = [
  { impl: 'scratch', path: null },
  { impl: 'fused', path: 'ts' },
  { impl: 'fused', path: 'wasm-simd' },
  { impl: 'fused', path: 'wasm-simd-threads' },
  { impl: 'fused', path: 'native' },
];

function loadLM(name: string, kind: 'rnn' | 'gru' | 'lstm', impl: Impl): { model: RecurrentLM; io: LmIo; vocab: string[] } {
  const vocab = fixtureJson<string[]>(`${name}.vocab.json`);
  const lm = importTorchLM(fixtureFile(name), vocab, { kind });
  const model = new RecurrentLM({ ...lm.model, impl });
  model.loadWeights(lm.weights);
  return { model, io: fixtureJson<LmIo>(`${name}.io.json`), vocab };
}

before(async () => {
  await initBackend({ backend: 'cpu' });
});
after(() => disposeKernels());

for (const [name, kind] of [['rnn', 'rnn'], ['gru', 'gru'], ['lstm', 'lstm']] as const) {
  describe(`PyTorch's ${name} fixture`, () => {
    for (const { impl, path } of PATHS) {
      const label = path ? `fused on ${path}` : 'scratch cells';
      test(`logits and final states equal PyTorch's to 1e-5 (${label})`, async (t) => {
        if (path && !(await getKernel(path))) return t.skip(`the ${path} kernel does not load on this machine`);
        if (path) assert.ok(await useKernelPath(path));
        const { model, io } = loadLM(name, kind, impl);
        try {
          if (kind === 'gru' && path && path !== 'ts' && resetAfterNote(currentKernel())) t.diagnostic(resetAfterNote(currentKernel())!);
          const B = io.X.length;
          const T = io.X[0].length;
          const X = tf.tensor2d(Array.from({ length: T }, (_, s) => io.X.map((row) => row[s])), [T, B], 'int32');
          const r = model.forward(X, model.beginState(B), { impl });
          assert.ok(relErr(r.logits.dataSync(), io.logits) <= TOL, `logits off by ${relErr(r.logits.dataSync(), io.logits)}`);
          const h = r.state.h.flatMap((s) => [...s.dataSync()]);
          assert.ok(relErr(h, io.h) <= TOL, `h_n off by ${relErr(h, io.h)}`);
          if (io.c) {
            const c = r.state.c.flatMap((s) => [...s!.dataSync()]);
            assert.ok(relErr(c, io.c) <= TOL, `c_n off by ${relErr(c, io.c)}`);
          }
          tf.dispose([X, r.logits, ...r.state.h, ...r.state.c.filter((s) => s !== null)]);
        } finally {
          model.dispose();
          await useKernelPath('ts');
        }
      });
    }
  });
}

describe("the trained PyTorch GRU's greedy text", () => {
  for (const { impl, path } of PATHS) {
    const label = path ? `kernel stepper on ${path}` : 'per-step tfjs cells';
    test(`continues "time traveller" exactly as d2l's predict_ch8 did (${label})`, async (t) => {
      if (path && !(await getKernel(path))) return t.skip(`the ${path} kernel does not load on this machine`);
      if (path) assert.ok(await useKernelPath(path));
      const { model, io, vocab } = loadLM('gru', 'gru', impl);
      try {
        const index = new Map(vocab.map((tok, i) => [tok, i]));
        const ids = [...io.prefix!].map((ch) => index.get(ch) ?? 0);
        const out = predictIds(model, ids, io.greedy!.length - ids.length, {}, impl === 'fused' ? 'kernel' : 'tfjs');
        assert.equal(out.map((i) => vocab[i]).join(''), io.greedy);
      } finally {
        model.dispose();
        await useKernelPath('ts');
      }
    });
  }
});

describe("PyTorch's d2l seq2seq fixture", () => {
  interface MtIo {
    encX: number[][];
    decX: number[][];
    logits: number[];
    encState: number[];
    decState: number[];
  }
  for (const path of ['ts', 'wasm-simd', 'native'] as const) {
    test(`teacher-forced logits and states equal PyTorch's to 1e-5 (fused on ${path})`, async (t) => {
      if (!(await getKernel(path))) return t.skip(`the ${path} kernel does not load on this machine`);
      assert.ok(await useKernelPath(path));
      const m = importTorchSeq2Seq(fixtureFile('seq2seq'), fixtureJson('seq2seq.vocab.json'), fixtureJson('seq2seq.tgt-vocab.json'));
      assert.equal(m.model.variant, 'pytorch');
      const net = new Seq2Seq(m.model);
      try {
        const names = net.namedVariables();
        for (const [n, v] of names) v.assign(tf.tensor(m.weights.get(n)!.data, m.weights.get(n)!.shape));
        const io = fixtureJson<MtIo>('seq2seq.io.json');
        tf.tidy(() => {
          const encX = tf.tensor2d(io.encX, undefined, 'int32');
          const decX = tf.tensor2d(io.decX, undefined, 'int32');
          const enc = net.encoder.forward(encX, { training: false });
          const encState = enc.state.flatMap((s) => [...s.dataSync()]);
          assert.ok(relErr(encState, io.encState) <= TOL, `encoder state off by ${relErr(encState, io.encState)}`);
          const r = net.decoder.forward(decX, net.decoder.initState(enc), { training: false });
          assert.ok(relErr(r.output.dataSync(), io.logits) <= TOL, `logits off by ${relErr(r.output.dataSync(), io.logits)}`);
          const decState = r.state.hidden.flatMap((s) => [...s.dataSync()]);
          assert.ok(relErr(decState, io.decState) <= TOL, `decoder state off by ${relErr(decState, io.decState)}`);
        });
      } finally {
        net.dispose();
        await useKernelPath('ts');
      }
    });
  }
});
