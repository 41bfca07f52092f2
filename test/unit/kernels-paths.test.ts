/**
 * Fused recurrent kernels, path details: the two-thread paths split work into pieces both
 * threads claim, so their results equal the one-thread results bit for bit; scratch arrays
 * reused across calls (and across shapes) never change a result; the relaxed-SIMD WASM module
 * agrees with SIMD128, and the engine falls back to SIMD128 when relaxed SIMD cannot be
 * enabled (Node 20 needs V8's --experimental-wasm-relaxed-simd, set at run time) or its
 * start-up check fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { loadNativeKernel } from '../../src/core/kernels/native-kernel';
import { createWasmEngine, relaxedAgrees, WasmEngine, WasmKernel } from '../../src/core/kernels/wasm-kernel';
import { type KernelCase } from './kernels-helpers';
import { GATES, type BackwardResult, type RecurrentKernel } from '../../src/core/kernels/types';

type Case = KernelCase;

/** Cases big enough for the second thread (T·B·H·N ≥ 2e5), several pieces, ragged widths. */
const CASES: Case[] = [
  { kind: 'rnn', T: 6, B: 37, I: 28, H: 48, ids: true },
  { kind: 'gru', T: 5, B: 40, I: 9, H: 40, ids: false },
  { kind: 'gru', T: 4, B: 70, I: 28, H: 32, ids: true },
  { kind: 'lstm', T: 3, B: 33, I: 28, H: 64, ids: true },
  { kind: 'lstm', T: 4, B: 21, I: 13, H: 35, ids: false },
];

function rng(seed: number) {
  return (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5) * 2 * scale);
}

/** Forward (hs, cT) and every gradient of one case, as a list of named arrays. */
function runCase(k: RecurrentKernel, cs: Case, seed = 11): [string, Float32Array][] {
  const { kind, T, B, I, H, ids } = cs;
  const N = GATES[kind] * H;
  const rnd = rng(seed);
  const x = ids ? Int32Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % I) : rnd(T * B * I, 1);
  const h0 = rnd(B * H, 0.5), c0 = kind === 'lstm' ? rnd(B * H, 0.5) : null;
  const w = { wx: rnd(I * N, 0.4), wh: rnd(H * N, 0.4), b: rnd(N, 0.2) };
  const f = k.forward(kind, { T, B, I, H }, x, h0, c0, w);
  const g: BackwardResult = k.backward(f.cache!, rnd(T * B * H, 1), rnd(B * H, 1), kind === 'lstm' ? rnd(B * H, 1) : null);
  const out: [string, Float32Array | null][] = [['hs', f.hs], ['cT', f.cT], ['dx', g.dx], ['dh0', g.dh0], ['dc0', g.dc0], ['dwx', g.dwx], ['dwh', g.dwh], ['db', g.db]];
  return out.filter((e): e is [string, Float32Array] => e[1] !== null);
}

const label = (cs: Case) => `${cs.kind} T${cs.T} B${cs.B} I${cs.I} H${cs.H}${cs.ids ? ' ids' : ''}`;

function assertSame(a: [string, Float32Array][], b: [string, Float32Array][], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach(([name, x], i) => assert.deepEqual(x, b[i][1], `${what}: ${name} differs`));
}

function assertClose(a: [string, Float32Array][], b: [string, Float32Array][], tol: number, what: string): void {
  a.forEach(([name, x], i) => {
    const y = b[i][1];
    let scale = 1e-3;
    for (const v of y) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) <= tol * scale, `${what}: ${name}[${j}] ${x[j]} vs ${y[j]}`);
  });
}

test('native: two threads give bit-identical results to one; reused scratch never changes a result', (t) => {
  let one, two;
  try {
    one = loadNativeKernel(1);
    two = loadNativeKernel(2);
  } catch {
    t.skip('native addon not built here');
    return;
  }
  for (const cs of CASES) {
    const ref = runCase(one, cs);
    assertSame(runCase(two, cs), ref, `native 2 threads ${label(cs)}`);
    // again after other shapes have reused (and dirtied) the scratch arrays
    runCase(two, CASES[(CASES.indexOf(cs) + 1) % CASES.length], 5);
    assertSame(runCase(two, cs), ref, `native 2 threads, repeated, ${label(cs)}`);
  }
});

