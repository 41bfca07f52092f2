/**
 * `npm run bench:mt` — translator training speed and translation latency against d2l's own
 * PyTorch code (bench/reference_mt.py), side by side in one run (issues 13 and 14).
 *
 * For each preset, each repetition runs, one after the other in child processes (so every kernel
 * choice is clean and the sides alternate on a noisy machine): the PyTorch reference with 1 and
 * 2 threads, then Seqlab on each kernel path (SEQLAB_KERNEL=native | wasm-simd-threads |
 * wasm-simd, tfjs `wasm` backend). Both sides train the preset's model with the same settings on
 * a random sample of the preset's pairs: `--warmup` untimed batches, then `--batches` timed ones,
 * and report target tokens/s (d2l's num_tokens = Σ Y_valid_len), ms per batch, the wall time,
 * the loss after the budget (d2l's Σ per-sequence loss / Σ tokens over the timed batches), and
 * the warm model's latency translating one sentence greedily and with beam 4 (≤ 20 tokens).
 * Prints medians over repetitions; ratios are against the faster PyTorch configuration.
 *
 *   npm run bench:mt                                           # every preset (long: the full corpus)
 *   npm run bench:mt -- --presets textbook --reps 3            # ~1 minute
 *   npm run bench:mt -- --presets full-small-5k,attention-small-5k --paths native --batches 10
 *   npm run bench:mt -- --presets bahdanau --no-torch --json
 *   npm run bench:mt -- --presets full-small,attention-small --latency-only --no-torch   # decoding latency per path, quick
 *
 * --latency-only trains 1 batch (no warm-up) and times decoding: the latency does not depend on
 * how far the model trained, only on its sizes (and on how long its hypotheses run, ≤ 20 tokens).
 *
 * A benchmark, never a test: it prints figures and asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MT_DEFAULTS, MT_PRESETS, type MtConfig, type MtPresetName } from '../src/core/translation/mt-config';
import { TRAINING_EXEC_ARGV, hasTrainingGcFlags } from '../src/core/training/gc-tuning';

/** The bench's presets: Seqlab presets (src/core/training/presets.ts) with overrides, and a default budget. */
const PRESETS: Record<string, { preset: string; over: Partial<MtConfig>; batches: number; label: string }> = {
  textbook: { preset: 'textbook', over: {}, batches: 20, label: 'textbook (600 pairs, 2×32 GRU, batch 64, 10 steps)' },
  'full-small-5k': { preset: 'full-small', over: { numExamples: 5000 }, batches: 10, label: 'full-small on the first 5,000 pairs (embed 128, 2×256 GRU, 15 steps)' },
  'full-small': { preset: 'full-small', over: {}, batches: 3, label: 'full-small on all pairs (vocab 10012/17851)' },
  'full-large': { preset: 'full-large', over: {}, batches: 2, label: 'full-large on all pairs (embed 256, 2×512 GRU, batch 128, 20 steps)' },
  bahdanau: { preset: 'bahdanau', over: {}, batches: 10, label: 'bahdanau attention (640 pairs, embed 256, 2×256 GRU, batch 128, 9 steps)' },
  'attention-small-5k': { preset: 'full-small', over: { model: 'attention', numExamples: 5000 }, batches: 5, label: 'attention at full-small size, first 5,000 pairs' },
  'attention-small': { preset: 'full-small', over: { model: 'attention' }, batches: 2, label: 'attention at full-small size, all pairs' },
};
const PATHS = ['native', 'wasm-simd-threads', 'wasm-simd'] as const;
/** The sentence whose translation is timed (every word is in the textbook's vocabulary). */
const SENTENCE = "he's calm .";

interface SideResult {
  side: string;
  tokensPerSecond: number;
  msPerBatch: number;
  wallSeconds: number;
  loss: number;
  greedyMs?: number;
  beam4Ms?: number;
  greedy?: string;
  beam4?: string;
  note?: string;
  /** batches in one epoch over the preset's training pairs (Seqlab's count; both sides train the same pairs) */
  epochBatches?: number;
  error?: string;
}

