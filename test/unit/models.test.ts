import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { RecurrentLM, type Impl, type ModelConfig } from '../../src/core/models/rnn-lm';
import { recordActivations } from '../../src/core/models/activations';
import { getKernel, useKernelPath, PATH_ORDER } from '../../src/core/kernels/select';
import type { KernelPath } from '../../src/core/kernels/types';
import { crossEntropy } from '../../src/core/training/lm-trainer';
import { Rng } from '../../src/core/util/random';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Weights large enough that every gate and nonlinearity matters (d2l's 0.01 init hides differences). */
function bigWeights(model: RecurrentLM, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const rng = new Rng(seed);
  return new Map(
    Object.entries(model.namedWeights()).map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from({ length: t.size }, () => rng.normal(0, 0.5)) }]),
  );
}

const V = 7;
const X = () => tf.tensor2d([[1, 2], [3, 4], [5, 6], [0, 1], [2, 2]], [5, 2], 'int32');
const Y = () => tf.tensor1d([2, 3, 4, 5, 6, 0, 1, 2, 3, 3], 'int32');

/** logits, loss gradients by parameter name (packed layout) and the final state of an implementation. */
function run(base: Omit<ModelConfig, 'impl'>, impl: Impl, weights?: Map<string, { shape: number[]; data: Float32Array }>, gradScales?: number[]) {
  const m = new RecurrentLM({ ...base, impl });
  if (weights) m.loadWeights(weights);
  try {
    return tf.tidy(() => {
      const state = m.beginState(2);
      let logits: number[][] = [];
      let hT: number[][] = [];
      const grads = tf.variableGrads(() => {
        const out = m.forward(X(), state, { gradScales });
        logits = out.logits.arraySync() as number[][];
        hT = out.state.h.at(-1)!.arraySync() as number[][];
        return crossEntropy(out.logits, Y());
      }, m.variables()).grads;
      // Gradients by variable, in variables() order (same order for every implementation).
      const g = m.variables().map((v) => Array.from(grads[v.name].dataSync()));
      return { logits, hT, g, weights: bigWeights(m, 99) } as unknown as tf.TensorContainer;
    }) as unknown as { logits: number[][]; hT: number[][]; g: number[][]; weights: Map<string, { shape: number[]; data: Float32Array }> };
  } finally {
    m.dispose();
  }
}

function maxDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((row, i) => row.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i][j])))));
  return d;
}

