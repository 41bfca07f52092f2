// PyTorch interop, end to end (npm run bench:interop): a small Seqlab GRU run (d2l's GRU,
// char Time Machine) → seqlab export → the exported train.py for a few steps on one process and
// under `torchrun --nproc_per_node=2` (DDP, gloo on CPU) → seqlab import of its checkpoint →
// generate. Prints the first-step loss of train.py against Seqlab's on the same batch and the
// per-step losses of one vs two processes. Needs SEQLAB_DATA_DIR (or the data cache) and
// PyTorch under python3 (SEQLAB_PYTHON to choose another); without torch it says so and exits 0.
// Figures only; nothing here is a unit test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { loadLMCheckpoint } from '../src/core/training/lm-job';
import { crossEntropy } from '../src/core/training/lm-trainer';
import { main as cli } from '../src/cli/main';

const PY = process.env.SEQLAB_PYTHON ?? '/usr/bin/python3';
const STEPS = Number(process.env.SEQLAB_INTEROP_STEPS ?? 6);

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { ok: boolean; out: string; err: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, timeout: 600_000 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : ''), ms: performance.now() - t0 };
}

async function seqlab(argv: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), signal: new AbortController().signal });
  if (code !== 0) throw new Error(`seqlab ${argv[0]} failed: ${err.join('\n')}`);
  return out.join('\n');
}

const stepLosses = (out: string) =>
  out
    .split('\n')
    .map((l) => l.replace(/^\[default\d+\]:/, ''))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; loss?: number })
    .filter((e) => e.event === 'step')
    .map((e) => e.loss!);

async function main(): Promise<void> {
  const probe = sh(PY, ['-c', 'import torch, torch.distributed as d; print(torch.__version__, d.is_gloo_available())']);
  if (!probe.ok) {
    console.log(`bench:interop: PyTorch is not installed for ${PY} (import torch failed), so there is nothing to compare; install python3-torch to run it.`);
    return;
  }
  console.log(`PyTorch ${probe.out.trim().split(' ')[0]} (gloo ${probe.out.trim().split(' ')[1]}), ${PY}`);
  await initBackend({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'seqlab-bench-interop-'));
  try {
    const run = join(dir, 'run');
    let t0 = performance.now();
    await seqlab(['train-lm', '--corpus', 'timemachine', '--token', 'char', '--model', 'gru', '--hidden', '64', '--batch', '32', '--steps', '35', '--lr', '1', '--epochs', '1', '--max-tokens', '40000', '--out', run, '--backend', 'cpu', '--json']);
    console.log(`Seqlab run: GRU (d2l's), 64 hidden, batch 32 × 35 steps, 1 epoch on 40,000 characters: ${(performance.now() - t0).toFixed(0)} ms`);
    const exp = join(dir, 'export');
    await seqlab(['export', '--checkpoint', run, '--out', exp, '--backend', 'cpu']);
    const compile = sh(PY, ['-m', 'py_compile', join(exp, 'train.py')]);
    console.log(`exported train.py compiles: ${compile.ok ? 'yes' : `no (${compile.err.trim()})`}`);

    // one process; its first batch and loss (before the update) go to first.json
    const first = join(dir, 'first.json');
    const one = sh(PY, [join(exp, 'train.py'), '--epochs', '1', '--max-batches', String(STEPS), '--log-steps', '--dump-first-batch', first, '--out', join(dir, 'out1')]);
    if (!one.ok) throw new Error(`train.py failed: ${one.err}`);
    const dump = JSON.parse(readFileSync(first, 'utf8')) as { X: number[][]; Y: number[][]; loss: number };
    const lm = loadLMCheckpoint(run);
    const seqlabLoss = tf.tidy(() => {
      const B = dump.X.length;
      const T = dump.X[0].length;
      const X = tf.tensor2d(Array.from({ length: T }, (_, t) => dump.X.map((r) => r[t])), [T, B], 'int32');
      const Y = tf.tensor1d(Array.from({ length: T }, (_, t) => dump.Y.map((r) => r[t])).flat(), 'int32');
      const r = lm.model.forward(X, lm.model.beginState(B));
      return crossEntropy(r.logits, Y).dataSync()[0];
    });
    lm.model.dispose();
    console.log(`first-step loss on the same batch: train.py ${dump.loss.toFixed(6)}, Seqlab ${seqlabLoss.toFixed(6)}, |Δ| ${Math.abs(dump.loss - seqlabLoss).toExponential(2)}`);

    // two processes with DDP (gloo on CPU), each an equal share of every batch's rows
    // --redirects 1 --tee 1: torch 1.13's torchrun on Python ≥ 3.11 turns its default "0" into None
    // (Std.from_str iterates an IntFlag, which no longer yields the zero member) and fails in to_map
    const two = sh('torchrun', ['--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', join(exp, 'train.py'), '--epochs', '1', '--max-batches', String(STEPS), '--log-steps', '--out', join(dir, 'out2')]);
    if (!two.ok) throw new Error(`torchrun train.py failed: ${two.err.slice(-2000)}`);
    const a = stepLosses(one.out);
    const b = stepLosses(two.out);
    console.log(`per-step loss, ${STEPS} steps: 1 process ${a.map((v) => v.toFixed(4)).join(' ')} (${one.ms.toFixed(0)} ms)`);
    console.log(`                     2 processes ${b.map((v) => v.toFixed(4)).join(' ')} (${two.ms.toFixed(0)} ms, torchrun + DDP)`);
    console.log(`max |Δ| between them: ${Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? NaN)))).toExponential(2)}`);

    // back into Seqlab: the checkpoint of the two-process run
    const back = join(dir, 'back');
    await seqlab(['import', '--weights', join(dir, 'out2', 'model.safetensors'), '--vocab', join(dir, 'out2', 'vocab.json'), '--kind', 'gru', '--out', back, '--backend', 'cpu']);
    t0 = performance.now();
    const text = await seqlab(['generate', '--checkpoint', back, '--prefix', 'time traveller', '--length', '40', '--backend', 'cpu']);
    const again = loadLMCheckpoint(back);
    console.log(`re-imported after torchrun: epoch ${again.epoch}, variant ${again.model.config.variant ?? 'd2l'}; greedy: ${JSON.stringify(text)} (${(performance.now() - t0).toFixed(0)} ms)`);
    again.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
