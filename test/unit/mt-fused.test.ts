/**
 * The translator's fused training (src/core/translation/train.ts MtEngine) against the per-op
 * tfjs reference, on every kernel path that loads here (ts always; wasm-simd, wasm-simd-threads,
 * native when present — a missing one is listed by the first test with its reason):
 * - the output layer + masked loss op (src/core/kernels/masked-xent.ts) equals d2l's
 *   MaskedSoftmaxCELoss over tfjs logits in loss and in the gradients of hidden, W and b, with
 *   batch 1, vocabularies that are not multiples of 8 and all-padding rows, whose rows get
 *   exactly zero gradient;
 * - fused clipping + Adam (src/core/kernels/adam.ts) equals gradClipping + tf.train.adam;
 * - the whole fused seq2seq step gives every parameter's gradient of the per-op path (dropout
 *   on: both draw the same counter-based masks), and the first 20 steps' losses to 1e-4;
 * - the attention model's fused loss gives the per-op losses.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { useKernelPath, kernelInfo } from '../../src/core/kernels/select';
import { keptRows, maskedDenseCrossEntropy } from '../../src/core/kernels/masked-xent';
import { AdamState, fusedAdamClip } from '../../src/core/kernels/adam';
import { dropoutMask } from '../../src/core/kernels/dropout-mask';
import type { RecurrentKernel } from '../../src/core/kernels/types';
import { gradClipping } from '../../src/core/training/grad-clipping';
import { maskedSoftmaxCELoss } from '../../src/core/translation/loss';
import { resolveMtConfig, type MtConfig } from '../../src/core/translation/mt-config';
import { BOS, loadDataNmt, type NmtBatch } from '../../src/core/translation/nmt-data';
import { Seq2Seq } from '../../src/core/translation/seq2seq/model';
import { Seq2SeqFusedStep } from '../../src/core/translation/seq2seq/fused-step';
import { Seq2SeqTrainer, setMtEngine, type MtEngine } from '../../src/core/translation/train';
import { Rng } from '../../src/core/util/random';
import { availableKernelsForTest } from './kernels-helpers';

let kernels: RecurrentKernel[] = [];

before(async () => {
  await initBackend({ backend: 'wasm' });
  await selectKernelPath();
  kernels = await availableKernelsForTest();
});
after(() => {
  setMtEngine(null);
  disposeKernels();
});

function rand(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string, abs = 1e-6): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const tol = abs + rel * Math.abs(b[i]);
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

test('kernel paths under test', () => {
  const info = kernelInfo();
  const missing = (['native', 'wasm-simd-threads', 'wasm-simd'] as const).filter((p) => !kernels.some((k) => k.path === p));
  // a path that does not load here is skipped, and said so
  for (const p of missing) console.log(`mt-fused: kernel path ${p} skipped: ${info.notes.find((n) => n.startsWith(p)) ?? 'it does not load on this machine'}`);
  assert.ok(kernels.some((k) => k.path === 'ts'));
});

test('output layer + masked loss as one op = MaskedSoftmaxCELoss over tfjs logits (loss, dHidden, dW, db; padding gets exactly nothing)', () => {
  const rng = new Rng(3);
  // [B, T, H, V, valid lengths]: batch 1, V not a multiple of 8, an all-padding row
  const cases: [number, number, number, number, number[]][] = [
    [1, 3, 5, 7, [2]],
    [5, 4, 9, 13, [4, 0, 1, 3, 2]],
    [3, 6, 16, 37, [6, 6, 0]],
  ];
  for (const k of kernels)
    for (const [B, T, H, V, valid] of cases) {
      const what = `${k.path} B${B} T${T} H${H} V${V}`;
      const h = rand(rng, B * T * H), w = rand(rng, H * V, 0.5), b = rand(rng, V, 0.1);
      const Y = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rng.next() * V)));
      const ref = tf.tidy(() => {
        const f = (hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
          const logits = tf.add(tf.matMul(hh as tf.Tensor2D, ww as tf.Tensor2D), bb).reshape([B, T, V]) as tf.Tensor3D;
          return maskedSoftmaxCELoss(logits, tf.tensor2d(Y, [B, T], 'int32'), valid).sum() as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(h, [B * T, H]), tf.tensor2d(w, [H, V]), tf.tensor1d(b)]);
        return { loss: value.dataSync()[0], g: grads.map((x) => Float32Array.from(x.dataSync())) };
      });
      const got = tf.tidy(() => {
        const kept = keptRows(Y, valid, T, 'batch-major');
        const f = (hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => maskedDenseCrossEntropy(hh as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, kept, 1 / T, { kernel: k });
        const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(h, [B * T, H]), tf.tensor2d(w, [H, V]), tf.tensor1d(b)]);
        return { loss: value.dataSync()[0], g: grads.map((x) => Float32Array.from(x.dataSync())) };
      });
      assertClose([got.loss], [ref.loss], 1e-5, `${what} loss`);
      ['dHidden', 'dW', 'db'].forEach((name, i) => assertClose(got.g[i], ref.g[i], 1e-4, `${what} ${name}`));
      // every padded position: its row of dHidden is exactly zero
      for (let bb = 0; bb < B; bb++)
        for (let t = valid[bb]; t < T; t++) for (let j = 0; j < H; j++) assert.equal(got.g[0][(bb * T + t) * H + j], 0, `${what} padding row (${bb}, ${t})`);
    }
});

test('fused clipping + Adam = gradClipping + tf.train.adam (β 0.9/0.999, ε 1e-8) over 5 steps, clipping on and off', () => {
  const rng = new Rng(9);
  const shapes = [[3, 5], [7], [2, 2]];
  const init = shapes.map((s) => rand(rng, s.reduce((a, b) => a * b, 1)));
  const vars = init.map((v, i) => tf.variable(tf.tensor(v, shapes[i])));
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
  const params = init.map((v) => Float32Array.from(v));
  const state = new AdamState(params.map((p) => p.length));
  for (let step = 0; step < 5; step++) {
    const scale = step % 2 === 0 ? 3 : 0.05; // norms above and below θ = 1
    const grads = params.map((p) => rand(rng, p.length, scale));
    tf.tidy(() => {
      const named: tf.NamedTensorMap = Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads[i], shapes[i])]));
      const c = gradClipping(named, 1);
      opt.applyGradients(c.grads as Record<string, tf.Variable>);
      const norm = fusedAdamClip(params, grads.map((g) => Float32Array.from(g)), state, 0.01, 1);
      assertClose([norm], [c.norm], 1e-5, `norm step ${step}`);
    });
    vars.forEach((v, i) => assertClose(params[i], v.dataSync(), 1e-5, `param ${i} after step ${step}`));
  }
  tf.dispose(vars);
  opt.dispose();
});

test('dropout masks: counter-based, the rate respected, kept values scaled by 1/(1 − p)', () => {
  const a = dropoutMask(42, 0.2, new Float32Array(20000));
  const b = dropoutMask(42, 0.2, new Float32Array(20000));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, dropoutMask(43, 0.2, new Float32Array(20000)));
  const dropped = a.filter((x) => x === 0).length / a.length;
  assert.ok(Math.abs(dropped - 0.2) < 0.02, `dropped ${dropped}`);
  assert.ok(a.every((x) => x === 0 || x === Math.fround(1 / 0.8)));
});

/** Synthetic pairs: a vocabulary of odd size, lengths 1–5, so batches have padding. */
function pairsText(n: number, seed: number): string {
  const rng = new Rng(seed);
  const src = 'a b c d e f g h i j k'.split(' ');
  const tgt = 'u v w x y z q'.split(' ');
  return Array.from({ length: n }, () => {
    const len = 1 + Math.floor(rng.next() * 5);
    const s = Array.from({ length: len }, () => src[Math.floor(rng.next() * src.length)]);
    return `${s.join(' ')}\t${s.map((w) => tgt[w.charCodeAt(0) % tgt.length]).join(' ')}`;
  }).join('\n');
}

