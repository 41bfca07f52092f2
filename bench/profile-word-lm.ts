/**
 * Profiles LMTrainer's training step of the word-level LM (The Time Machine, `--token word`,
 * V = 4,580; GRU, 256 hidden, batch 32, 35 steps; one-hot input or `--embedding E`) phase by
 * phase on the current kernel path: every kernel call timed by wrapping the kernel, the rest of
 * forward + backward (tfjs ops, copies, tape), loss read + clipping, the optimizer update.
 * `tsx bench/profile-word-lm.ts [--embedding 256] [--path native] [--reps 20] [--model gru]`.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { currentKernel, selectKernelPath } from '../src/core/kernels/select';
import type { KernelPath } from '../src/core/kernels/types';
import { parseLMConfig } from '../src/core/training/lm-config';
import { loadLMData } from '../src/core/training/lm-data';
import { LMTrainer } from '../src/core/training/lm-trainer';

process.env.SEQLAB_DATA_DIR ||= join(__dirname, '../../shared/data');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  await initBackend({ backend: arg('backend', 'wasm') as 'wasm' });
  await selectKernelPath({ force: arg('path', 'native') as KernelPath });
  const config = parseLMConfig({ corpus: 'timemachine', token: 'word', model: arg('model', 'gru'), hidden: 256, batch: 32, steps: 35, lr: 1, embedding: Number(arg('embedding', '0')) });
  const data = await loadLMData(config);
  const trainer = new LMTrainer(config, data);
  const k = currentKernel();
  const slots = k as unknown as Record<string, unknown>;
  const acc: Record<string, number> = {};
  for (const m of ['forward', 'backward', 'dense', 'denseBackward', 'softmaxXent', 'embeddingGather', 'embeddingScatter', 'headXent']) {
    const f = slots[m] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof f !== 'function') continue;
    slots[m] = (...a: unknown[]) => {
      const t = performance.now();
      const r = f.apply(k, a);
      acc[`kernel ${m}`] = (acc[`kernel ${m}`] ?? 0) + performance.now() - t;
      return r;
    };
  }
  const reps = Number(arg('reps', '20'));
  const batches = trainer.epochBatches(0);
  const rows: Record<string, number[]> = {};
  let state = trainer.model.beginState(config.batch);
  for (let i = 0; i < reps + 3; i++) {
    for (const key of Object.keys(acc)) acc[key] = 0;
    const t0 = performance.now();
    const r = trainer.trainStep(batches[i % batches.length], state);
    const total = performance.now() - t0;
    state = r.state;
    if (i < 3) continue;
    const timing = trainer.lastTiming ?? {};
    for (const [key, v] of Object.entries({ ...acc, ...timing })) (rows[key] ??= []).push(v);
    (rows['TOTAL step'] ??= []).push(total);
  }
  console.log(`word ${config.model}, V = ${data.codec.vocab.size}, embedding ${config.embedding}, path ${k.path}, backend ${tf.getBackend()}; medians of ${reps} steps, ms`);
  for (const [key, v] of Object.entries(rows)) console.log(`| ${key} | ${median(v).toFixed(2)} |`);
  const t = median(rows['TOTAL step']);
  console.log(`tokens/s at the median step: ${Math.round((config.batch * config.steps) / t * 1000)}`);
  process.exit(0);
}
void main();
