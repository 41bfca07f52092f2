/**
 * npm run bench:stress — the kernels' work-claiming protocol at scale (issue 15): millions of
 * jobs of random sizes (1–4000 elements, 1–255 pieces) on the WASM helper
 * (src/core/kernels/wasm-helper.ts) and the native addon's pthread (native/src/addon.c), with
 * and without random delays injected in the helper, every element of every result checked.
 * Prints jobs, pieces (how many the helper ran), time and wrong results (must be 0).
 * Options: --jobs N (default 2000000 per round; delayed rounds run a fifth), --only wasm|native.
 */
import { loadNativeKernel } from '../src/core/kernels/native-kernel';
import { stressHelper } from '../src/core/kernels/wasm-helper';
import { WasmEngine } from '../src/core/kernels/wasm-kernel';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const jobs = Number(arg('--jobs', '2000000'));
const only = arg('--only', '');
let failed = false;
const report = (what: string, r: { jobs: number; pieces: number; helperPieces: number; errors: number; ms: number; firstError?: string }) => {
  console.log(`${what}: ${r.jobs} jobs, ${r.pieces} pieces (${r.helperPieces} by the helper) in ${(r.ms / 1000).toFixed(1)} s, ${r.errors} wrong${r.firstError ? `: ${r.firstError}` : ''}`);
  if (r.errors) failed = true;
};

async function main(): Promise<void> {
  if (only !== 'native') {
    for (const delay of [0, 20]) {
      const e = new WasmEngine({ relaxed: false });
      try {
        if (!(await e.startHelper(2000, delay ? { maxDelayMicros: delay } : {}))) throw new Error('the WASM helper did not start');
        report(`wasm helper${delay ? `, random delays ≤ ${delay} µs` : ''}`, stressHelper(e.helperThread!, e, delay ? Math.ceil(jobs / 5) : jobs, 11 + delay, delay ? 10 : 0));
      } finally {
        e.dispose();
      }
    }
  }
  if (only !== 'wasm') {
    let addon;
    try {
      addon = loadNativeKernel().addon;
    } catch (e) {
      console.log(`native: skipped (${(e as Error).message})`);
      return;
    }
    for (const delay of [0, 20]) {
      addon.test_hooks!(delay, 0);
      report(`native helper${delay ? `, random delays ≤ ${delay} µs` : ''}`, addon.stress!(delay ? Math.ceil(jobs / 5) : jobs, 11 + delay, 2));
    }
    addon.test_hooks!(0, 0);
  }
}

void main().then(() => process.exit(failed ? 1 : 0));