const { values: opt } = parseArgs({
  options: {
    presets: { type: 'string', default: Object.keys(PRESETS).join(',') },
    paths: { type: 'string', default: PATHS.join(',') },
    batches: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    reps: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean', default: false },
    'no-latency': { type: 'boolean', default: false },
    'latency-only': { type: 'boolean', default: false },
    bucketing: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    // internal: run one Seqlab side and print its JSON line
    child: { type: 'string' },
  },
  allowPositionals: false,
});

function presetConfig(name: string): { config: Record<string, unknown>; batches: number } {
  const p = PRESETS[name];
  if (!p) throw new Error(`Unknown bench preset "${name}"; use ${Object.keys(PRESETS).join(', ')}.`);
  const batches = opt['latency-only'] ? 1 : opt.batches ? Number(opt.batches) : p.batches;
  return { config: { preset: p.preset, ...p.over, validFraction: 0, seed: Number(opt.seed) }, batches };
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

function latency(fn: () => unknown, reps = 15): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

// ------------------------------------------------------------------ one Seqlab side (child process)

async function runChild(presetName: string): Promise<void> {
  const { initBackend } = await import('../src/core/backend');
  const { disposeKernels, selectKernelPath, kernelLabel } = await import('../src/core/kernels');
  const { readTextFile } = await import('../src/core/data/corpus');
  const { resolveDataset } = await import('../src/core/data/resolve');
  const { resolveMtConfig } = await import('../src/core/translation/mt-config');
  const { Seq2SeqTrainer } = await import('../src/core/translation/train');
  const { Rng } = await import('../src/core/util/random');
  await initBackend({ backend: 'wasm' });
  await selectKernelPath();
  const { config: raw, batches } = presetConfig(presetName);
  const warmup = opt['latency-only'] ? 0 : Number(opt.warmup);
  const config = resolveMtConfig({ ...raw, ...(opt.bucketing ? { bucketing: true } : {}) });
  const tr = Seq2SeqTrainer.fromText(config, readTextFile((await resolveDataset('fra-eng')).path));
  // A random sample of the pairs, as d2l's shuffled DataLoader draws them (the file is sorted by length).
  const sample = new Rng(config.seed + 1).shuffle([...tr.trainRows]);
  const B = config.batchSize;
  const rows = tr.trainRows as number[];
  const epochBatches = Math.ceil(rows.length / B);
  // n batches' rows from position `from` on, cycling like more epochs when the budget exceeds the pairs
  const use = (from: number, n: number) => rows.splice(0, rows.length, ...Array.from({ length: n * B }, (_, i) => sample[(from * B + i) % sample.length]));
  if (!opt['latency-only']) {
    use(0, Math.max(1, warmup));
    await tr.trainEpoch(1);
  }
  use(warmup, batches);
  const m = await tr.trainEpoch(2);
  const out: SideResult = {
    side: `seqlab ${kernelLabel()}`,
    tokensPerSecond: m.tokensPerSecond,
    msPerBatch: m.elapsedMs / batches,
    epochBatches,
    wallSeconds: m.elapsedMs / 1000,
    loss: m.loss,
  };
  if (!opt['no-latency']) {
    const t = tr.translator();
    const greedy = { maxLen: 20 };
    const beam = { beam: 4, nBest: 4, maxLen: 20 };
    out.greedy = t.translate(SENTENCE, greedy).translations[0].text;
    out.beam4 = t.translate(SENTENCE, beam).translations[0].text;
    out.greedyMs = latency(() => t.translate(SENTENCE, greedy));
    out.beam4Ms = latency(() => t.translate(SENTENCE, beam));
  }
  tr.dispose();
  disposeKernels();
  console.log(JSON.stringify(out));
}

// ------------------------------------------------------------------ the parent: interleaved sides

function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : null;
}

