/**
 * Corrupted and swapped checkpoint files: every file of a language-model and a translator
 * checkpoint, flipped, truncated, deleted, emptied or swapped with a sibling, is refused with
 * one SeqlabError sentence (never a crash or a silently wrong model), and restoring the file
 * makes the checkpoint load again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { loadLMCheckpoint } from '../../src/core/training/lm-job';
import { loadTranslator } from '../../src/core/translation/mt-checkpoint';
import { SeqlabError } from '../../src/core/util/errors';
import { runCli } from '../unit/helpers/cli';
import { cleanup, tmp, TINY_LM, trainInProcess } from './helpers';

before(async () => {
  await initBackend({ backend: 'cpu' });
});
after(cleanup);

type Damage = [string, (bytes: Buffer, other: Buffer) => Buffer | null];
const DAMAGES: Damage[] = [
  ['one byte flipped', (b) => {
    const c = Buffer.from(b);
    c[c.length >> 1] ^= 0x01;
    return c;
  }],
  ['truncated to half', (b) => b.subarray(0, b.length >> 1)],
  ['emptied', () => Buffer.alloc(0)],
  ['deleted', () => null],
  ['swapped with a sibling', (_b, other) => other],
];

function damageEveryFile(root: string, load: () => void): number {
  const dir = readCheckpoint(root).dir;
  const files = readdirSync(dir).sort();
  let cases = 0;
  for (const [i, file] of files.entries()) {
    const path = join(dir, file);
    const good = readFileSync(path);
    const other = readFileSync(join(dir, files[(i + 1) % files.length]));
    for (const [what, damage] of DAMAGES) {
      const bad = damage(good, other);
      if (bad && bad.equals(good)) continue;
      if (bad) writeFileSync(path, bad);
      else rmSync(path);
      try {
        assert.throws(load, (err: unknown) => {
          assert.ok(err instanceof SeqlabError, `${file} ${what}: ${(err as Error).constructor.name}: ${(err as Error).message}`);
          assert.match(err.message, /checkpoint/i, `${file} ${what}: ${err.message}`);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        }, `${file} ${what} was accepted`);
        cases++;
      } finally {
        writeFileSync(path, good);
      }
    }
  }
  load(); // restored: loads again
  return cases;
}

describe('corrupted and swapped checkpoint files', () => {
  test('language model: every file of the checkpoint, five kinds of damage each', async () => {
    const root = tmp();
    assert.equal((await trainInProcess({ ...TINY_LM, epochs: 1 }, root)).error, undefined);
    const cases = damageEveryFile(root, () => loadLMCheckpoint(root).model.dispose());
    assert.ok(cases >= 30, `${cases} cases`);
    // The pointer itself.
    const pointer = join(root, 'checkpoint.json');
    const good = readFileSync(pointer);
    for (const bad of ['{', '{}', JSON.stringify({ ...JSON.parse(String(good)), current: 'epoch-999999' })]) {
      writeFileSync(pointer, bad);
      assert.throws(() => loadLMCheckpoint(root), SeqlabError);
    }
    writeFileSync(pointer, good);
  });
  test('translator: every file of the checkpoint, and the two vocabularies swapped', async () => {
    const root = join(tmp(), 'mt');
    const r = await runCli('train-mt', '--pairs', 'fra-eng', '--num-examples', '40', '--hidden', '8', '--embed', '8', '--layers', '1', '--epochs', '1', '--backend', 'cpu', '--out', root, '--json');
    assert.equal(r.code, 0, r.err);
    const cases = damageEveryFile(root, () => void loadTranslator(root));
    assert.ok(cases >= 30, `${cases} cases`);
    const dir = readCheckpoint(root).dir;
    const [src, tgt] = [readFileSync(join(dir, 'src-vocab.json')), readFileSync(join(dir, 'tgt-vocab.json'))];
    writeFileSync(join(dir, 'src-vocab.json'), tgt);
    writeFileSync(join(dir, 'tgt-vocab.json'), src);
    const t = await runCli('translate', '--checkpoint', root, '--backend', 'cpu', 'go .');
    assert.equal(t.code, 1);
    assert.match(t.err, /^seqlab: The checkpoint is corrupted: src-vocab.json does not match its checksum/);
  });
});
