import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npx seqlab` right after `npm ci` (no dist/ yet) says what to do in one sentence, no stack trace.
test('bin/seqlab.js without a build prints one sentence saying to run npm run build', () => {
  const root = mkdtempSync(join(tmpdir(), 'seqlab-bin-'));
  try {
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(__dirname, '../../bin/seqlab.js'), join(root, 'bin/seqlab.js'));
    const r = spawnSync(process.execPath, [join(root, 'bin/seqlab.js'), 'info'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^seqlab is not built yet: run `npm run build` in .+ first\.\n$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