function runSeqlab(presetName: string, path: string): SideResult {
  const args = [...process.execArgv, ...TRAINING_EXEC_ARGV, __filename, '--child', presetName, '--warmup', String(opt.warmup), '--seed', String(opt.seed)];
  if (opt.batches) args.push('--batches', String(opt.batches));
  if (opt['no-latency']) args.push('--no-latency');
  if (opt['latency-only']) args.push('--latency-only');
  if (opt.bucketing) args.push('--bucketing');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, SEQLAB_KERNEL: path }, maxBuffer: 64 << 20 });
  const j = lastJsonLine(r.stdout ?? '');
  if (r.status !== 0 || !j) return { side: `seqlab ${path}`, tokensPerSecond: NaN, msPerBatch: NaN, wallSeconds: NaN, loss: NaN, error: (r.stderr || r.stdout || 'no output').trim().split('\n').slice(-3).join(' ') };
  const res = j as unknown as SideResult;
  // A path that did not load falls back to another: say so instead of reporting it under the asked name.
  if (res.side !== `seqlab ${path}` && !res.side.startsWith(`seqlab ${path} (`)) res.note = `asked for ${path}`;
  return res;
}

const PYTHON = process.env.SEQLAB_PYTHON ?? '/usr/bin/python3';

function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  return r.status === 0 ? null : `PyTorch is not importable by ${PYTHON} (apt-get install -y python3-torch libopenblas0-pthread, or set SEQLAB_PYTHON): reporting Seqlab alone.`;
}

