// Build step and the sample workspace each run opens (a fresh copy, so tests may write to it).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from './log.mjs';
import { repoRoot, sampleWorkspace } from './paths.mjs';
import { onTeardown } from './procs.mjs';

/** `npm run build`, skipped when the orchestrator already built (SEQLAB_SKIP_BUILD=1). */
export function buildExtension(): void {
  if (process.env.SEQLAB_SKIP_BUILD === '1') return;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { cwd: repoRoot, stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`build failed (${r.status ?? r.signal})`);
  log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export function freshWorkspace(keep = false): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'seqlab-ws-')), 'seqlab-sample');
  cpSync(sampleWorkspace, dir, { recursive: true });
  if (!keep) onTeardown(async () => rmSync(join(dir, '..'), { recursive: true, force: true }));
  return dir;
}
