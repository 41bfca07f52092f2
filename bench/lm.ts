/**
 * npm run bench:lm — training speed of the textbook's character LM (vocab 28, batch 32,
 * 35 steps, 256 hidden, one-hot input, dense output, softmax cross-entropy, SGD lr 1 with
 * clipping by global norm 1) for RNN / GRU / LSTM on every Seqlab kernel path, interleaved
 * with the PyTorch reference (bench/reference_lm.py, when torch is installed), several
 * repetitions, medians; greedy generation of 500 characters; peak memory; and a numerics
 * check (20 training steps of each fused path vs the per-step tfjs ops from the same start).
 *
 * Options: --models rnn,gru,lstm --paths tfjs-ops,ts,wasm-simd,wasm-simd-threads,native
 *          --reps 5 --steps 8 --backend wasm|cpu|node|auto --no-torch --no-check --threads 1
 *          --blas-threads 1,2 (OpenBLAS pool sizes of the PyTorch references; default 1 and all cores)
 *          --head ops (the output layer as tfjs ops on every path, instead of the fused dense op)
 *          --word gru|none (the word-level models: one-hot and --embedding E, default 256)
 *          --word-steps 4 (their timed steps per repetition)
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { fusedRecurrent } from '../src/core/kernels/tfjs-op';
import { f32Weights } from '../src/core/kernels/tensor-io';
import { fusedDense } from '../src/core/kernels/dense-op';
import { hasFusedHeadLoss, headCrossEntropy } from '../src/core/kernels/head-loss-op';
import { disposeKernels, getKernel, kernelInfo, useKernelPath } from '../src/core/kernels/select';
import { wasmEngineInfo } from '../src/core/kernels/wasm-kernel';
import { GATES, type CellKind, type KernelPath, type RecurrentKernel } from '../src/core/kernels/types';
import { linear } from '../src/core/models/linear';
import { defaultFusedHead } from '../src/core/models/rnn-lm';
import { KernelStepper } from '../src/core/models/fast-generate';
import { sampleToken } from '../src/core/models/predict';
import { Rng } from '../src/core/util/random';
import { crossEntropy, LMTrainer } from '../src/core/training/lm-trainer';
import { parseLMConfig } from '../src/core/training/lm-config';
import { loadLMData, type LMData } from '../src/core/training/lm-data';
import { gradClipping } from '../src/core/training/grad-clipping';
import { hasTrainingGcFlags, TRAINING_EXEC_ARGV } from '../src/core/training/gc-tuning';
import { loadCorpusText } from '../src/core/data/corpus';
import { Vocab } from '../src/core/text/vocab';
import { preprocessLine, splitLines } from '../src/core/text/preprocess';

type BenchPath = 'tfjs-ops' | KernelPath;
const V = 28, B = 32, T = 35, H = 256;
// The numerics check reads The Time Machine; the data sets sit beside the clone (as for npm test).
process.env.SEQLAB_DATA_DIR ||= join(__dirname, '../../shared/data');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--') ? process.argv[i + 1] : def;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

let peakRss = 0;
let peakWasm = 0;
const sampleMem = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  peakWasm = Math.max(peakWasm, wasmEngineInfo()?.peakBytes ?? 0);
};

// ------------------------------------------------------------------ PyTorch child (interleaved)

class Torch {
  private child: ChildProcessByStdio<Writable, Readable, null>;
  private lines: string[] = [];
  private waiters: ((l: string) => void)[] = [];
  info: unknown;
  label = 'pytorch';
  private constructor(child: ChildProcessByStdio<Writable, Readable, null>, threads: number) {
    this.child = child;
    void threads;
    createInterface({ input: child.stdout }).on('line', (l) => {
      const w = this.waiters.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
  }
  static async start(threads: number, blasThreads: number): Promise<Torch | null> {
    const py = process.env.SEQLAB_PYTHON ?? '/usr/bin/python3';
    const probe = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (probe.status !== 0) {
      console.log(`PyTorch reference skipped: '${py} -c "import torch"' failed. Install it with\n  apt-get install -y python3-torch libopenblas0-pthread\n(libopenblas0-pthread matters: without it torch is ~12x slower and not a fair baseline).`);
      return null;
    }
    // torch.set_num_threads does not reach OpenBLAS's own thread pool (one thread per core by
    // default): OPENBLAS_NUM_THREADS sets it. Both pools are pinned explicitly per reference.
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(threads) };
    const words = wordModels().length ? ['--timemachine', join(process.env.SEQLAB_DATA_DIR!, 'timemachine.txt')] : [];
    const child = spawn(py, [join(__dirname, 'reference_lm.py'), '--serve', '--threads', String(threads), ...words], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const t = new Torch(child, threads);
    t.info = { ...JSON.parse(await t.next()).info, openblasThreads: blasThreads };
    t.label = `pytorch (torch ${threads} thread${threads > 1 ? 's' : ''}, OpenBLAS ${blasThreads})`;
    return t;
  }
  private next(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((r) => this.waiters.push(r));
  }
  async ask(cmd: string): Promise<Record<string, number>> {
    this.child.stdin.write(cmd + '\n');
    return JSON.parse(await this.next());
  }
  stop() {
    this.child.stdin.write('quit\n');
    this.child.stdin.end();
  }
}

// ------------------------------------------------------------------ the model

interface Params {
  wx: tf.Variable; wh: tf.Variable; b: tf.Variable; wq: tf.Variable; bq: tf.Variable;
}

/** d2l's initialisation: normal, std 0.01. */
function makeParams(kind: CellKind, seed: number, std = 0.01): Params {
  const N = GATES[kind] * H;
  return tf.tidy(() => ({
    wx: tf.variable(tf.randomNormal([V, N], 0, std, 'float32', seed)),
    wh: tf.variable(tf.randomNormal([H, N], 0, std, 'float32', seed + 1)),
    b: tf.variable(tf.zeros([N])),
    wq: tf.variable(tf.randomNormal([H, V], 0, std, 'float32', seed + 2)),
    bq: tf.variable(tf.zeros([V])),
  }));
}

