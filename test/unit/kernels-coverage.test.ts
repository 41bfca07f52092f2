/**
 * Which kernel paths this machine's unit tests ran: one test per path that passes when the path
 * loaded (and the other kernel tests therefore covered it) and is counted as skipped, with the
 * reason, when it did not — a path never just disappears from the totals. Prints the line
 * "kernel paths tested: …".
 */
import { test, after } from 'node:test';
import { createWasmEngine } from '../../src/core/kernels/wasm-kernel';
import { getKernel, kernelInfo } from '../../src/core/kernels/select';
import type { RecurrentKernel } from '../../src/core/kernels/types';

const ran: string[] = ['reference'];

function reason(path: string): string {
  return kernelInfo().notes.find((n) => n.startsWith(`${path}:`)) ?? `${path} did not load`;
}

test('kernel path: reference (TypeScript)', () => {});

test('kernel path: wasm-simd (SIMD128 and, where the engine has it, relaxed-SIMD FMA)', async (t) => {
  const k = await getKernel('wasm-simd');
  if (!k) return t.skip(reason('wasm-simd'));
  ran.push('wasm-simd');
  const e = createWasmEngine();
  try {
    if (e.relaxed) ran.push('wasm-relaxed');
    else t.diagnostic(`wasm-relaxed not tested: ${e.variant}`);
  } finally {
    e.dispose();
  }
});

test('kernel path: wasm-relaxed (relaxed-SIMD FMA)', (t) => {
  const e = createWasmEngine();
  try {
    if (!e.relaxed) t.skip(`relaxed SIMD not available: ${e.variant}`);
  } finally {
    e.dispose();
  }
});

test('kernel path: wasm-simd-threads (two threads)', async (t) => {
  const k = await getKernel('wasm-simd-threads');
  if (!k) return t.skip(reason('wasm-simd-threads'));
  ran.push('wasm-2threads');
});

test('kernel path: native', async (t) => {
  const k = (await getKernel('native')) as (RecurrentKernel & { isa?: string }) | null;
  if (!k) return t.skip(reason('native'));
  ran.push(`native(${k.isa})`);
});

after(() => console.log(`kernel paths tested: ${ran.join(', ')}`));