const SMALL: Partial<MtConfig> = { numExamples: null, numSteps: 6, embedSize: 6, numHiddens: 10, numLayers: 2, dropout: 0.2, batchSize: 7, lr: 0.01, minFreq: 1, seed: 2, validFraction: 0, evalEvery: 0 };

test('the fused seq2seq step: every parameter gradient equals the per-op path (dropout on, batch 1, an all-padding row, targets shorter than num_steps)', async () => {
  const data = loadDataNmt(pairsText(30, 1), { numSteps: 6, minFreq: 1 });
  assert.ok(data.tgtVocab.size % 8 !== 0 && data.srcVocab.size % 8 !== 0);
  const T = 6;
  const bos = data.tgtVocab.indexOf(BOS);
  const batches: NmtBatch[] = [
    { X: data.src.array.slice(0, 4), XValidLen: data.src.validLen.slice(0, 4), Y: data.tgt.array.slice(0, 4), YValidLen: [...data.tgt.validLen.slice(0, 3), 0] },
    { X: data.src.array.slice(4, 5), XValidLen: data.src.validLen.slice(4, 5), Y: data.tgt.array.slice(4, 5), YValidLen: data.tgt.validLen.slice(4, 5) },
  ];
  const cfg = { srcVocabSize: data.srcVocab.size, tgtVocabSize: data.tgtVocab.size, embedSize: 6, numHiddens: 10, numLayers: 3, dropout: 0.3 };
  // the fused decoder stops at a batch's longest target; the per-op path runs all T steps
  assert.ok(batches.some((b) => Math.max(...b.YValidLen) < T), 'a batch whose longest target is shorter than num_steps');
  for (const k of kernels) {
    assert.ok(await useKernelPath(k.path));
    const model = new Seq2Seq(cfg, 4);
    try {
      for (const batch of batches) {
        const B = batch.X.length;
        const seeds = () => {
          let s = 100;
          return () => s++;
        };
        const ref = tf.tidy(() => {
          const X = tf.tensor2d(batch.X, [B, T], 'int32');
          const Y = tf.tensor2d(batch.Y, [B, T], 'int32');
          const decIn = tf.concat([tf.fill([B, 1], bos, 'int32'), Y.slice([0, 0], [B, T - 1])], 1) as tf.Tensor2D;
          const { value, grads } = tf.variableGrads(() => maskedSoftmaxCELoss(model.forward(X, decIn, { training: true, nextSeed: seeds() }).output, Y, batch.YValidLen).sum() as tf.Scalar, model.variables());
          return { loss: value.dataSync()[0], g: model.variables().map((v) => Float32Array.from(grads[v.name].dataSync())) };
        });
        // lr 0 and θ huge: the step leaves the weights and its gradient arrays unclipped
        const f = new Seq2SeqFusedStep(model, { lr: 0, clip: 1e9 });
        f.syncIn(tf.train.adam(0));
        const r = f.step(batch, bos, T, true, seeds());
        assertClose([r.loss], [ref.loss], 1e-5, `${k.path} B${B} loss`);
        const names = model.namedVariables().map(([n]) => n);
        f.grads.forEach((g, i) => assertClose(g, ref.g[i], 1e-3, `${k.path} B${B} d${names[i]}`, 1e-5));
      }
    } finally {
      model.dispose();
    }
  }
});

