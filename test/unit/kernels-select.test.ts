/**
 * Fused kernels: path selection, a fallback with its reason when the native addon cannot load, the
 * committed .wasm matching its C sources, and a short character-LM run on a Time Machine
 * excerpt reaching the same perplexity on every path.
 */
// Force the native addon's load to fail in this process (as when its build failed).
process.env.SEQLAB_NATIVE = 'off';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { fusedRecurrent } from '../../src/core/kernels/tfjs-op';
import { disposeKernels, getKernel, kernelInfo, registerKernelLoader, selectKernelPath } from '../../src/core/kernels/select';
import { kernelNotices } from '../../src/core/kernels/notices';
import { loadWasmKernel } from '../../src/core/kernels/wasm-kernel';
import { readCheckpoint, writeCheckpoint } from '../../src/core/training/checkpoint';
import { loadNativeKernel } from '../../src/core/kernels/native-kernel';
import { tsKernel } from '../../src/core/kernels/reference';
import { GATES, type CellKind, type RecurrentKernel } from '../../src/core/kernels/types';

const root = join(__dirname, '../..');

test('committed .wasm kernels were built from the current C sources (npm run build:kernels)', () => {
  const dir = join(root, 'src/core/kernels/wasm');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { sources: string[]; sourceSha256: string; outputs: Record<string, string> };
  const h = createHash('sha256');
  for (const s of manifest.sources) h.update(s + '\0').update(readFileSync(join(root, s)));
  assert.equal(h.digest('hex'), manifest.sourceSha256, 'C sources changed since the .wasm were built: run npm run build:kernels');
  for (const [file, sha] of Object.entries(manifest.outputs)) {
    const got = createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
    assert.equal(got, sha, `${file} differs from the manifest`);
  }
});

test('a missing or broken native addon falls back, with the reason in the notes', async () => {
  assert.throws(() => loadNativeKernel(), /SEQLAB_NATIVE=off/);
  assert.equal(await getKernel('native'), null);
  const info = await selectKernelPath({ force: 'native' });
  assert.notEqual(info.path, 'native');
  assert.ok(info.notes.some((n) => n.startsWith('native:')), 'the reason is recorded in kernelInfo().notes');
  disposeKernels();
});

test('selectKernelPath measures once and remembers the choice in the cache directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqlab-kernels-'));
  try {
    const first = await selectKernelPath({ cacheDir: dir });
    assert.ok(first.available.includes('ts'));
    assert.equal(first.remembered, false);
    assert.ok(existsSync(join(dir, 'seqlab-kernel-path.json')));
    assert.equal(kernelInfo().path, first.path);
    disposeKernels();
    const second = await selectKernelPath({ cacheDir: dir });
    assert.equal(second.remembered, true);
    assert.equal(second.path, first.path);
  } finally {
    disposeKernels();
    rmSync(dir, { recursive: true, force: true });
  }
});

const EXCERPT =
  'the time traveller for so it will be convenient to speak of him was expounding a recondite ' +
  'matter to us his grey eyes shone and twinkled and his usually pale face was flushed and animated ' +
  'the fire burned brightly and the soft radiance of the incandescent lights in the lilies of silver ' +
  'caught the bubbles that flashed and passed in our glasses our chairs being his patents embraced ' +
  'and caressed us rather than submitted to be sat upon and there was that luxurious after dinner ' +
  'atmosphere when thought roams gracefully free of the trammels of precision';

test('a short Time Machine run trains to the same perplexity on every path', async () => {
  tf.setBackend('cpu');
  await tf.ready();
  const chars = [...new Set(EXCERPT)].sort();
  const V = chars.length;
  const ids = [...EXCERPT].map((c) => chars.indexOf(c));
  const T = 8, B = 6, H = 24, steps = 25;
  const kernels: RecurrentKernel[] = [tsKernel];
  for (const p of ['wasm-simd', 'wasm-simd-threads'] as const) {
    const k = await getKernel(p);
    if (k) kernels.push(k);
  }
  for (const kind of ['rnn', 'gru', 'lstm'] as CellKind[]) {
    const N = GATES[kind] * H;
    const results: number[] = [];
    let initial = 0;
    for (const kernel of kernels) {
      const wx = tf.variable(tf.randomNormal([V, N], 0, 0.1, 'float32', 1));
      const wh = tf.variable(tf.randomNormal([H, N], 0, 0.1, 'float32', 2));
      const b = tf.variable(tf.zeros([N]));
      const wq = tf.variable(tf.randomNormal([H, V], 0, 0.1, 'float32', 3));
      const bq = tf.variable(tf.zeros([V]));
      const opt = tf.train.sgd(1);
      let last = 0;
      for (let s = 0; s < steps; s++) {
        const off = (s * 37) % (ids.length - T * B - 1);
        const x: number[] = [], y: number[] = [];
        for (let t = 0; t < T; t++) for (let r = 0; r < B; r++) {
          x.push(ids[off + r * T + t]);
          y.push(ids[off + r * T + t + 1]);
        }
        last = tf.tidy(() => {
          const X = tf.tensor2d(x, [T, B], 'int32');
          const Y = tf.oneHot(tf.tensor1d(y, 'int32'), V);
          const h0 = tf.zeros([B, H]) as tf.Tensor2D;
          const { value, grads } = tf.variableGrads(() => {
            const r = fusedRecurrent(kind, X, h0, kind === 'lstm' ? h0 : null, wx as tf.Tensor2D, wh as tf.Tensor2D, b, { kernel });
            const logits = tf.add(tf.matMul(tf.reshape(r.hs, [T * B, H]), wq), bq);
            return tf.losses.softmaxCrossEntropy(Y, logits) as tf.Scalar;
          });
          const norm = Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]);
          const sc = norm > 1 ? 1 / norm : 1;
          opt.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, sc)])));
          return value.dataSync()[0];
        });
        if (s === 0) initial = Math.exp(last);
      }
      results.push(Math.exp(last));
      tf.dispose([wx, wh, b, wq, bq]);
      opt.dispose();
    }
    assert.ok(results[0] < initial * 0.8, `${kind}: perplexity fell (${initial.toFixed(2)} → ${results[0].toFixed(2)})`);
    for (let i = 1; i < results.length; i++) {
      assert.ok(Math.abs(results[i] - results[0]) <= 1e-3 * results[0], `${kind} ${kernels[i].path}: perplexity ${results[i]} vs ts ${results[0]}`);
    }
  }
  disposeKernels();
});

