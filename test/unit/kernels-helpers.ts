/** Shared by the kernel tests: every kernel path that loads on this machine (TS always). */
import { tsKernel } from '../../src/core/kernels/reference';
import { getKernel, PATH_ORDER } from '../../src/core/kernels/select';
import type { CellKind, RecurrentKernel } from '../../src/core/kernels/types';

/** One shape the kernel tests run: sizes, token-id or dense input, and (multi-layer tests) layers. */
export interface KernelCase {
  kind: CellKind;
  T: number;
  B: number;
  I: number;
  H: number;
  ids: boolean;
  layers?: number;
}

let cached: RecurrentKernel[] | null = null;

export async function availableKernelsForTest(): Promise<RecurrentKernel[]> {
  if (cached) return cached;
  const out: RecurrentKernel[] = [tsKernel];
  for (const p of PATH_ORDER) {
    if (p === 'ts') continue;
    const k = await getKernel(p);
    if (k) out.push(k);
  }
  cached = out;
  return out;
}
