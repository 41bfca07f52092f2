/**
 * Global-norm clipping + Adam as one kernel call (RecurrentKernel.adamClip, native/src/adam_core.h)
 * against fusedAdamClip's TypeScript loops (src/core/kernels/adam.ts): on every path that loads,
 * 20 steps on arrays of odd sizes (0, 1, 7, 1000, 100003: one and several chunks, tails of every
 * lane count) with clipping active, inactive and off (θ ≤ 0) and lr changing every step, give the
 * same bits in p, m and v and the same norm (the C computes the same float64 expressions and sums
 * the squares in the same fixed chunks and lanes; see adam_core.h). A non-finite norm leaves the
 * gradients unclipped on every path. Both threads, with random delays in the helper, give the same
 * bits as one thread over many updates (the chunks' sums are added in chunk order, whoever ran them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdamState, fusedAdamClip, NORM_CHUNK } from '../../src/core/kernels/adam';
import { loadNativeKernel, type NativeKernel } from '../../src/core/kernels/native-kernel';
import { tsKernel } from '../../src/core/kernels/reference';
import { getKernel, kernelInfo, PATH_ORDER } from '../../src/core/kernels/select';
import type { KernelPath, RecurrentKernel } from '../../src/core/kernels/types';
import { WasmEngine, WasmKernel } from '../../src/core/kernels/wasm-kernel';
import { kernelNotices } from '../../src/core/kernels/notices';

/** A kernel that runs adamClip on both threads for any size, or why this path cannot be tested here. */
async function kernelOrReason(path: KernelPath): Promise<RecurrentKernel | string> {
  if (path === 'ts') return tsKernel;
  const k = await getKernel(path);
  if (!k) return kernelInfo().notes.find((n) => n.startsWith(`${path}:`)) ?? `${path}: did not load`;
  if (!k.adamClip) return `${path}: this build has no adamClip (rebuild with npm run build:native / build:kernels)`;
  (k as { adamSplitMinParams?: number }).adamSplitMinParams = 0;
  return k;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
}

/**
 * `steps` updates from the same start; step t's gradients are one of three random sets scaled by
 * gscale(t) (drawn once: drawing them every step would cost more than the updates), θ = theta(t),
 * lr 0.01·(1 + t). `poison` may change a step's gradients.
 */
function train(kernel: RecurrentKernel, sizes: number[], steps: number, theta: (t: number) => number, gscale: (t: number) => number, poison?: (t: number, g: Float32Array[]) => void) {
  const r = lcg(7);
  const params = sizes.map((n) => Float32Array.from({ length: n }, r));
  const sets = [0, 1, 2].map(() => sizes.map((n) => Float32Array.from({ length: n }, r)));
  const s = new AdamState(sizes);
  const norms: number[] = [];
  for (let t = 0; t < steps; t++) {
    const c = gscale(t);
    const grads = sets[t % 3].map((g) => g.map((x) => x * c));
    poison?.(t, grads);
    norms.push(fusedAdamClip(params, grads, s, 0.01 * (1 + t), theta(t), 1e-8, kernel));
  }
  return { params, m: s.m, v: s.v, norms, s };
}

/** The first element where two runs' arrays differ (Object.is: NaN equals NaN, −0 is not 0), or null. */
function firstDifference(a: ReturnType<typeof train>, b: ReturnType<typeof train>): string | null {
  for (const key of ['params', 'm', 'v'] as const)
    for (let k = 0; k < a[key].length; k++)
      for (let i = 0; i < a[key][k].length; i++)
        if (!Object.is(a[key][k][i], b[key][k][i])) return `${key}[${k}][${i}]: ${a[key][k][i]} vs ${b[key][k][i]}`;
  const n = a.norms.findIndex((x, i) => !Object.is(x, b.norms[i]));
  return n >= 0 ? `norm of step ${n}: ${a.norms[n]} vs ${b.norms[n]}` : null;
}

const SIZES = [1, 7, 0, 1000, 100003];
/** θ: active (norms ~50 or ~0.5 against 1), off (0, −1), inactive (above every norm) */
const THETAS = [1, 0, 1, -1, 1e9];

for (const path of PATH_ORDER) {
  test(`adamClip on ${path}: 20 steps equal the TypeScript loops bit for bit (θ active, off, ≤ 0, inactive; lr changing)`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    if (path === 'ts') assert.equal(k.adamClip, undefined, 'the ts path runs the loops in adam.ts');
    const want = train(tsKernel, SIZES, 20, (s) => THETAS[s % THETAS.length], (s) => (s % 3 === 0 ? 0.3 : 0.003));
    const got = train(k, SIZES, 20, (s) => THETAS[s % THETAS.length], (s) => (s % 3 === 0 ? 0.3 : 0.003));
    assert.equal(firstDifference(want, got), null);
    assert.ok(want.norms.some((n) => n > 1) && want.norms.some((n) => n < 1), `norms ${want.norms.slice(0, 4)} straddle θ = 1`);
    assert.equal(got.s.iterations, 20);
  });

  test(`adamClip on ${path}: a non-finite norm leaves the gradients unclipped, as the TypeScript loops`, async (t) => {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    const poison = (s: number, g: Float32Array[]) => {
      if (s === 1) g[3][500] = Infinity;
      if (s === 2) g[4][70000] = NaN;
    };
    const want = train(tsKernel, SIZES, 3, () => 1, () => 0.3, poison);
    const got = train(k, SIZES, 3, () => 1, () => 0.3, poison);
    assert.equal(want.norms[1], Infinity);
    assert.ok(Number.isNaN(want.norms[2]));
    assert.equal(firstDifference(want, got), null);
  });
}

