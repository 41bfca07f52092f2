/**
 * tanh on every kernel path (native/src/rnn_core.h vtanh, the TypeScript reference): relative
 * error ≤ 2e-6 against Math.tanh for |x| from 1e-8 to 20, both signs — near 0 too, where d2l's
 * N(0, 0.01) initialisation starts and 2/(1+e^(−2x))−1 lost ~1e-4 in float32. An RNN step with
 * zero state and weights gives hs = tanh(wx[token]) exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableKernelsForTest } from './kernels-helpers';
import { WasmEngine, WasmKernel } from '../../src/core/kernels/wasm-kernel';

test('tanh is accurate to 2e-6 relative for |x| in [1e-8, 20] on every path', async () => {
  const H = 16, B = 30, I = B, T = 1;
  const xs = new Float32Array(I * H);
  for (let i = 0; i < xs.length; i++) {
    const mag = 10 ** (-8 + (Math.log10(20) + 8) * ((i >> 1) / (xs.length / 2 - 1)));
    xs[i] = i & 1 ? -mag : mag;
  }
  const tok = Int32Array.from({ length: B }, (_, b) => b);
  const w = { wx: xs, wh: new Float32Array(H * H), b: new Float32Array(H) };
  const plain = new WasmEngine({ relaxed: false });
  for (const k of [...(await availableKernelsForTest()), new WasmKernel(plain, 'wasm-simd', false)]) {
    const { hs } = k.forward('rnn', { T, B, I, H }, tok, new Float32Array(B * H), null, w, { cache: false });
    let worst = 0, at = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = Math.tanh(xs[i]);
      const rel = Math.abs(hs[i] - want) / Math.abs(want);
      if (!(rel <= worst)) [worst, at] = [rel, xs[i]];
    }
    assert.ok(worst <= 2e-6, `${k.path}${k instanceof WasmKernel ? ` (${k.engine.variant})` : ''}: relative error ${worst.toExponential(2)} at x = ${at}`);
  }
  plain.dispose();
});