/** Per-step tfjs ops (today's path): the textbook's scratch cell, one op per gate per step. */
function perStepLayer(kind: CellKind, X: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D | null, p: Params): { hs: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D | null } {
  const col = (m: tf.Tensor, g: number) => tf.slice(m, [0, g * H], [-1, H]) as tf.Tensor2D;
  const bg = (g: number) => tf.slice(p.b, [g * H], [H]);
  const xs = tf.unstack(X) as tf.Tensor2D[];
  let h = h0, c = c0;
  const outs: tf.Tensor2D[] = [];
  for (const x of xs) {
    const pre = (g: number, hin: tf.Tensor2D) => tf.add(tf.add(tf.matMul(x, col(p.wx, g)), tf.matMul(hin, col(p.wh, g))), bg(g)) as tf.Tensor2D;
    if (kind === 'rnn') h = tf.tanh(pre(0, h));
    else if (kind === 'gru') {
      const z = tf.sigmoid(pre(0, h)), r = tf.sigmoid(pre(1, h));
      const ht = tf.tanh(pre(2, tf.mul(r, h) as tf.Tensor2D));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), ht)) as tf.Tensor2D;
    } else {
      const i = tf.sigmoid(pre(0, h)), f = tf.sigmoid(pre(1, h)), o = tf.sigmoid(pre(2, h)), g = tf.tanh(pre(3, h));
      c = tf.add(tf.mul(f, c!), tf.mul(i, g)) as tf.Tensor2D;
      h = tf.mul(o, tf.tanh(c)) as tf.Tensor2D;
    }
    outs.push(h);
  }
  return { hs: tf.stack(outs) as tf.Tensor3D, h, c };
}

function layer(kind: CellKind, path: BenchPath, kernel: RecurrentKernel | undefined, ids: tf.Tensor2D, h0: tf.Tensor2D, c0: tf.Tensor2D | null, p: Params) {
  if (path === 'tfjs-ops') return perStepLayer(kind, tf.oneHot(ids, V).toFloat() as tf.Tensor3D, h0, c0, p);
  const r = fusedRecurrent(kind, ids, h0, c0, p.wx as tf.Tensor2D, p.wh as tf.Tensor2D, p.b, { kernel, inputSize: V });
  return { hs: r.hs, h: r.hT, c: r.cT };
}

/**
 * The output layer as RecurrentLM runs it: the fused dense op on compiled kernel paths, else
 * linear + bias (tfjs ops; also the numerics reference).
 */
function head(path: BenchPath, kernel: RecurrentKernel | undefined, flat: tf.Tensor2D, p: Params): tf.Tensor2D {
  const wq = p.wq as tf.Tensor as tf.Tensor2D;
  const ops = arg('head', 'auto') === 'ops'; // --head ops: tfjs ops on every path (before/after comparisons)
  if (!ops && path !== 'tfjs-ops' && kernel && defaultFusedHead('fused', kernel)) return fusedDense(flat, wq, p.bq, { kernel });
  return tf.add(linear(flat, wq), p.bq) as tf.Tensor2D;
}

