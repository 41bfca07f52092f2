/**
 * The fused Bahdanau decoder loop (native/src/attention_core.h via kernels/attention-op.ts)
 * against the per-op path it replaces: logits, attention weights, final states and the
 * gradient of every weight and input, with dropout on, on every kernel path that has the loop
 * (a path without it is skipped with the reason).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, getKernel, useKernelPath } from '../../src/core/kernels';
import { attentionLoopKernel } from '../../src/core/kernels/attention-kernel';
import { PATH_ORDER } from '../../src/core/kernels/select';
import type { KernelPath } from '../../src/core/kernels/types';
import { Seq2SeqAttentionDecoder, type AttentionImpl } from '../../src/core/translation/attention/decoder';
import { Rng } from '../../src/core/util/random';

interface Case {
  name: string;
  B: number;
  T: number;
  Tk: number;
  lens: number[];
  layers: number;
  dropout: number;
}

const CASES: Case[] = [
  { name: 'mixed lengths, 2 layers, dropout', B: 3, T: 4, Tk: 5, lens: [5, 2, 3], layers: 2, dropout: 0.3 },
  { name: 'batch 1', B: 1, T: 3, Tk: 4, lens: [3], layers: 2, dropout: 0.2 },
  { name: 'Tk = 1', B: 2, T: 3, Tk: 1, lens: [1, 1], layers: 1, dropout: 0 },
  { name: 'all but one position padding', B: 4, T: 2, Tk: 6, lens: [1, 1, 1, 1], layers: 3, dropout: 0.25 },
];

const E = 5, H = 7, V = 11;

function run(c: Case, impl: AttentionImpl) {
  return tf.tidy(() => {
    const rng = new Rng(7);
    const dec = new Seq2SeqAttentionDecoder({ srcVocabSize: V, tgtVocabSize: V, embedSize: E, numHiddens: H, numLayers: c.layers, dropout: c.dropout }, rng);
    const r = new Rng(11);
    const enc = tf.variable(tf.tensor3d(Array.from({ length: c.B * c.Tk * H }, () => r.normal() * 0.5), [c.B, c.Tk, H]));
    const h0 = Array.from({ length: c.layers }, () => tf.variable(tf.tensor2d(Array.from({ length: c.B * H }, () => r.normal() * 0.5), [c.B, H])));
    const X = tf.tensor2d(Array.from({ length: c.B * c.T }, () => r.randint(0, V - 1)), [c.B, c.T], 'int32');
    const probe = tf.tensor3d(Array.from({ length: c.B * c.T * V }, () => r.normal()), [c.B, c.T, V]);
    const hProbe = tf.tensor2d(Array.from({ length: c.B * H }, () => r.normal()), [c.B, H]);
    let seed = 100;
    const ctx = { training: true, nextSeed: () => seed++ };
    const vars = [...dec.variables(), enc, ...h0];
    let weights: tf.Tensor3D | null = null;
    let logits: tf.Tensor3D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const state = { encOutputs: enc as unknown as tf.Tensor3D, projectedKeys: tf.matMul(enc.reshape([c.B * c.Tk, H]), dec.attention.wk).reshape([c.B, c.Tk, H]) as tf.Tensor3D, hidden: h0 as unknown as tf.Tensor2D[], validLens: c.lens };
      const o = dec.forward(X, state, ctx, impl);
      weights = tf.keep(o.attentionWeights);
      logits = tf.keep(o.output);
      // the final top state takes part too, so its gradient path is checked
      return tf.add(tf.sum(tf.mul(o.output, probe)), tf.sum(tf.mul(o.state.hidden[c.layers - 1], hProbe))) as tf.Scalar;
    }, vars);
    const out = {
      loss: value.dataSync()[0],
      logits: Array.from(logits!.dataSync()),
      weights: Array.from(weights!.dataSync()),
      grads: vars.map((v) => Array.from(grads[v.name].dataSync())),
      names: vars.map((v, i) => (i < dec.variables().length ? `decoder var ${i}` : i === dec.variables().length ? 'encoder outputs' : `h0 ${i - dec.variables().length - 1}`)),
    };
    return out;
  });
}

function close(a: number[], b: number[], what: string, tol = 2e-5): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  const scale = Math.max(1e-3, ...b.map(Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: fused ${a[i]} vs per-op ${b[i]}`);
}

before(async () => {
  await initBackend({ backend: 'wasm' });
});
after(() => disposeKernels());

for (const path of PATH_ORDER.filter((p) => p !== 'ts') as KernelPath[]) {
  describe(`fused attention loop on ${path}`, () => {
    for (const c of CASES) {
      test(c.name, async (t) => {
        const k = await getKernel(path);
        if (!k) return t.skip(`the ${path} kernel path does not load here`);
        if (!attentionLoopKernel(k)) return t.skip(`the ${path} kernel path has no fused attention loop`);
        await useKernelPath(path);
        const ref = run(c, 'tfops');
        const fused = run(c, 'fused');
        // the probe's sum cancels (terms ~1, total ~1e-2): compared on the terms' scale
        assert.ok(Math.abs(fused.loss - ref.loss) <= 1e-4, `loss: fused ${fused.loss} vs per-op ${ref.loss}`);
        close(fused.logits, ref.logits, 'logits');
        close(fused.weights, ref.weights, 'attention weights');
        fused.grads.forEach((g, i) => close(g, ref.grads[i], `gradient of ${fused.names[i]}`));
        // padding columns: exactly zero weight, exactly zero gradient into their keys/values
        for (let b = 0; b < c.B; b++)
          for (let s = 0; s < c.T; s++)
            for (let k2 = c.lens[b]; k2 < c.Tk; k2++) assert.equal(fused.weights[(b * c.T + s) * c.Tk + k2], 0, `weight of padding ${b},${s},${k2}`);
        const dEnc = fused.grads[fused.names.indexOf('encoder outputs')];
        for (let b = 0; b < c.B; b++)
          for (let k2 = c.lens[b]; k2 < c.Tk; k2++)
            for (let j = 0; j < H; j++) assert.equal(dEnc[(b * c.Tk + k2) * H + j], 0, `gradient of padding position ${b},${k2}`);
        // rows sum to 1
        for (let r = 0; r < c.B * c.T; r++) close([fused.weights.slice(r * c.Tk, (r + 1) * c.Tk).reduce((x, y) => x + y, 0)], [1], 'row sum', 1e-6);
      });
    }
  });
}
