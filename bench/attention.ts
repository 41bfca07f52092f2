/**
 * Bahdanau attention training speed (issue 14): ms/batch and target tokens/s of the fused
 * decoder loop and of the per-op path, on the `bahdanau` preset and at full-small size
 * (embed 128, 2×256 GRU, batch 64, 15 steps, first 5,000 pairs), interleaved with d2l's
 * PyTorch code (bench/reference_mt.py, when present and torch is installed). Prints figures;
 * asserts nothing.
 * Run: SEQLAB_DATA_DIR=../shared/data npx tsx bench/attention.ts [--batches 4] [--reps 3] [--paths native,wasm-simd] [--no-torch] [--no-tfops] [--torch-threads 1,2] [--only bahdanau|full-small] [--check [--only-check]]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { initBackend } from '../src/core/backend';
import { disposeKernels, selectKernelPath, useKernelPath } from '../src/core/kernels';
import type { KernelPath } from '../src/core/kernels/types';
import { readTextFile } from '../src/core/data/corpus';
import { resolveDataset } from '../src/core/data/resolve';
import { resolveMtConfig } from '../src/core/translation/mt-config';
import { Seq2SeqTrainer } from '../src/core/translation/train';
import { attentionComputation, setAttentionImpl, type AttentionImpl } from '../src/core/translation/attention/decoder';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const flag = (name: string) => process.argv.includes(`--${name}`);

/** reference_mt.py's flags for each setting (d2l's code, same sizes and data). */
const TORCH_ARGS: Record<string, string[]> = {
  bahdanau: ['--embed', '256', '--hidden', '256', '--dropout', '0.2', '--lr', '0.005', '--batch', '128', '--num-steps', '9', '--num-examples', '640'],
  'full-small': ['--embed', '128', '--hidden', '256', '--dropout', '0.2', '--lr', '0.002', '--batch', '64', '--num-steps', '15', '--num-examples', '5000'],
};

const SETTINGS = {
  bahdanau: { preset: 'bahdanau', validFraction: 0 },
  'full-small': { preset: 'textbook', model: 'attention', numExamples: 5000, numSteps: 15, embedSize: 128, numHiddens: 256, numLayers: 2, dropout: 0.2, lr: 0.002, batchSize: 64, validFraction: 0 },
} as const;

function torchRef(setting: keyof typeof SETTINGS, batches: number, threads: number): { msPerBatch: number; tokensPerSecond: number } | null {
  const script = 'bench/reference_mt.py';
  if (!existsSync(script)) return null;
  const py = process.env.SEQLAB_PYTHON ?? '/usr/bin/python3';
  const data = `${process.env.SEQLAB_DATA_DIR ?? '../shared/data'}/fra-eng.txt`;
  const r = spawnSync(py, [script, '--data', data, '--model', 'attention', ...TORCH_ARGS[setting], '--batches', String(batches), '--threads', String(threads)], { encoding: 'utf8', env: { ...process.env } });
  if (r.status !== 0) {
    console.log(`  PyTorch reference failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`);
    return null;
  }
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  const j = line ? (JSON.parse(line) as { msPerBatch?: number; tokensPerSecond?: number; error?: string }) : null;
  if (!j || j.error || j.tokensPerSecond === undefined) {
    console.log(`  PyTorch reference: ${j?.error ?? 'no result'}`);
    return null;
  }
  return { msPerBatch: j.msPerBatch!, tokensPerSecond: j.tokensPerSecond };
}

/**
 * The numerics check: 20 training steps (bahdanau preset at batch 32, dropout on) from the same
 * start with the fused loop and with the per-op path; prints the largest relative difference of
 * the step losses (the bar: 1e-4).
 */