/**
 * One training step with the head, loss and clipping LMTrainer.trainStep runs (head as above,
 * crossEntropy, gradClipping from src/), so the bench measures the code path users train with.
 */
function trainStep(kind: CellKind, path: BenchPath, kernel: RecurrentKernel | undefined, p: Params, X: tf.Tensor2D, Y: tf.Tensor2D, opt: tf.Optimizer): number {
  return tf.tidy(() => {
    const h0 = tf.zeros([B, H]) as tf.Tensor2D;
    const c0 = kind === 'lstm' ? (tf.zeros([B, H]) as tf.Tensor2D) : null;
    const { value, grads } = tf.variableGrads(() => {
      const { hs } = layer(kind, path, kernel, X, h0, c0, p);
      const flat = tf.reshape(hs, [T * B, H]) as tf.Tensor2D;
      const labels = tf.reshape(Y, [T * B]) as tf.Tensor1D;
      // as RecurrentLM.forwardLoss: the fused head and loss in one op where the head runs fused
      if (path !== 'tfjs-ops' && kernel && arg('head', 'auto') !== 'ops' && defaultFusedHead('fused', kernel) && hasFusedHeadLoss(kernel)) {
        return headCrossEntropy(flat, p.wq as tf.Tensor as tf.Tensor2D, p.bq, labels, { kernel });
      }
      return crossEntropy(head(path, kernel, flat, p), labels, path === 'tfjs-ops' ? undefined : kernel);
    });
    // clipping by global norm 1, then SGD lr 1
    const loss = value.dataSync()[0];
    opt.applyGradients(gradClipping(grads, 1).grads);
    sampleMem();
    return loss;
  });
}

/**
 * Greedy generation of n characters after a 10-character prefix. tfjs-ops: per-step tfjs ops
 * (the reference); kernel paths: what predictIds runs (KernelStepper: the fused kernel and the
 * dense layer on raw arrays, no tfjs op per character).
 */
const greedy = new Rng(0);

function generate(kind: CellKind, path: BenchPath, kernel: RecurrentKernel | undefined, p: Params, n: number): number {
  const t0 = performance.now();
  const prefixIds = Array.from({ length: 10 }, (_, i) => (i * 3) % V);
  if (path !== 'tfjs-ops' && kernel) {
    const w = (t: tf.Tensor) => f32Weights(t);
    const stepper = new KernelStepper({ kind, vocabSize: V, hidden: H, layers: [{ wx: w(p.wx), wh: w(p.wh), b: w(p.b) }], embed: null, wq: w(p.wq), bq: w(p.bq) }, kernel);
    // as predictIds: warm up on all prefix characters but the last, then one character per step
    stepper.feed(prefixIds.slice(0, -1), false);
    let tok = prefixIds[prefixIds.length - 1];
    for (let i = 0; i <= n; i++) tok = sampleToken(stepper.feed([tok])!, {}, greedy);
    return performance.now() - t0;
  }
  tf.tidy(() => {
    const prefix = tf.tensor2d(prefixIds, [10, 1], 'int32');
    let h = tf.zeros([1, H]) as tf.Tensor2D;
    let c = kind === 'lstm' ? (tf.zeros([1, H]) as tf.Tensor2D) : null;
    let r = layer(kind, path, kernel, prefix, h, c, p);
    h = r.h;
    c = r.c;
    let tok = tf.argMax(head(path, kernel, h, p), 1).dataSync()[0];
    for (let i = 0; i < n; i++) {
      const next = tf.tidy(() => {
        const x = tf.tensor2d([tok], [1, 1], 'int32');
        r = layer(kind, path, kernel, x, h, c, p);
        const next = tf.argMax(head(path, kernel, r.h, p), 1);
        return r.c ? [r.h, next, r.c] : [r.h, next];
      }) as tf.Tensor[];
      tf.dispose(c ? [h, c] : [h]);
      h = next[0] as tf.Tensor2D;
      c = (next[2] as tf.Tensor2D | undefined) ?? null;
      tok = next[1].dataSync()[0];
      next[1].dispose();
    }
  });
  return performance.now() - t0;
}

// ------------------------------------------------------------------ the word-level model