function runTorch(presetName: string, threads: number): SideResult {
  const { config, batches } = presetConfig(presetName);
  const p = PRESETS[presetName];
  // The same resolved settings Seqlab trains with (the preset plus the bench's overrides).
  const c: MtConfig = { ...MT_DEFAULTS, ...MT_PRESETS[p.preset as MtPresetName].config, ...p.over };
  const data = process.env.SEQLAB_DATA_DIR ? join(process.env.SEQLAB_DATA_DIR, 'fra-eng.txt') : join(__dirname, '..', '..', 'shared', 'data', 'fra-eng.txt');
  const args = [
    join(__dirname, 'reference_mt.py'), '--data', data, '--model', c.model, '--embed', String(c.embedSize), '--hidden', String(c.numHiddens),
    '--layers', String(c.numLayers), '--dropout', String(c.dropout), '--lr', String(c.lr), '--batch', String(c.batchSize), '--num-steps', String(c.numSteps),
    '--num-examples', c.numExamples === null ? 'all' : String(c.numExamples), '--threads', String(threads), '--batches', String(batches),
    '--warmup', opt['latency-only'] ? '0' : String(opt.warmup), '--seed', String(config.seed), ...(opt['no-latency'] ? [] : ['--latency']), '--sentence', SENTENCE,
  ];
  const env = { ...process.env };
  delete env.OPENBLAS_NUM_THREADS; // the script sets it from --threads
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const j = lastJsonLine(r.stdout ?? '');
  const side = `pytorch ${threads} thread${threads > 1 ? 's' : ''}`;
  if (r.status !== 0 || !j || j.error) return { side, tokensPerSecond: NaN, msPerBatch: NaN, wallSeconds: NaN, loss: NaN, error: String(j?.error ?? (r.stderr || 'no output').trim().split('\n').slice(-2).join(' ')) };
  if (!String(j.blas).includes('openblas')) console.warn(`  warning: PyTorch loaded ${String(j.blas)}, not OpenBLAS: not a fair baseline (see bench/README.md).`);
  return { side, tokensPerSecond: j.tokensPerSecond as number, msPerBatch: j.msPerBatch as number, wallSeconds: j.wallSeconds as number, loss: j.loss as number, greedyMs: j.greedyMs as number, beam4Ms: j.beam4Ms as number, greedy: j.greedy as string, beam4: j.beam4 as string };
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

function main(): void {
  const presets = String(opt.presets).split(',').filter(Boolean);
  for (const p of presets) presetConfig(p);
  const paths = String(opt.paths).split(',').filter(Boolean);
  for (const p of paths) if (!(PATHS as readonly string[]).includes(p)) throw new Error(`Unknown path "${p}"; use ${PATHS.join(', ')}.`);
  const threads = String(opt.threads).split(',').map(Number);
  if (opt['latency-only'] && opt['no-latency']) throw new Error('--latency-only and --no-latency contradict each other; pass one.');
  const missing = opt['no-torch'] ? 'PyTorch skipped (--no-torch).' : torchMissing();
  if (missing) console.log(missing);
  const reps = Number(opt.reps);
  const report: Record<string, SideResult[]> = {};
  for (const preset of presets) {
    const { batches } = presetConfig(preset);
    const budget = opt['latency-only'] ? 'latency only: 1 batch trained, then decoding timed' : `${opt.warmup} warm-up + ${batches} timed batches`;
    console.log(`\n${preset}: ${PRESETS[preset].label}; ${budget} × ${reps}${opt.bucketing ? ', Seqlab with length bucketing' : ''}`);
    const runs: SideResult[][] = [];
    for (let rep = 0; rep < reps; rep++) {
      const round: SideResult[] = [];
      if (!missing) for (const t of threads) round.push(runTorch(preset, t));
      for (const path of paths) round.push(runSeqlab(preset, path));
      for (const r of round) if (r.error) console.log(`  ${r.side}: ${r.error}`);
      runs.push(round);
    }
    // medians per side over the repetitions
    const sides = runs[0].map((r0, i): SideResult => {
      const all = runs.map((round) => round[i]);
      const med = (k: keyof SideResult) => median(all.map((r) => r[k] as number));
      return { ...r0, tokensPerSecond: med('tokensPerSecond'), msPerBatch: med('msPerBatch'), wallSeconds: med('wallSeconds'), loss: med('loss'), greedyMs: med('greedyMs'), beam4Ms: med('beam4Ms') };
    });
    const torch = sides.filter((s) => s.side.startsWith('pytorch') && Number.isFinite(s.tokensPerSecond));
    const best = torch.length ? torch.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a)) : null;
    console.log(`  ${'side'.padEnd(34)} ${'tokens/s'.padStart(9)} ${'ms/batch'.padStart(9)} ${'wall s'.padStart(7)} ${'loss'.padStart(7)} ${'× torch'.padStart(8)} ${'greedy ms'.padStart(10)} ${'beam4 ms'.padStart(9)}`);
    for (const s of sides) {
      const ratio = best && !s.side.startsWith('pytorch') ? s.tokensPerSecond / best.tokensPerSecond : NaN;
      console.log(`  ${(s.side + (s.note ? ` (${s.note})` : '')).padEnd(34)} ${fmt(s.tokensPerSecond, 0).padStart(9)} ${fmt(s.msPerBatch).padStart(9)} ${fmt(s.wallSeconds, 2).padStart(7)} ${fmt(s.loss, 4).padStart(7)} ${fmt(ratio, 2).padStart(8)} ${fmt(s.greedyMs).padStart(10)} ${fmt(s.beam4Ms).padStart(9)}`);
    }
    // a whole epoch at these ms/batch (the presets over all pairs: issue 13's "one epoch of full-small")
    const nb = sides.find((x) => x.epochBatches)?.epochBatches;
    if (nb && PRESETS[preset].over.numExamples === undefined && MT_PRESETS[PRESETS[preset].preset as MtPresetName].config.numExamples === null)
      console.log(`  one epoch (${nb.toLocaleString('en')} batches) at these ms/batch: ${sides.filter((x) => Number.isFinite(x.msPerBatch)).map((x) => `${x.side} ${fmt((x.msPerBatch * nb) / 60000)} min`).join(', ')}`);
    if (best) console.log(`  × torch: against ${best.side}, the faster PyTorch here. Translations of "${SENTENCE}": ${sides.map((s) => `${s.side.split(' ')[0]} “${s.beam4 ?? '—'}”`).join(', ')}`);
    report[preset] = sides;
  }
  if (opt.json) console.log(JSON.stringify(report));
}

if (opt.child) {
  runChild(opt.child).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
} else if (hasTrainingGcFlags() || process.env.SEQLAB_BENCH_DEFAULT_GC) {
  main();
} else {
  // The training processes' V8 flags (src/core/training/gc-tuning.ts): the bench runs itself the same way.
  const r = spawnSync(process.execPath, [...process.execArgv, ...TRAINING_EXEC_ARGV, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