test('wasm: two threads give bit-identical results to one', async () => {
  const e = new WasmEngine({ relaxed: false });
  try {
    assert.ok(await e.startHelper(), 'the WASM worker thread starts');
    const one = new WasmKernel(e, 'wasm-simd', false), two = new WasmKernel(e, 'wasm-simd-threads', true);
    for (const cs of CASES) {
      const ref = runCase(one, cs);
      assertSame(runCase(two, cs), ref, `wasm 2 threads ${label(cs)}`);
      assertSame(runCase(two, cs), ref, `wasm 2 threads, repeated, ${label(cs)}`);
    }
  } finally {
    e.dispose();
  }
});

test('wasm: the relaxed-SIMD module agrees with SIMD128 and passes its start-up check', (t) => {
  const relaxed = createWasmEngine();
  const plain = new WasmEngine({ relaxed: false });
  try {
    assert.equal(plain.relaxed, false);
    assert.match(plain.variant, /^SIMD128/);
    if (!relaxed.relaxed) {
      t.skip(`relaxed SIMD not available here: ${relaxed.variant}`);
      return;
    }
    assert.match(relaxed.variant, /relaxed-SIMD FMA/);
    assert.ok(relaxedAgrees(relaxed));
    const a = new WasmKernel(relaxed, 'wasm-simd', false), b = new WasmKernel(plain, 'wasm-simd', false);
    for (const cs of CASES) assertClose(runCase(a, cs), runCase(b, cs), 1e-4, `relaxed vs SIMD128 ${label(cs)}`);
  } finally {
    relaxed.dispose();
    plain.dispose();
  }
});

test('wasm: relaxed SIMD is enabled with the V8 flag when validation needs it, else SIMD128 runs', () => {
  // validates only once the flag was set (Node 20); the real flag is set too so the module compiles
  let flagSet = false;
  const viaFlag = new WasmEngine({
    validateRelaxed: (bytes) => flagSet && WebAssembly.validate(bytes),
    setV8Flag: (flag) => {
      assert.equal(flag, '--experimental-wasm-relaxed-simd');
      setFlagsFromString(flag);
      flagSet = true;
    },
  });
  assert.equal(viaFlag.relaxed, true);
  assert.match(viaFlag.variant, /enabled with --experimental-wasm-relaxed-simd/);
  viaFlag.dispose();

  // the flag does not help (an engine without relaxed SIMD)
  const noHelp = new WasmEngine({ validateRelaxed: () => false, setV8Flag: () => {} });
  assert.equal(noHelp.relaxed, false);
  assert.match(noHelp.variant, /^SIMD128 \(this engine does not support relaxed SIMD\)/);
  noHelp.dispose();

  // no way to set flags at all
  const noFlags = new WasmEngine({
    validateRelaxed: () => false,
    setV8Flag: () => {
      throw new Error('not here');
    },
  });
  assert.equal(noFlags.relaxed, false);
  noFlags.dispose();

  // switched off
  const prev = process.env.SEQLAB_WASM_RELAXED;
  process.env.SEQLAB_WASM_RELAXED = 'off';
  try {
    const off = new WasmEngine();
    assert.equal(off.relaxed, false);
    assert.match(off.variant, /switched off/);
    off.dispose();
  } finally {
    if (prev === undefined) delete process.env.SEQLAB_WASM_RELAXED;
    else process.env.SEQLAB_WASM_RELAXED = prev;
  }
});

test('wasm: a relaxed module failing its start-up check is replaced by SIMD128', () => {
  const e = createWasmEngine({}, () => false);
  try {
    assert.equal(e.relaxed, false);
    if (!/switched off|not support|not found/.test(e.variant)) assert.match(e.variant, /disagreed with the reference/);
    const k = new WasmKernel(e, 'wasm-simd', false);
    assert.ok(runCase(k, CASES[0]).every(([, a]) => a.every(Number.isFinite)));
  } finally {
    e.dispose();
  }
});