/**
 * The word-level LM (issue 13): The Time Machine with `--token word` (V = 4,580), 256 hidden,
 * batch 32, 35 steps, SGD lr 1, clipping 1, one-hot input or an embedding of --embedding E,
 * trained by LMTrainer.trainStep itself (RecurrentLM, the fused kernel, the fused head + loss),
 * so the figures are `seqlab train-lm --token word`'s. Kernel paths: the compiled ones.
 */
interface WordModel { key: string; kind: CellKind; embedding: number; torch: string }
function wordModels(): WordModel[] {
  const kinds = arg('word', 'gru');
  if (kinds === 'none') return [];
  const E = Number(arg('embedding', '256'));
  return kinds.split(',').flatMap((k) => [0, E].map((e) => ({ key: `word-${k}${e ? `-e${e}` : ''}`, kind: k as CellKind, embedding: e, torch: `word:${k}:${e}` })));
}
const WORD_PATHS: readonly BenchPath[] = ['wasm-simd', 'wasm-simd-threads', 'native'];
let wordData: LMData | null = null;
async function wordTrainer(m: WordModel, impl: 'fused' | 'scratch' = 'fused'): Promise<{ trainer: LMTrainer; step: () => number }> {
  const config = parseLMConfig({ corpus: 'timemachine', token: 'word', model: m.kind, hidden: H, batch: B, steps: T, lr: 1, clip: 1, embedding: m.embedding, impl, seed: 7 });
  wordData ??= await loadLMData(config);
  const trainer = new LMTrainer(config, wordData);
  const batches = trainer.epochBatches(0);
  let state = trainer.model.beginState(B);
  let i = 0;
  const step = () => {
    const r = trainer.trainStep(batches[i++ % batches.length], state);
    state = r.state;
    sampleMem();
    return r.loss;
  };
  return { trainer, step };
}

// ------------------------------------------------------------------ main

