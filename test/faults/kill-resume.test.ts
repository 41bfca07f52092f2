/**
 * Random SIGKILLs of `seqlab train-lm` (at any moment after its first checkpoint: mid-epoch,
 * mid-save), each followed by `--resume`, until the run completes: the final checkpoint must
 * be bit-exact with an uninterrupted run's (weights.bin bytes, every epoch's loss). Runs on the
 * cpu backend with the scratch cells, so both sides compute on the same path (resume across
 * kernel paths is `kern`'s case). The kill moments come from a seed printed below.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { Rng } from '../../src/core/util/random';
import { cleanup, collect, spawnCli, tmp, TINY_LM, trainInProcess, waitForOutput } from './helpers';

before(async () => {
  await initBackend({ backend: 'cpu' });
});
after(cleanup);

const EPOCHS = 30;
/** Kills per run: each costs a process start, the suite's main expense. */
const KILLS = 2;
const ARGS = ['train-lm', '--corpus', 'timemachine', '--token', 'char', '--model', 'gru', '--impl', 'scratch', '--hidden', '8', '--batch', '4', '--steps', '10', '--lr', '1', '--max-tokens', '2000', '--seed', '3', '--sample-length', '0', '--checkpoint-every', '1', '--epochs', String(EPOCHS), '--backend', 'cpu'];
// With the training heap flag the CLI trains in this very process (no child to chase).
const NODE_FLAGS = ['--max-semi-space-size=32'];

test(`${KILLS} random SIGKILLs + resume end bit-exact with an uninterrupted run`, async () => {
  const seed = Number(process.env.SEQLAB_FAULT_SEED ?? Date.now() % 100_000);
  console.log(`kill seed ${seed}`);
  const rng = new Rng(seed);
  const straight = tmp();
  const ref = await trainInProcess({ ...TINY_LM, epochs: EPOCHS }, straight);
  assert.equal(ref.error, undefined);

  const out = tmp();
  let kills = 0;
  let takeovers = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const resume = attempt > 0;
    const child = spawnCli([...ARGS, '--out', out, ...(resume ? ['--resume'] : [])], { nodeFlags: NODE_FLAGS });
    const done = collect(child);
    if (kills < KILLS) {
      // After this process's first checkpoint, at a random moment (often inside the next save).
      await waitForOutput(child, 'stderr', (t) => /checkpoint: /.test(t)).catch(() => undefined);
      await new Promise((r) => setTimeout(r, rng.randint(0, 600)));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
    }
    const r = await done.exit;
    takeovers += (r.err.match(/Took over the lock/g) ?? []).length;
    if (r.signal === 'SIGKILL') {
      // Whatever the moment, the last checkpoint is readable.
      const epoch = readCheckpoint(out).epoch;
      assert.ok(epoch >= 1 && epoch <= EPOCHS, `epoch ${epoch}`);
      continue;
    }
    assert.equal(r.code, 0, r.err);
    break;
  }
  assert.equal(kills, KILLS, 'the run outlived fewer kills than planned');
  assert.equal(takeovers, KILLS, 'every killed run left a stale lock that the next one took over with a note');
  const a = readCheckpoint(straight);
  const b = readCheckpoint(out);
  assert.equal(b.epoch, EPOCHS);
  assert.deepEqual(b.history.map((h) => h.loss), a.history.map((h) => h.loss));
  assert.ok(readFileSync(join(b.dir, 'weights.bin')).equals(readFileSync(join(a.dir, 'weights.bin'))), 'weights differ from the uninterrupted run');
});
