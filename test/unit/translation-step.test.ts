import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { beamSearch } from '../../src/core/decoding/beam';
import { greedySearch } from '../../src/core/decoding/greedy';
import type { StepFn } from '../../src/core/decoding/types';
import { Seq2Seq } from '../../src/core/translation/seq2seq/model';
import { Seq2SeqAttention } from '../../src/core/translation/attention/model';
import type { HiddenState } from '../../src/core/translation/decoder-step';

/**
 * The incremental decoders (src/core/translation/{seq2seq,attention}/step.ts) run on raw arrays.
 * Their reference is what they replaced: one step as the model's own tfjs decoder.forward on the
 * stacked hypotheses (the code of `startDecoding` before), on fixed tiny models.
 */
function stack(states: readonly HiddenState[], l: number, H: number): tf.Tensor2D {
  const buf = new Float32Array(states.length * H);
  states.forEach((s, i) => buf.set(s[l], i * H));
  return tf.tensor2d(buf, [states.length, H]);
}

function tfjsStep(model: Seq2Seq | Seq2SeqAttention, src: number[], validLen: number): { init: HiddenState; step: StepFn<HiddenState>; dispose(): void } {
  const { numHiddens: H, numLayers: L } = model.config;
  const kept = tf.tidy(() => {
    const enc = model.encoder.forward(tf.tensor2d([src], [1, src.length], 'int32'), { training: false });
    const init = enc.state.map((s) => Float32Array.from(s.dataSync()));
    if (model instanceof Seq2Seq) return { init, tensors: [tf.keep(enc.state[L - 1])] };
    const st = model.decoder.initState(enc, [validLen]);
    return { init, tensors: [tf.keep(st.encOutputs), tf.keep(st.projectedKeys)] };
  });
  const step: StepFn<HiddenState> = (states, tokens) =>
    tf.tidy(() => {
      const n = states.length;
      const hidden = Array.from({ length: L }, (_, l) => stack(states, l, H));
      const X = tf.tensor2d(Int32Array.from(tokens), [n, 1], 'int32');
      let output: tf.Tensor3D;
      let next: tf.Tensor2D[];
      let attention: Float32Array[] | undefined;
      if (model instanceof Seq2Seq) {
        const r = model.decoder.forward(X, { hidden, context: tf.tile(kept.tensors[0], [n, 1]) as tf.Tensor2D }, { training: false });
        output = r.output;
        next = r.state.hidden;
      } else {
        const [encOutputs, projectedKeys] = kept.tensors as tf.Tensor3D[];
        const state = { encOutputs: tf.tile(encOutputs, [n, 1, 1]) as tf.Tensor3D, projectedKeys: tf.tile(projectedKeys, [n, 1, 1]) as tf.Tensor3D, hidden, validLens: Array(n).fill(validLen) };
        const r = model.decoder.forward(X, state, { training: false });
        output = r.output;
        next = r.state.hidden;
        const Tk = r.attentionWeights.shape[2];
        const att = r.attentionWeights.dataSync() as Float32Array;
        attention = Array.from({ length: n }, (_, i) => att.slice(i * Tk, i * Tk + validLen));
      }
      const V = output.shape[2];
      const logp = tf.logSoftmax(output.reshape([n, V])).dataSync() as Float32Array;
      const hs = next.map((h) => h.dataSync() as Float32Array);
      return {
        logProbs: Array.from({ length: n }, (_, i) => logp.subarray(i * V, (i + 1) * V)),
        states: Array.from({ length: n }, (_, i) => hs.map((h) => h.slice(i * H, (i + 1) * H))),
        ...(attention ? { attention } : {}),
      };
    });
  return { init: kept.init, step, dispose: () => kept.tensors.forEach((t) => t.dispose()) };
}

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('incremental decoders on raw arrays equal the per-op tfjs decoder', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await selectKernelPath();
  });
  after(() => disposeKernels());

  // V = 37 (not a multiple of 8), 2 layers, H 24; sources with padding for attention's mask.
  const cfg = { srcVocabSize: 29, tgtVocabSize: 37, embedSize: 12, numHiddens: 24, numLayers: 2, dropout: 0.2 };
  const sources: [number[], number][] = [
    [[5, 9, 3, 1, 1, 1], 3],
    [[4, 7, 11, 20, 8, 3], 6],
    [[17, 3, 1, 1, 1, 1], 2],
  ];
  for (const Arch of [Seq2Seq, Seq2SeqAttention]) {
    test(`${Arch.name}: one step's log-probabilities, states and attention; identical greedy and beam-4 results`, () => {
      for (const seed of [1, 2]) {
        const model = new Arch(cfg, seed);
        const before = tf.memory().numTensors;
        for (const [src, validLen] of sources) {
          const ref = tfjsStep(model, src, validLen);
          const fast = model.startDecoding(src, validLen);
          const states = [ref.init, ref.init.map((h) => h.map((v) => v * 0.5)), ref.init];
          const a = ref.step(states, [2, 7, 36]);
          const b = fast.step(states, [2, 7, 36]);
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < cfg.tgtVocabSize; j++) assert.ok(close(b.logProbs[i][j], a.logProbs[i][j]), `logp[${i}][${j}] ${b.logProbs[i][j]} vs ${a.logProbs[i][j]}`);
            for (let l = 0; l < cfg.numLayers; l++) for (let h = 0; h < cfg.numHiddens; h++) assert.ok(close(b.states[i][l][h], a.states[i][l][h], 1e-5));
            if (Arch === Seq2SeqAttention) {
              assert.equal(b.attention![i].length, validLen);
              for (let j = 0; j < validLen; j++) assert.ok(close(b.attention![i][j], a.attention![i][j], 1e-5));
            } else assert.equal(b.attention, undefined);
          }
          const opts = { bos: 2, eos: 3, maxLen: 12, alpha: 0.75 };
          const gr = greedySearch(ref.step, ref.init, opts);
          const gf = greedySearch(fast.step, fast.init, opts);
          assert.deepEqual(gf.tokens, gr.tokens);
          assert.ok(close(gf.score, gr.score, 1e-5));
          const br = beamSearch(ref.step, ref.init, { ...opts, beam: 4, tree: true });
          const bf = beamSearch(fast.step, fast.init, { ...opts, beam: 4, tree: true });
          assert.deepEqual(bf.hypotheses.map((h) => h.tokens), br.hypotheses.map((h) => h.tokens));
          bf.hypotheses.forEach((h, i) => assert.ok(close(h.score, br.hypotheses[i].score, 1e-5)));
          assert.deepEqual(bf.tree!.nodes.map((n) => [n.parent, n.token, n.status]), br.tree!.nodes.map((n) => [n.parent, n.token, n.status]));
          ref.dispose();
          fast.dispose();
        }
        assert.equal(tf.memory().numTensors, before, 'decoding leaves no tensor behind');
        model.dispose();
      }
    });
  }
});