async function main() {
  const models = arg('models', 'rnn,gru,lstm').split(',') as CellKind[];
  const reps = Number(arg('reps', '5'));
  const steps = Number(arg('steps', '8'));
  const backend = await initBackend({ backend: arg('backend', 'wasm') as 'wasm' });
  const wantPaths = arg('paths', 'tfjs-ops,ts,wasm-simd,wasm-simd-threads,native').split(',') as BenchPath[];
  const kernels = new Map<BenchPath, RecurrentKernel | undefined>();
  for (const p of wantPaths) {
    if (p === 'tfjs-ops') kernels.set(p, undefined);
    else {
      const k = await getKernel(p);
      if (k) kernels.set(p, k);
      else console.log(`path ${p}: not available on this machine`);
    }
  }
  // Two references: OpenBLAS on one thread, and OpenBLAS on every core (its default, and the
  // faster here); ratios are taken against the faster of the two per model.
  const blasThreads = arg('blas-threads', `1,${availableParallelism()}`).split(',').map(Number);
  const torches: Torch[] = [];
  if (!flag('no-torch')) {
    for (const n of [...new Set(blasThreads)]) {
      const t = await Torch.start(Number(arg('threads', '1')), n);
      if (!t) break;
      torches.push(t);
    }
  }
  // OpenBLAS's idle threads spin for a while after a call; let them sleep before timing Seqlab.
  const settle = () => new Promise((r) => setTimeout(r, 300));
  console.log(`tfjs backend: ${backend.name}; kernels: ${[...kernels.keys()].join(', ')}; wasm: ${JSON.stringify(wasmEngineInfo())}`);
  for (const t of torches) console.log(`${t.label}: ${JSON.stringify(t.info)}`);
  for (const n of kernelInfo().notes) console.log(`note: ${n}`);

  const rates = new Map<string, number[]>();
  const push = (k: string, v: number) => (rates.get(k) ?? rates.set(k, []).get(k)!).push(v);
  const state = new Map<string, { p: Params; X: tf.Tensor2D; Y: tf.Tensor2D; opt: tf.Optimizer }>();
  const setup = (kind: CellKind, path: BenchPath) => {
    const key = `${kind}/${path}`;
    if (!state.has(key)) {
      const X = tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % V), [T, B], 'int32');
      const Y = tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 11 + 5) % V), [T, B], 'int32');
      state.set(key, { p: makeParams(kind, 42), X, Y, opt: tf.train.sgd(1) });
    }
    return state.get(key)!;
  };

  const words = wordModels();
  const wordSteps = Number(arg('word-steps', '4'));
  const wordRuns = new Map<string, Awaited<ReturnType<typeof wordTrainer>>>();
  for (const m of words) {
    for (const path of WORD_PATHS) {
      if (!kernels.has(path) || !(await useKernelPath(path as KernelPath))) continue;
      const w = await wordTrainer(m);
      w.step(); // warm-up
      wordRuns.set(`${m.key}/${path}`, w);
    }
  }
  if (words.length) console.log(`word models: V = ${wordData?.codec.vocab.size} (The Time Machine, --token word), ${words.map((m) => m.key).join(', ')}; ${wordSteps} steps per repetition`);
  // warm-up (V8 tiers, worker start, tfjs kernels)
  for (const kind of models) for (const [path, k] of kernels) {
    const s = setup(kind, path);
    for (let i = 0; i < (path === 'tfjs-ops' ? 1 : 3); i++) trainStep(kind, path, k, s.p, s.X, s.Y, s.opt);
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const kind of models) {
      for (const t of torches) push(`${kind}/${t.label}`, (await t.ask(`train ${kind} ${steps}`)).tokensPerSec);
      if (torches.length) await settle();
      for (const [path, k] of kernels) {
        const s = setup(kind, path);
        const n = path === 'tfjs-ops' || path === 'ts' ? 1 : steps;
        // One untimed step first, as the reference does: the paths and PyTorch take turns on the
        // same cores, and a user's training loop runs its steps back to back.
        if (n > 1) trainStep(kind, path, k, s.p, s.X, s.Y, s.opt);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) trainStep(kind, path, k, s.p, s.X, s.Y, s.opt);
        push(`${kind}/${path}`, (n * T * B) / ((performance.now() - t0) / 1000));
      }
    }
    for (const m of words) {
      for (const t of torches) push(`${m.key}/${t.label}`, (await t.ask(`train ${m.torch} ${wordSteps}`)).tokensPerSec);
      if (torches.length) await settle();
      for (const path of WORD_PATHS) {
        const w = wordRuns.get(`${m.key}/${path}`);
        if (!w) continue;
        await useKernelPath(path as KernelPath);
        w.step(); // untimed, as above
        const t0 = performance.now();
        for (let i = 0; i < wordSteps; i++) w.step();
        push(`${m.key}/${path}`, (wordSteps * T * B) / ((performance.now() - t0) / 1000));
      }
    }
    process.stdout.write(`rep ${rep + 1}/${reps} done\n`);
  }

  // generation of 500 characters (median of 3)
  const gen = new Map<string, number>();
  for (const kind of models) {
    for (const t of torches) {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) ms.push((await t.ask(`gen ${kind}`)).gen500ms);
      gen.set(`${kind}/${t.label}`, median(ms));
    }
    if (torches.length) await settle();
    for (const [path, k] of kernels) {
      const s = setup(kind, path);
      generate(kind, path, k, s.p, 20);
      gen.set(`${kind}/${path}`, median([0, 1, 2].map(() => generate(kind, path, k, s.p, 500))));
    }
  }

  // numerics: the textbook's first 20 steps (The Time Machine, d2l's N(0, 0.01) initialisation,
  // SGD lr 1, clipping 1) from the same start, each fused path vs per-step tfjs ops.
  const check = new Map<string, number>();
  if (!flag('no-check')) {
    const corpus = await loadCorpusText('timemachine');
    // d2l: each line reduced to lower-case letters and spaces, its characters, lines concatenated
    const chars = splitLines(corpus.text).flatMap(({ line }) => [...preprocessLine(line)]);
    const vocab = Vocab.build(chars);
    const ids = vocab.toIndices(chars);
    // Batch row b reads the text from offset b·4000: X[t, b] = ids[off + t], Y the next character.
    const window = (shift: number) => Array.from({ length: T * B }, (_, i) => ids[Math.floor(i % B) * 4000 + Math.floor(i / B) + shift]);
    for (const kind of models) {
      const run = (path: BenchPath) => {
        const p = makeParams(kind, 7);
        const X = tf.tensor2d(window(0), [T, B], 'int32');
        const Y = tf.tensor2d(window(1), [T, B], 'int32');
        const opt = tf.train.sgd(1);
        const losses = Array.from({ length: 20 }, () => trainStep(kind, path, kernels.get(path), p, X, Y, opt));
        tf.dispose([p.wx, p.wh, p.b, p.wq, p.bq, X, Y]);
        opt.dispose();
        return losses;
      };
      const ref = run('tfjs-ops');
      for (const path of kernels.keys()) {
        if (path === 'tfjs-ops') continue;
        const l = run(path);
        if (process.env.SEQLAB_BENCH_DEBUG) console.log(kind, path, l.map((v, i) => `${v.toFixed(5)}/${ref[i].toFixed(5)}`).join(' '));
        check.set(`${kind}/${path}`, Math.max(...l.map((v, i) => Math.abs(v - ref[i]) / Math.abs(ref[i]))));
      }
    }
  }
  if (!flag('no-check')) {
    // the word models' first 20 steps from the same weights and batches: each fused path vs the
    // per-step cells with the output layer and loss as tfjs ops (impl scratch)
    for (const m of words) {
      const losses = async (impl: 'fused' | 'scratch') => {
        const w = await wordTrainer(m, impl);
        const l = Array.from({ length: 20 }, () => w.step());
        w.trainer.dispose();
        return l;
      };
      const ref = await losses('scratch');
      for (const path of WORD_PATHS) {
        if (!wordRuns.has(`${m.key}/${path}`) || !(await useKernelPath(path as KernelPath))) continue;
        const l = await losses('fused');
        check.set(`${m.key}/${path}`, Math.max(...l.map((v, i) => Math.abs(v - ref[i]) / Math.abs(ref[i]))));
      }
    }
  }
  for (const w of wordRuns.values()) w.trainer.dispose();
  for (const t of torches) t.stop();

  // ------------------------------------------------------------------ report
  const fmt = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
  console.log(`\nTokens/second, medians of ${reps} interleaved repetitions (${steps} steps each; tfjs-ops and ts: 1 step)`);
  console.log('| model | path | tokens/s | × PyTorch | gen 500 chars (ms) | gen speed-up vs tfjs-ops | max rel. loss diff, 20 steps |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const kind of models) {
    const refs: [string, number][] = torches.map((t) => [t.label, median(rates.get(`${kind}/${t.label}`) ?? [])]);
    const pt = Math.max(...refs.map(([, r]) => r));
    const rows: [string, number][] = [...refs];
    for (const path of kernels.keys()) rows.push([path, median(rates.get(`${kind}/${path}`) ?? [])]);
    for (const [name, r] of rows) {
      const key = `${kind}/${name}`;
      const g = gen.get(key);
      const today = gen.get(`${kind}/tfjs-ops`);
      const c = check.get(key);
      const ref = name.startsWith('pytorch');
      console.log(`| ${kind} | ${name} | ${fmt(r)} | ${torches.length ? (r / pt).toFixed(2) : '—'} | ${g ? g.toFixed(0) : '—'} | ${g && today && !ref ? (today / g).toFixed(1) + '×' : '—'} | ${c !== undefined ? c.toExponential(1) : '—'} |`);
    }
  }
  for (const m of words) {
    const refs: [string, number][] = torches.map((t) => [t.label, median(rates.get(`${m.key}/${t.label}`) ?? [])]);
    const pt = Math.max(...refs.map(([, r]) => r));
    const rows: [string, number][] = [...refs, ...WORD_PATHS.filter((p) => wordRuns.has(`${m.key}/${p}`)).map((p): [string, number] => [p, median(rates.get(`${m.key}/${p}`) ?? [])])];
    for (const [name, r] of rows) {
      const c = check.get(`${m.key}/${name}`);
      console.log(`| ${m.key} | ${name} | ${fmt(r)} | ${torches.length ? (r / pt).toFixed(2) : '—'} | — | — | ${c !== undefined ? c.toExponential(1) : '—'} |`);
    }
  }
  if (words.length) console.log(`\nword models (${wordSteps} steps per repetition): LMTrainer.trainStep on The Time Machine's words; PyTorch: d2l's word Vocab, nn.GRU, one-hot or nn.Embedding.`);
  if (torches.length) console.log('\n× PyTorch is against the faster PyTorch configuration of each model.');
  console.log(`\npeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; peak wasm kernel heap ${(peakWasm / 2 ** 20).toFixed(1)} MiB; tfjs tensors ${tf.memory().numTensors}`);
  disposeKernels();
  process.exit(0);
}

// Users train in a process started with the tuned young generation (src/core/training/gc-tuning.ts,
// the extension's training process and worker): the bench runs itself the same way.
if (hasTrainingGcFlags() || process.env.SEQLAB_BENCH_DEFAULT_GC) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  const r = spawnSync(process.execPath, [...process.execArgv, ...TRAINING_EXEC_ARGV, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