describe('RecurrentLM', () => {
  for (const kind of ['rnn', 'gru', 'lstm'] as const) {
    for (const shape of [
      { layers: 1, bidirectional: false, embedding: 0 },
      { layers: 2, bidirectional: true, embedding: 0 },
      { layers: 2, bidirectional: false, embedding: 3 },
    ]) {
      test(`${kind} ${JSON.stringify(shape)}: scratch, fused and layers agree given the same weights`, () => {
        const base = { kind, vocabSize: V, hidden: 4, seed: 1, ...shape };
        const probe = new RecurrentLM({ ...base, impl: 'scratch' });
        const weights = bigWeights(probe, 5);
        probe.dispose();
        const ref = run(base, 'scratch', weights);
        for (const impl of ['fused', 'layers'] as const) {
          const other = run(base, impl, weights);
          assert.ok(maxDiff(ref.logits, other.logits) < 1e-4, `${impl} logits differ by ${maxDiff(ref.logits, other.logits)}`);
          assert.ok(maxDiff(ref.hT, other.hT) < 1e-5);
          if (impl === 'fused' || kind !== 'lstm') {
            // Keras orders LSTM gates [i, f, c, o], so its raw LSTM gradients are in another layout.
            assert.ok(maxDiff(ref.g, other.g) < 1e-4, `${impl} gradients differ by ${maxDiff(ref.g, other.g)}`);
          }
        }
      });
    }
  }

  test('the fused op agrees with the scratch cells on every kernel path that loads here', async () => {
    const paths: KernelPath[] = [];
    for (const p of PATH_ORDER) if (await getKernel(p)) paths.push(p);
    assert.ok(paths.includes('ts'));
    for (const kind of ['rnn', 'gru', 'lstm'] as const) {
      const base = { kind, vocabSize: V, hidden: 4, layers: 2, bidirectional: false, embedding: 0, seed: 6 };
      const probe = new RecurrentLM({ ...base, impl: 'scratch' });
      const w = bigWeights(probe, 3);
      probe.dispose();
      const ref = run(base, 'scratch', w);
      for (const p of paths) {
        assert.ok(await useKernelPath(p));
        const f = run(base, 'fused', w);
        assert.ok(maxDiff(ref.logits, f.logits) < 1e-4 && maxDiff(ref.g, f.g) < 1e-4, `${kind} on ${p}: ${maxDiff(ref.logits, f.logits)}, ${maxDiff(ref.g, f.g)}`);
      }
    }
    await useKernelPath('ts');
  });

  test('fixed truncation: fused segments and scratch step-wise cutting give the same gradients', () => {
    const base = { kind: 'gru' as const, vocabSize: V, hidden: 4, layers: 1, bidirectional: false, embedding: 0, seed: 2 };
    const probe = new RecurrentLM({ ...base, impl: 'scratch' });
    const w = bigWeights(probe, 8);
    probe.dispose();
    const scales = [1, 1, 0, 1, 0];
    const a = run(base, 'scratch', w, scales);
    const b = run(base, 'fused', w, scales);
    const full = run(base, 'scratch', w);
    assert.ok(maxDiff(a.g, b.g) < 1e-5);
    assert.ok(maxDiff(a.logits, full.logits) < 1e-6, 'truncation changes gradients only');
    assert.ok(maxDiff(a.g, full.g) > 1e-4, 'cutting the window changes the gradient');
  });

  test('initialisation is d2l\'s: normal(0, 0.01) weights, zero biases, seeded', () => {
    const m = new RecurrentLM({ kind: 'lstm', impl: 'scratch', vocabSize: 28, hidden: 64, layers: 1, bidirectional: false, embedding: 0, seed: 3 });
    const w = m.namedWeights();
    const wh = w['l0.fw.wh'].dataSync() as Float32Array;
    const std = Math.sqrt(wh.reduce((a, v) => a + v * v, 0) / wh.length);
    assert.ok(Math.abs(std - 0.01) < 0.0005, `std ${std}`);
    assert.ok(w['l0.fw.b'].dataSync().every((v) => v === 0));
    assert.deepEqual(w['l0.fw.wx'].shape, [28, 256]);
    assert.equal(m.numParameters(), 28 * 256 + 64 * 256 + 256 + 64 * 28 + 28);
    const again = new RecurrentLM({ ...m.config });
    assert.deepEqual(Array.from(again.namedWeights()['l0.fw.wh'].dataSync()), Array.from(wh));
    m.dispose();
    again.dispose();
  });

  test('recordActivations returns every gate, the hidden state and memory as [T][H]', () => {
    const m = new RecurrentLM({ kind: 'lstm', impl: 'fused', vocabSize: V, hidden: 3, layers: 2, bidirectional: true, embedding: 0, seed: 4 });
    const before = tf.memory().numTensors;
    const r = recordActivations(m, [1, 2, 3, 4], ['a', 'b', 'c', 'd']);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.layers.length, 4);
    assert.deepEqual(r.layers.map((l) => `${l.layer}${l.direction[0]}`), ['0f', '0b', '1f', '1b']);
    for (const l of r.layers) {
      assert.deepEqual(Object.keys(l.gates), ['i', 'f', 'o', 'c̃']);
      for (const g of Object.values(l.gates)) assert.deepEqual([g.length, g[0].length], [4, 3]);
      assert.equal(l.memory!.length, 4);
    }
    // The forward direction's last hidden row is the state the model carries.
    const s = m.beginState(1);
    const hT = tf.tidy(() => m.forward(tf.tensor2d([[1], [2], [3], [4]], [4, 1], 'int32'), s).state.h[0].arraySync() as number[][]);
    assert.ok(maxDiff([r.layers[0].hidden[3]], hT) < 1e-6);
    m.dispose();
  });

  test('bad model shapes are refused with one sentence', () => {
    const base = { kind: 'gru' as const, impl: 'scratch' as const, vocabSize: V, hidden: 4, layers: 1, bidirectional: false, embedding: 0, seed: 0 };
    assert.throws(() => new RecurrentLM({ ...base, hidden: 0 }), /hidden units must be a positive whole number/);
    assert.throws(() => new RecurrentLM({ ...base, layers: 1.5 }), /layers must be a positive whole number/);
    assert.throws(() => new RecurrentLM({ ...base, kind: 'tcn' as never }), /Unknown model/);
  });
});
