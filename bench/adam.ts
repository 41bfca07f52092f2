/**
 * `npx tsx bench/adam.ts` — fusedAdamClip (src/core/kernels/adam.ts: global-norm clipping and
 * Adam over every parameter) at the translator's full-small sizes, on each kernel path. The
 * parameter arrays are the plain seq2seq's (model.variables() order: embeddings, both GRU
 * stacks, the output layer) for the vocabularies of the first N pairs (default 5,000, as the
 * bench:mt preset full-small-5k) or all pairs (--all). Prints ms per call (median of --reps
 * calls, after 2 untimed); clipping is active (θ = 1 on gradients of norm ~10).
 *
 *   SEQLAB_DATA_DIR=../shared/data npx tsx bench/adam.ts [--all] [--reps 15] [--paths ts,native,wasm-simd,wasm-simd-threads]
 *
 * A benchmark, never a test: it prints figures and asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AdamState, fusedAdamClip } from '../src/core/kernels/adam';
import { getKernel } from '../src/core/kernels/select';
import type { KernelPath } from '../src/core/kernels/types';
import { loadDataNmt } from '../src/core/translation/nmt-data';

const { values } = parseArgs({ options: { all: { type: 'boolean' }, reps: { type: 'string', default: '15' }, paths: { type: 'string', default: 'ts,native,wasm-simd,wasm-simd-threads' } } });
const dataDir = process.env.SEQLAB_DATA_DIR ?? join(process.cwd(), '../shared/data');
const data = loadDataNmt(readFileSync(join(dataDir, 'fra-eng.txt'), 'utf8'), values.all ? {} : { numExamples: 5000 });
const Vs = data.srcVocab.size, Vt = data.tgtVocab.size, E = 128, H = 256;
/** one GRU layer of input I: W_x [I, 3H], W_h [H, 3H], b [3H] (three gates each) */
const gru = (I: number) => [I * H, I * H, I * H, H * H, H * H, H * H, H, H, H];
const sizes = [Vs * E, ...gru(E), ...gru(H), Vt * E, ...gru(E + H), ...gru(H), H * Vt, Vt];
const total = sizes.reduce((a, b) => a + b, 0);
console.log(`fusedAdamClip at full-small size, vocabularies ${Vs} / ${Vt}: ${sizes.length} arrays, ${(total / 1e6).toFixed(2)} M parameters`);

const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s) * 0.01);
const grads = sizes.map((n, k) => rnd(n, k + 1));
const reps = Number(values.reps);
async function main(): Promise<void> {
for (const path of values.paths!.split(',') as KernelPath[]) {
  const kernel = path === 'ts' ? null : await getKernel(path);
  if (path !== 'ts' && !kernel) {
    console.log(`${path.padEnd(18)} not available here`);
    continue;
  }
  const params = sizes.map((n, k) => rnd(n, 100 + k));
  const state = new AdamState(sizes);
  const ms: number[] = [];
  for (let r = 0; r < reps + 2; r++) {
    const t0 = performance.now();
    fusedAdamClip(params, grads, state, 0.005, 1, 1e-8, kernel ?? undefined);
    if (r >= 2) ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const note = kernel && !kernel.adamClip ? ' (this kernel has no adamClip: the TypeScript loops ran)' : '';
  console.log(`${path.padEnd(18)} ${ms[ms.length >> 1].toFixed(2)} ms per call (min ${ms[0].toFixed(2)}, max ${ms[ms.length - 1].toFixed(2)})${note}`);
}
}
void main().then(() => process.exit(0));
