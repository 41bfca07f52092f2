/**
 * A full disk while saving a checkpoint: the save fails with one sentence, the previous
 * checkpoint (when there is one) stays readable and resumable, and the message claims a
 * previous checkpoint only when there was one. On a real small tmpfs when this process may
 * mount one (root, as on the dev container); otherwise on a simulated full disk (an fs hook
 * that fails writes under the folder with ENOSPC), and the test's name says which.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs, { closeSync, mkdirSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { loadLMCheckpoint } from '../../src/core/training/lm-job';
import { runCli } from '../unit/helpers/cli';
import { cleanup, tmp } from './helpers';

const mountPoint = join(tmp('seqlab-enospc-'), 'disk');
mkdirSync(mountPoint);
const tmpfs = process.env.SEQLAB_FAULTS_NO_TMPFS !== '1' && process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]).status === 0;

/**
 * Fills the disk but for room for the run's lock file (two 4 KB pages: the lock and its temp
 * name), so the run starts and its checkpoint save meets the full disk: a real filler file on
 * tmpfs, or the hook's "no more writes under the folder" (except the lock).
 */
function fillDisk(): () => void {
  if (tmpfs) {
    const filler = join(mountPoint, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(4096, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      closeSync(fd);
    }
    truncateSync(filler, Math.max(0, statSync(filler).size - 2 * 4096));
    return () => rmSync(filler);
  }
  const original = fs.writeFileSync;
  const patched = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof path === 'string' && path.startsWith(mountPoint) && !path.includes('.seqlab-lock')) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
    }
    return (original as (...a: unknown[]) => void)(path, ...rest);
  }) as typeof fs.writeFileSync;
  fs.writeFileSync = patched;
  return () => {
    fs.writeFileSync = original;
  };
}

before(async () => {
  await initBackend({ backend: 'cpu' });
});
after(() => {
  if (tmpfs) spawnSync('umount', [mountPoint]);
  cleanup();
});

const LM = ['train-lm', '--corpus', 'timemachine', '--max-tokens', '2000', '--hidden', '8', '--batch', '4', '--steps', '10', '--impl', 'scratch', '--sample-length', '0', '--checkpoint-every', '1', '--backend', 'cpu', '--json'];
const how = tmpfs ? 'a 2 MB tmpfs' : 'a simulated full disk (fs hook; no tmpfs without root)';

describe(`ENOSPC while saving a checkpoint, on ${how}`, () => {
  test('the first save fails: one sentence that claims no previous checkpoint', async () => {
    const out = join(mountPoint, 'first');
    mkdirSync(out);
    const free = fillDisk();
    try {
      const r = await runCli(...LM, '--epochs', '1', '--out', out);
      assert.equal(r.code, 1);
      assert.match(r.err, /^seqlab: Saving the checkpoint in .* failed \(ENOSPC.*\); no checkpoint was saved\.$/m);
      assert.doesNotMatch(r.err, /previous checkpoint/);
    } finally {
      free();
    }
  });
  test('a later save fails: the previous checkpoint is unchanged, loads, and resumes once there is space', async () => {
    const out = join(mountPoint, 'later');
    assert.equal((await runCli(...LM, '--epochs', '1', '--out', out)).code, 0);
    const free = fillDisk();
    let r;
    try {
      r = await runCli(...LM, '--epochs', '3', '--out', out, '--resume');
    } finally {
      free();
    }
    assert.equal(r.code, 1);
    assert.match(r.err, /^seqlab: Saving the checkpoint in .* failed \(ENOSPC.*\); the previous checkpoint is unchanged\.$/m);
    assert.equal(readCheckpoint(out).epoch, 1);
    loadLMCheckpoint(out).model.dispose();
    const resumed = await runCli(...LM, '--epochs', '3', '--out', out, '--resume');
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(readCheckpoint(out).epoch, 3);
  });
});