async function check(text: string): Promise<void> {
  const config = resolveMtConfig({ preset: 'bahdanau', batchSize: 32, epochs: 1, validFraction: 0 });
  const losses: Record<string, number[]> = {};
  for (const impl of ['tfops', 'fused'] as AttentionImpl[]) {
    setAttentionImpl(impl);
    const tr = Seq2SeqTrainer.fromText(config, text);
    (tr as unknown as { trainRows: number[] }).trainRows = tr.trainRows.slice(0, 20 * config.batchSize);
    losses[impl] = [];
    await tr.trainEpoch(1, { progress: (_b, _n, l) => losses[impl].push(l) });
    tr.dispose();
  }
  const rel = losses.fused.map((l, i) => Math.abs(l - losses.tfops[i]) / Math.abs(losses.tfops[i]));
  console.log(`numerics: ${rel.length} steps, largest relative loss difference fused vs per-op ${Math.max(...rel).toExponential(2)} (first ${losses.tfops[0].toFixed(5)}, last ${losses.tfops[rel.length - 1].toFixed(5)})`);
}

async function main(): Promise<void> {
  const batches = Number(arg('batches', '4'));
  const reps = Number(arg('reps', '3'));
  await initBackend({ backend: 'wasm' });
  const info = await selectKernelPath();
  const paths = arg('paths', info.available.filter((p) => p !== 'ts' && p !== 'wasm-simd-threads').join(',')).split(',') as KernelPath[];
  const text = readTextFile((await resolveDataset('fra-eng')).path);
  if (flag('check')) {
    await useKernelPath(paths[0]);
    await check(text);
    if (flag('only-check')) return disposeKernels();
  }
  for (const [name, raw] of Object.entries(SETTINGS) as [keyof typeof SETTINGS, Record<string, unknown>][]) {
    if (flag('only') && arg('only', '') !== name) continue;
    const config = resolveMtConfig({ ...raw, epochs: 1 });
    const tr = Seq2SeqTrainer.fromText(config, text);
    (tr as unknown as { trainRows: number[] }).trainRows = tr.trainRows.slice(0, batches * config.batchSize);
    console.log(`${name}: B ${config.batchSize}, T ${config.numSteps}, E ${config.embedSize}, H ${config.numHiddens}, ${config.numLayers} layers, vocab ${tr.data.srcVocab.size}/${tr.data.tgtVocab.size}, ${batches} batches per repetition`);
    const impls: [KernelPath, AttentionImpl][] = paths.flatMap((p) => [[p, 'fused'] as [KernelPath, AttentionImpl], ...(flag('no-tfops') || p !== paths[0] ? [] : [[p, 'tfops'] as [KernelPath, AttentionImpl]])]);
    const results = new Map<string, number[]>();
    const torch: Record<number, number[]> = { 1: [], 2: [] };
    let epoch = 1;
    for (let rep = 0; rep < reps; rep++) {
      for (const [path, impl] of impls) {
        await useKernelPath(path);
        setAttentionImpl(impl);
        if (rep === 0) await tr.trainEpoch(epoch++); // warm-up
        const m = await tr.trainEpoch(epoch++);
        const key = `${path} ${impl} (${attentionComputation()})`;
        results.set(key, [...(results.get(key) ?? []), m.tokensPerSecond]);
        console.log(`  rep ${rep + 1} ${key}: ${(m.elapsedMs / batches).toFixed(1)} ms/batch, ${Math.round(m.tokensPerSecond)} tokens/s`);
      }
      if (!flag('no-torch'))
        for (const th of arg('torch-threads', '1,2').split(',').map(Number)) {
          const r = torchRef(name, batches, th);
          if (r) {
            torch[th].push(r.tokensPerSecond);
            console.log(`  rep ${rep + 1} PyTorch ${th} thread(s): ${r.msPerBatch.toFixed(1)} ms/batch, ${Math.round(r.tokensPerSecond)} tokens/s`);
          }
          await new Promise((res) => setTimeout(res, 300));
        }
    }
    const best = Math.max(0, ...[1, 2].map((th) => (torch[th].length ? torch[th].reduce((a, b) => a + b) / torch[th].length : 0)));
    for (const [key, v] of results) {
      const mean = v.reduce((a, b) => a + b) / v.length;
      console.log(`  ${key}: ${Math.round(Math.min(...v))}–${Math.round(Math.max(...v))} tokens/s${best ? `, ${(mean / best).toFixed(2)}× PyTorch (its faster thread setting, ${Math.round(best)} tokens/s)` : ''}`);
    }
    tr.dispose();
  }
  disposeKernels();
}

void main();