/** 24 arrays, every third of three chunks (the last one short), the others small: 40 chunks, so pieces interleave between the threads. */
const STRESS_SIZES = Array.from({ length: 24 }, (_, k) => (k % 3 === 0 ? 2 * NORM_CHUNK + 37 * k + 1 : 37 * k + 1));

test('adamClip on both native threads with random helper delays: 200 updates give the same bits as one thread', (t) => {
  let k: NativeKernel;
  try {
    k = loadNativeKernel(2);
  } catch (e) {
    return t.skip((e as Error).message);
  }
  if (!k.adamClip || !k.addon.test_hooks) return t.skip('this native build has no adamClip or test hooks');
  const one = loadNativeKernel(1);
  try {
    k.addon.test_hooks(5, 0);
    k.adamSplitMinParams = 0;
    const want = train(one, STRESS_SIZES, 200, (s) => (s % 2 ? 1 : 0), () => 0.01);
    const got = train(k, STRESS_SIZES, 200, (s) => (s % 2 ? 1 : 0), () => 0.01);
    assert.equal(firstDifference(want, got), null);
  } finally {
    k.addon.test_hooks(0, 0);
  }
});

test('adamClip on both wasm threads with random helper delays: 100 updates give the same bits as one thread', async (t) => {
  const e = new WasmEngine({ relaxed: false });
  try {
    if (!(await e.startHelper(2000, { maxDelayMicros: 20 }))) return t.skip('the wasm helper thread did not start');
    const two = new WasmKernel(e, 'wasm-simd-threads', true), one = new WasmKernel(e, 'wasm-simd', false);
    if (!two.adamClip) return t.skip('this wasm module has no adamClip (npm run build:kernels)');
    two.adamSplitMinParams = 0;
    const want = train(one, STRESS_SIZES, 100, (s) => (s % 2 ? 1 : 0), () => 0.01);
    const got = train(two, STRESS_SIZES, 100, (s) => (s % 2 ? 1 : 0), () => 0.01);
    assert.equal(firstDifference(want, got), null);
  } finally {
    e.dispose();
  }
});

test('native adam_clip: lists of different lengths or a wrong-length moment are one-sentence errors, nothing written', (t) => {
  let k: NativeKernel;
  try {
    k = loadNativeKernel(1);
  } catch (e) {
    return t.skip((e as Error).message);
  }
  if (!k.addon.adam_clip) return t.skip('this native build has no adam_clip');
  const p = [new Float32Array(4).fill(1)], g = [new Float32Array(4).fill(1)];
  const hyper = Float64Array.of(1, 0.9, 0.999, 0.01, 1000, 1e-8);
  assert.throws(() => k.addon.adam_clip!(p, g, [new Float32Array(4)], [], hyper, 1), /v has 0 arrays but params has 1/);
  assert.throws(() => k.addon.adam_clip!(p, g, [new Float32Array(4)], [new Float32Array(3)], hyper, 1), /v\[0\] has 3 elements but params\[0\] has 4/);
  assert.throws(() => k.addon.adam_clip!(p, g, [new Float32Array(4)], [new Int32Array(4) as unknown as Float32Array], hyper, 1), /v\[0\] must be a Float32Array/);
  assert.deepEqual([...p[0]], [1, 1, 1, 1]);
});

test('adamClip keeping p, m and v between calls (wasm: views of its heap): state written between calls, as a resume writes it, is what the next call reads', async (t) => {
  const runs: { params: Float32Array[]; s: AdamState }[] = [];
  for (const path of ['ts', 'wasm-simd'] as const) {
    const k = await kernelOrReason(path);
    if (typeof k === 'string') return t.skip(k);
    const r = lcg(3);
    const sizes = [5, 40000];
    const params = sizes.map((n) => Float32Array.from({ length: n }, r));
    const grads = sizes.map((n) => Float32Array.from({ length: n }, r));
    const s = new AdamState(sizes);
    for (let i = 0; i < 3; i++) fusedAdamClip(params, grads, s, 0.01, 1, 1e-8, k);
    // what a resume does (Seq2SeqFusedStep.syncIn, adamStateFrom): write into the lists' arrays
    s.reset();
    params.forEach((p, i) => p.set(Float32Array.from({ length: p.length }, (_, j) => (i + j) * 1e-3)));
    s.m[1].fill(0.5);
    for (let i = 0; i < 3; i++) fusedAdamClip(params, grads, s, 0.01, 1, 1e-8, k);
    runs.push({ params, s });
  }
  const [want, got] = runs;
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(got.params[i], want.params[i]);
    assert.deepEqual(got.s.m[i], want.s.m[i]);
    assert.deepEqual(got.s.v[i], want.s.v[i]);
  }
});

test('a native or wasm kernel without adamClip (an older build): the TypeScript loops run, and a notice says so once', () => {
  const old = { ...tsKernel, path: 'wasm-simd' } as RecurrentKernel;
  const before = kernelNotices().length;
  const want = train(tsKernel, [3, 9], 2, () => 1, () => 1);
  const got = train(old, [3, 9], 2, () => 1, () => 1);
  assert.equal(firstDifference(want, got), null);
  const added = kernelNotices().slice(before);
  assert.equal(added.length, 1, added.join('; '));
  assert.match(added[0], /wasm-simd kernel predates adamClip .*clipping and Adam run in TypeScript/);
});
