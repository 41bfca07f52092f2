/**
 * The kernels' work-claiming threads (src/core/kernels/wasm-helper.ts, native/src/addon.c
 * run_chunks): a stress test of the claim protocol with random delays injected in the helper
 * (every result checked), a helper that dies during a job (the caller finishes the job, falls
 * back to one thread and says so) and a piece that throws (its own message reaches the caller).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmEngine, WasmKernel } from '../../src/core/kernels/wasm-kernel';
import { stressHelper } from '../../src/core/kernels/wasm-helper';
import { kernelNotices } from '../../src/core/kernels/notices';
import { tsKernel } from '../../src/core/kernels/reference';
import { loadNativeKernel } from '../../src/core/kernels/native-kernel';
import { ARGS_BUFS } from '../../src/core/kernels/layout';

test('wasm helper: 100k jobs of random sizes with random helper delays, every result right', async () => {
  const e = new WasmEngine({ relaxed: false });
  try {
    assert.ok(await e.startHelper(2000, { maxDelayMicros: 20 }));
    const r = stressHelper(e.helperThread!, e, 100_000, 3);
    console.log(`wasm helper stress: ${r.jobs} jobs (${r.pieces} pieces, ${r.helperPieces} by the helper) in ${(r.ms / 1000).toFixed(1)} s, ${r.errors} wrong`);
    assert.ok(r.helperPieces > 0, 'the helper took part');
    assert.equal(r.errors, 0, r.firstError);
  } finally {
    e.dispose();
  }
});

test('wasm helper: 10k jobs without delays, every result right', async () => {
  const e = new WasmEngine({ relaxed: false });
  try {
    assert.ok(await e.startHelper(2000));
    const r = stressHelper(e.helperThread!, e, 10_000, 4);
    console.log(`wasm helper stress (no delays): ${r.jobs} jobs in ${(r.ms / 1000).toFixed(1)} s, ${r.errors} wrong`);
    assert.equal(r.errors, 0, r.firstError);
  } finally {
    e.dispose();
  }
});

function gruCase() {
  const T = 6, B = 40, I = 28, H = 48, N = 3 * H;
  let seed = 9;
  const rnd = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5));
  return { dims: { T, B, I, H }, x: Int32Array.from({ length: T * B }, (_, i) => (i * 7) % I), h0: rnd(B * H), w: { wx: rnd(I * N), wh: rnd(H * N), b: rnd(N) }, dhs: rnd(T * B * H) };
}

test('wasm helper: a helper that dies during a job: the job completes right, one thread from then on, a notice says so', async () => {
  const e = new WasmEngine({ relaxed: false });
  try {
    assert.ok(await e.startHelper(2000, { dieAfterPieces: 1 }));
    const k = new WasmKernel(e, 'wasm-simd-threads', true);
    const c = gruCase();
    const ref = tsKernel.forward('gru', c.dims, c.x, c.h0, null, c.w);
    // the helper may be late for the first jobs; it dies on the first piece it claims
    for (let i = 0; i < 200 && e.threads === 2; i++) {
      const f = k.forward('gru', c.dims, c.x, c.h0, null, c.w);
      for (let j = 0; j < ref.hs.length; j++) assert.ok(Math.abs(f.hs[j] - ref.hs[j]) < 1e-5, `hs[${j}] ${f.hs[j]} vs ${ref.hs[j]}`);
      k.backward(f.cache!, c.dhs, null, null);
      if (e.threads === 2) await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(e.threads, 1, 'the dead helper is dropped');
    assert.ok(kernelNotices().some((n) => /WASM helper thread (died|exited)/.test(n) && /one thread/.test(n)), kernelNotices().join('; '));
    const f = k.forward('gru', c.dims, c.x, c.h0, null, c.w);
    assert.deepEqual(f.hs.subarray(0, 10), ref.hs.subarray(0, 10).map((v, i) => f.hs[i]));
  } finally {
    e.dispose();
  }
});

test('wasm helper: a piece that throws in the helper reaches the caller with its own message', async () => {
  const e = new WasmEngine({ relaxed: false });
  try {
    assert.ok(await e.startHelper(2000, { throwAt: { piece: 0, message: 'memory access out of bounds (test)' } }));
    const k = new WasmKernel(e, 'wasm-simd-threads', true);
    const c = gruCase();
    let thrown: Error | null = null;
    for (let i = 0; i < 500 && !thrown; i++) {
      try {
        const f = k.forward('gru', c.dims, c.x, c.h0, null, c.w);
        k.backward(f.cache!, c.dhs, null, null);
      } catch (err) {
        thrown = err as Error;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.ok(thrown, 'the helper claimed a piece within 500 jobs');
    assert.match(thrown.message, /memory access out of bounds \(test\)/);
  } finally {
    e.dispose();
  }
});

function nativeOrSkip(t: { skip(msg: string): void }) {
  try {
    return loadNativeKernel(2);
  } catch (e) {
    t.skip(`native addon unavailable: ${(e as Error).message}`);
    return null;
  }
}

test('native helper: 100k jobs of random sizes with random helper delays, every result right', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const a = k.addon;
  try {
    a.test_hooks!(5, 0);
    const r = a.stress!(100_000, 3, 2);
    console.log(`native helper stress: ${r.jobs} jobs (${r.pieces} pieces, ${r.helperPieces} by the helper) in ${(r.ms / 1000).toFixed(1)} s, ${r.errors} wrong`);
    assert.equal(r.errors, 0, r.firstError);
    assert.ok(r.helperPieces > 0, 'the helper took part');
  } finally {
    a.test_hooks!(0, 0);
  }
});

test('native helper: a helper that dies during a job: the job completes right, one thread from then on, a notice says so', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const c = gruCase();
  const one = loadNativeKernel(1);
  const ref = one.forward('gru', c.dims, c.x, c.h0, null, c.w);
  try {
    k.addon.test_hooks!(0, 1);
    for (let i = 0; i < 2000 && !k.addon.info().helperDead; i++) {
      const f = k.forward('gru', c.dims, c.x, c.h0, null, c.w);
      assert.deepEqual(f.hs, ref.hs, 'every job completes with the same bits');
      k.backward(f.cache!, c.dhs, null, null);
    }
    assert.equal(k.addon.info().helperDead, true, 'the helper claimed a piece and died');
    assert.ok(kernelNotices().some((n) => /native helper thread died/.test(n) && /one thread/.test(n)), kernelNotices().join('; '));
    assert.deepEqual(k.forward('gru', c.dims, c.x, c.h0, null, c.w).hs, ref.hs);
  } finally {
    k.addon.test_hooks!(0, 0);
  }
});

test('native addon: a wrong-length or wrong-type buffer is a one-sentence error, not a crash', (t) => {
  const k = nativeOrSkip(t);
  if (!k) return;
  const a = k.addon;
  // pack_forward of a GRU (T 6, B 40, I 28, H 48) with token ids: wh one element short
  const bufs = (over: Record<string, Float32Array | Int32Array>) => ARGS_BUFS.map((f) => over[f] ?? null);
  const ints = new Int32Array([1, 6, 40, 28, 48, 1, 1, 0]);
  const whp = new Float32Array(a.panels(1, 48) * 16 * 48);
  assert.throws(() => a.run(4, ints, bufs({ wx: new Float32Array(28 * 144), whp, wh: new Float32Array(48 * 144 - 1) }), 1), (e: Error) => {
    assert.equal(e.message, 'seqlab-native run: buffer wh has 6911 elements but needs 6912 (H*N with T=6 B=40 I=28 H=48).');
    return e instanceof TypeError;
  });
  assert.throws(() => a.run(4, ints, bufs({ wx: new Float32Array(28 * 144), whp, wh: new Int32Array(48 * 144) }), 1), /buffer wh must be a Float32Array\.$/);
  assert.throws(() => a.run(1, new Int32Array([1, 6, 40, 28, 48, 1, 1, 0]), [null, new Float32Array(240)], 1), /buffer tok must be an Int32Array\.$/);
  assert.throws(() => a.run(1, new Int32Array(7), [], 1), /ints must be an Int32Array of 8 elements\.$/);
  assert.throws(() => a.run(1, new Int32Array([1, 6, 40, 28, 48, 1, 1, 0]), [], 1), /op 1 needs buffer tok \(T\*B = 240 elements\) but got null\.$/);
  assert.throws(() => a.run(1, new Int32Array([7, 6, 40, 28, 48, 1, 1, 0]), [], 1), /kind must be 0 \(rnn\), 1 \(gru\) or 2 \(lstm\), not 7\.$/);
  assert.throws(() => a.dense!(1, new Int32Array([2, 3, 4, 1]), [new Float32Array(5)]), /buffer a has 5 elements but needs 6 \(N\*D with N=2 D=3 V=4\)\.$/);
  assert.throws(() => a.dense!(3, new Int32Array([2, 0, 4, 1]), []), /op 3 needs buffer logits/);
});