async function firstLosses(engine: MtEngine, config: MtConfig, text: string, epochs: number): Promise<number[]> {
  setMtEngine(engine);
  const tr = Seq2SeqTrainer.fromText(config, text);
  assert.equal(tr.engine, engine);
  const losses: number[] = [];
  for (let e = 1; e <= epochs; e++) await tr.trainEpoch(e, { progress: (_b, _n, l) => losses.push(l) });
  tr.dispose();
  return losses;
}

test('the first 20 steps: fused step = per-op path to 1e-4 relative on every kernel path; the attention model\'s fused loss too', async () => {
  const text = pairsText(28, 5); // 4 batches of 7 per epoch
  const config = resolveMtConfig({ ...SMALL, epochs: 5 });
  for (const k of kernels) {
    assert.ok(await useKernelPath(k.path));
    const ref = await firstLosses('per-op', config, text, 5);
    const got = await firstLosses('fused-step', config, text, 5);
    assert.equal(got.length, 20);
    assertClose(got, ref, 1e-4, `${k.path} losses`, 0);
    assert.ok(got[19] < got[0], 'the loss falls');
  }
  const att = resolveMtConfig({ ...SMALL, model: 'attention', epochs: 2 });
  const ref = await firstLosses('per-op', att, text, 2);
  const got = await firstLosses('fused-loss', att, text, 2);
  assertClose(got, ref, 1e-4, 'attention losses', 0);
  setMtEngine(null);
});