test('SEQLAB_KERNEL with an unknown value is an error naming the valid paths', async () => {
  process.env.SEQLAB_KERNEL = 'bogus';
  try {
    await assert.rejects(selectKernelPath(), { message: 'SEQLAB_KERNEL=bogus is not a kernel path; use one of native, wasm-simd-threads, wasm-simd, ts (or leave it unset to pick the fastest).' });
  } finally {
    delete process.env.SEQLAB_KERNEL;
    disposeKernels();
  }
});

test('a forced path that is unavailable says so and why, and the run info says which path runs', async () => {
  process.env.SEQLAB_KERNEL = 'native';
  try {
    const info = await selectKernelPath();
    assert.notEqual(info.path, 'native');
    assert.match(info.why ?? '', /^native was forced by SEQLAB_KERNEL=native but is unavailable \(native: .*SEQLAB_NATIVE=off.*\); running on /);
    assert.ok(kernelNotices().some((n) => n.startsWith('native was forced')));
  } finally {
    delete process.env.SEQLAB_KERNEL;
    disposeKernels();
  }
});

test('a resumed run gets its checkpoint\'s path (kept for later calls), or is told that the path changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqlab-kernels-'));
  try {
    const a = await selectKernelPath({ cacheDir: dir, resumePath: 'wasm-simd' });
    assert.equal(a.path, 'wasm-simd');
    assert.equal(a.why, 'the path the checkpoint was trained on');
    assert.equal((await selectKernelPath({ cacheDir: dir })).path, 'wasm-simd', 'a later plain call keeps the resumed path');
    disposeKernels();
    const before = kernelNotices().length;
    const b = await selectKernelPath({ cacheDir: dir, resumePath: 'native' });
    assert.notEqual(b.path, 'native');
    assert.match(kernelNotices().slice(before).join('\n'), new RegExp(`the checkpoint was trained on the native kernel path, which is unavailable here \\(native: .*\\); resuming on ${b.path}, so the numbers will not match`));
    disposeKernels();
    await selectKernelPath({ cacheDir: dir, resumePath: null });
    assert.match(kernelNotices().at(-1)!, /the checkpoint does not record its kernel path/);
  } finally {
    disposeKernels();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint records the kernel path it was trained on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqlab-ckpt-'));
  try {
    const info = await selectKernelPath({ cacheDir: dir, force: 'wasm-simd' });
    writeCheckpoint(join(dir, 'run'), 'lm', 1, [], (d) => writeFileSync(join(d, 'x.json'), '{}'));
    assert.equal(readCheckpoint(join(dir, 'run')).kernelPath, info.path);
  } finally {
    disposeKernels();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a path whose numbers disagree with the reference at start-up is dropped with a note', async () => {
  const bad: RecurrentKernel = {
    ...tsKernel,
    path: 'wasm-simd',
    forward: (...args) => {
      const r = tsKernel.forward(...args);
      r.hs[3] += 0.5;
      return r;
    },
  };
  registerKernelLoader('wasm-simd', () => bad);
  try {
    const info = await selectKernelPath({ force: 'wasm-simd' });
    assert.notEqual(info.path, 'wasm-simd');
    assert.ok(info.notes.some((n) => /^wasm-simd: not used, its results disagree with the reference at start-up \(gru hs\[3\]/.test(n)), info.notes.join('; '));
  } finally {
    registerKernelLoader('wasm-simd', loadWasmKernel);
    disposeKernels();
  }
});
