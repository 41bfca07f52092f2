/**
 * Processes that must not outlive or corrupt each other: killing `seqlab` (SIGKILL) ends its
 * training child; SIGTERM to `seqlab` stops the run cleanly with its checkpoint; output piped
 * into a reader that goes away ends quietly (EPIPE); the extension's training process ends when
 * its host is killed; two runs on one --out: one trains, the other gets one sentence; two
 * processes writing one runs.json lose nothing.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { alive, cleanup, collect, root, spawnCli, tmp, waitForOutput, waitUntil } from './helpers';

after(cleanup);

const LONG = ['train-lm', '--corpus', 'timemachine', '--impl', 'scratch', '--hidden', '8', '--batch', '4', '--steps', '10', '--max-tokens', '2000', '--sample-length', '0', '--checkpoint-every', '1', '--epochs', '100000', '--backend', 'cpu'];

/** Children of a pid, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The checkpoint the SIGTERM case leaves, reused by the EPIPE case (one CLI start less). */
let stoppedCheckpoint = '';

describe('process lifetime', () => {
  test('SIGKILL of seqlab ends its training child; SIGTERM stops a run cleanly with its checkpoint', async () => {
    const killedOut = tmp();
    const termOut = tmp();
    const killed = spawnCli([...LONG, '--out', killedOut]);
    const termed = spawnCli([...LONG, '--out', termOut]);
    const termedDone = collect(termed);
    await Promise.all([waitForOutput(killed, 'stderr', (t) => /checkpoint: /.test(t)), waitForOutput(termed, 'stderr', (t) => /checkpoint: .*epoch 2\)/.test(t))]);
    const [child] = childrenOf(killed.pid!);
    assert.ok(child, 'seqlab trains in a child process');
    killed.kill('SIGKILL');
    await waitUntil('the orphaned training child to exit', () => !alive(child), 30_000);
    const epoch = readCheckpoint(killedOut).epoch;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(readCheckpoint(killedOut).epoch, epoch, 'nothing writes the checkpoint after the kill');

    termed.kill('SIGTERM'); // to seqlab's pid only, not its process group
    const r = await termedDone.exit;
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /stopped during epoch \d+; the checkpoint in .* holds epoch \d+\./);
    assert.ok(readCheckpoint(termOut).epoch >= 2);
    stoppedCheckpoint = termOut;
  });

  test('generate piped into a reader that stops reading ends quietly (EPIPE)', async () => {
    assert.ok(stoppedCheckpoint, 'needs the checkpoint of the SIGTERM case');
    const gen = spawnCli(['generate', '--checkpoint', stoppedCheckpoint, '--length', '100000', '--backend', 'cpu']);
    const done = collect(gen);
    gen.stdout!.destroy(); // `| head -c 0`
    const r = await done.exit;
    assert.equal(r.code, 0);
    assert.equal(r.err, '', 'no stack trace, no source dump');
  });

  test("the extension's training process ends when its host is killed", async () => {
    const dir = tmp();
    // Stands in for the extension host: forks the training process and starts a long run.
    const host = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { fork } = require('node:child_process');
      const c = fork(${JSON.stringify(join(root, 'src/worker/train-process.ts'))}, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced' });
      c.on('message', (e) => { if (e.type === 'checkpoint') console.log('TRAINING ' + c.pid); });
      c.send({ type: 'start', runId: 'r', config: ${JSON.stringify({ job: 'lm', corpus: 'timemachine', impl: 'scratch', hidden: 8, batch: 4, steps: 10, maxTokens: 2000, epochs: 100000, sampleLength: 0, checkpointEvery: 1 })}, checkpointDir: ${JSON.stringify(dir)}, backend: 'cpu' });
    `], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const text = await waitForOutput(host, 'stdout', (t) => /TRAINING \d+/.test(t));
    const pid = Number(/TRAINING (\d+)/.exec(text)![1]);
    host.kill('SIGKILL');
    await waitUntil('the training process to exit', () => !alive(pid), 30_000);
    readCheckpoint(dir);
  });
});

describe('two writers', () => {
  test('two runs on one --out: one trains, the other is refused with one sentence', async () => {
    const out = tmp();
    const first = spawnCli([...LONG, '--out', out]);
    const firstDone = collect(first);
    await waitForOutput(first, 'stderr', (t) => /checkpoint: /.test(t));
    const second = collect(spawnCli([...LONG, '--out', out, '--resume']));
    const r = await second.exit;
    assert.equal(r.code, 1);
    assert.match(r.err, /^seqlab: .* is in use by another training run \(pid \d+, started .*\); wait for it to end, stop it, or choose another folder\.$/m);
    first.kill('SIGTERM');
    assert.equal((await firstDone.exit).code, 0);
    assert.ok(readCheckpoint(out).epoch >= 1);
  });

  test('two processes writing one runs.json: every run and every metric of both survives', async () => {
    const dir = tmp();
    const writer = (name: string) =>
      collect(spawn(process.execPath, ['--import', 'tsx', '-e', `
        const { RunRegistry } = require(${JSON.stringify(join(root, 'src/extension/runs/registry.ts'))});
        const reg = new RunRegistry(${JSON.stringify(dir)});
        const model = { cell: 'gru', layers: 1, hidden: 8, bidirectional: false, token: 'char' };
        for (let i = 0; i < 30; i++) {
          const r = reg.add({ kind: 'language-model', name: '${name}-' + i, data: 'timemachine', model, hyper: {}, epochs: 3, metric: 'perplexity' });
          for (let e = 1; e <= 3; e++) reg.addMetrics(r.id, { epoch: e, train: e, valid: null });
        }
      `], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env }));
    const [a, b] = await Promise.all([writer('a').exit, writer('b').exit]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const runs = JSON.parse(readFileSync(join(dir, 'runs.json'), 'utf8')).runs as { name: string; history: unknown[] }[];
    assert.equal(runs.length, 60);
    for (const r of runs) assert.equal(r.history.length, 3, r.name);
  });
});
