// Runs the UI suites (test/ui/**/*.test.ts, mocha tdd) against the packaged extension:
// packages the .vsix, installs it into a throw-away code-server, opens the workbench in
// Debian Chromium and lets each test drive it with the helpers in workbench.mts
// (openWorkbench, runCommand, webviewFrame, screenshot → test/screenshots/).
// To add tests: create test/ui/<name>.test.ts; nothing else.
// Usage: node --import tsx test/ui/run.mts   (npm run test:ui)
// Env: SEQLAB_UI_GREP filters tests; SEQLAB_VERBOSE=1 echoes code-server's log;
//      SEQLAB_UI_TIMEOUT (s, default 600); SEQLAB_SKIP_BUILD=1 reuses dist/.
import Mocha from 'mocha';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../harness/browser.mjs';
import { startCodeServer } from '../harness/codeServer.mjs';
import { log, useColor } from '../harness/log.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { installSignalHandlers, onTeardown, teardown, verifyClean, withTimeout } from '../harness/procs.mjs';
import { freshWorkspace } from '../harness/workspace.mjs';
import { screenshot, setUiContext } from './workbench.mjs';

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? findTests(join(dir, d.name)) : d.name.endsWith('.test.ts') ? [join(dir, d.name)] : []).sort();
}

function packageVsix(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seqlab-vsix-'));
  onTeardown(async () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'seqlab.vsix');
  const args = [join(repoRoot, 'scripts/package.mjs'), '--out', out];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`packaging failed (${r.status ?? r.signal})`);
  return out;
}

async function main(): Promise<number> {
  installSignalHandlers();
  const timeoutMs = Number(process.env.SEQLAB_UI_TIMEOUT ?? 600) * 1000;
  let port: number | undefined;
  let stats: { passes: number; failures: number } | undefined;
  let code = 1;
  try {
    await withTimeout((async () => {
      const vsix = packageVsix();
      const cs = await startCodeServer({ vsix: [vsix], verbose: process.env.SEQLAB_VERBOSE === '1' });
      port = cs.port;
      setUiContext({ browser: await launchBrowser(), workspaceUrl: cs.url(freshWorkspace()) });
      const mocha = new Mocha({ ui: 'tdd', reporter: 'spec', timeout: 90_000, color: useColor() });
      if (process.env.SEQLAB_UI_GREP) mocha.grep(new RegExp(process.env.SEQLAB_UI_GREP));
      const files = findTests(join(repoRoot, 'test/ui'));
      log(`UI suites: ${files.map((f) => f.slice(repoRoot.length + 1)).join(', ') || '(none)'}`);
      for (const f of files) mocha.addFile(f);
      // A failing UI test leaves a picture of what the workbench showed.
      mocha.suite.afterEach(async function () {
        const t = this.currentTest;
        if (t?.state === 'failed') await screenshot(`FAILED-${t.fullTitle()}`).catch(() => undefined);
      });
      await mocha.loadFilesAsync();
      const failures = await new Promise<number>((resolve) => {
        const runner = mocha.run((n) => { stats = runner.stats; resolve(n); });
      });
      code = failures > 0 ? 1 : 0;
    })(), timeoutMs, 'UI tests');
  } catch (e) {
    log(`ERROR: ${(e as Error).stack ?? e}`);
    code = 1;
  } finally {
    await teardown();
    if (!(await verifyClean(port))) code = 1;
  }
  const failed = stats?.failures ?? (code === 0 ? 0 : 1);
  console.log(`${stats?.passes ?? 0} passed, ${failed} failed`);
  return code !== 0 || failed > 0 ? 1 : 0;
}

process.exitCode = await main();
