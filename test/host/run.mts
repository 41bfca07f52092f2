// Runs the extension-host suites (test/host/**/*.test.ts, mocha tdd) inside the real
// extension host of code-server, the way @vscode/test-electron does on the desktop:
// bundle the suites, open the workbench with a smoke-test `payload` naming
// extensionDevelopmentPath/extensionTestsPath, relay the host's console (mocha's spec
// reporter) to our stdout and take the exit code from `codeAutomationExit`.
// Usage: node --import tsx test/host/run.mts   (npm run test:host)
//        ... run.mts --desktop-bundle   only bundles the suites for .vscode-test.mjs
// Env: SEQLAB_SELFTEST_FAIL=1 adds a failing test; SEQLAB_HOST_GREP filters tests;
//      SEQLAB_VERBOSE=1 echoes code-server's log; SEQLAB_HOST_TIMEOUT (s, default 600).
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { format, stripVTControlCharacters } from 'node:util';
import { launchBrowser, newPage } from '../harness/browser.mjs';
import { startCodeServer, tail } from '../harness/codeServer.mjs';
import { isNoise, log, useColor } from '../harness/log.mjs';
import { dataDir, repoRoot } from '../harness/paths.mjs';
import { installSignalHandlers, onTeardown, runId, teardown, verifyClean, withTimeout } from '../harness/procs.mjs';
import { buildExtension, freshWorkspace } from '../harness/workspace.mjs';

const hostDir = join(repoRoot, 'test/host');
// Per run, so runs in the same tree do not overwrite each other's bundle; inside the
// repo so a bundled suite's external requires still resolve from node_modules.
const outDir = join(repoRoot, 'out/host', `run-${runId}`);
const external = ['vscode', '@tensorflow/tfjs-node'];

function findSuites(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? findSuites(join(dir, d.name)) : d.name.endsWith('.test.ts') ? [join(dir, d.name)] : []).sort();
}

/** One CJS bundle: index.ts plus a generated entry that requires every suite lazily. */
async function bundleSuites(): Promise<string> {
  const suites = findSuites(hostDir);
  log(`extension-host suites: ${suites.map((f) => relative(hostDir, f)).join(', ') || '(none)'}`);
  rmSync(outDir, { recursive: true, force: true });
  onTeardown(async () => rmSync(outDir, { recursive: true, force: true }));
  const requires = suites.map((f) => `require(${JSON.stringify('./' + relative(hostDir, f))});`).join('\n');
  await esbuild.build({
    stdin: { contents: `const { runSuites } = require('./index.ts');\nexports.run = () => runSuites(() => {\n${requires}\n});\n`, resolveDir: hostDir, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: join(outDir, 'index.js'),
    external, sourcemap: 'inline', logLevel: 'warning',
    // mocha's parallel mode (unused here) resolves worker files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' }, absWorkingDir: repoRoot,
  });
  return join(outDir, 'index.js');
}

/**
 * The extension host's own stack-trace hook ignores source maps, so stack lines name
 * the bundle; map them back to the .ts sources with the bundle's inline source map.
 */
function stackMapper(bundle: string): (line: string) => string {
  const m = /sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(readFileSync(bundle, 'utf8'));
  if (!m) return (l) => l;
  const map = new SourceMap(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')));
  // Matches "<anything ending in run-<id>/index.js>:line:col", absolute or relative.
  const re = new RegExp(`[^\\s(]*${basename(outDir)}/index\\.js:(\\d+):(\\d+)`, 'g');
  return (line) => line.replace(re, (all, l: string, c: string) => {
    const e = map.findEntry(Number(l) - 1, Number(c) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (!e?.originalSource) return all;
    // Sources are relative to the repo (absWorkingDir), possibly with leading ../
    const src = relative(repoRoot, resolve(repoRoot, e.originalSource.replace(/^(\.\.\/)+/, '')));
    return `${src}:${e.originalLine! + 1}:${e.originalColumn! + 1}`;
  });
}

/** Console args arrive printf-style (mocha's reporter: '%s%s', indent, title). */
function formatArgs(args: unknown[]): string {
  return format(...args);
}

/** For @vscode/test-cli (npm run test:desktop): one CJS file per suite, loaded by its mocha. */
async function bundleForDesktop(): Promise<void> {
  const out = join(repoRoot, 'out/host-desktop');
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: findSuites(hostDir), outbase: hostDir, outdir: out, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', external, sourcemap: 'inline', logLevel: 'warning', absWorkingDir: repoRoot,
  });
}

async function main(): Promise<number> {
  installSignalHandlers();
  const timeoutMs = Number(process.env.SEQLAB_HOST_TIMEOUT ?? 600) * 1000;
  let port: number | undefined;
  let result: { passed: number; failed: number; pending?: number } | undefined;
  const seen = { passed: 0, failed: 0, pending: 0 };
  let code = 1;
  try {
    await withTimeout((async () => {
      buildExtension();
      const entry = await bundleSuites();
      const mapStack = stackMapper(entry);
      const cs = await startCodeServer({ smokeTestDriver: true, verbose: process.env.SEQLAB_VERBOSE === '1' });
      port = cs.port;
      const browser = await launchBrowser();
      const page = await newPage(browser);
      let exit!: (code: number) => void;
      const exited = new Promise<number>((r) => { exit = r; });
      // The workbench logs through the same channel; print the extension host's console
      // only between the markers index.ts writes, plus real errors at any time.
      let inTests = false;
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        const line = mapStack(formatArgs(Array.isArray(args) ? args : [args]));
        if (line.startsWith('SEQLAB_BEGIN')) { inTests = true; return; }
        const m = /SEQLAB_RESULT (\{.*\})/.exec(line);
        if (m) { result = JSON.parse(m[1]!); inTests = false; return; }
        if (isNoise(line)) return;
        if (inTests) {
          process.stdout.write(line.endsWith('\n') ? line : line + '\n');
          // Tallied from the reporter in case the host dies before SEQLAB_RESULT.
          const plain = stripVTControlCharacters(line);
          if (/^\s*(✔|✓)/.test(plain)) seen.passed++;
          else if (/^\s*\d+\) /.test(plain)) seen.failed++;
          else if (/^\s+- /.test(plain)) seen.pending++;
        }
        else if (type === 'error' || process.env.SEQLAB_VERBOSE === '1') log(`workbench ${type}: ${line}`);
      });
      await page.exposeFunction('codeAutomationExit', (c: number) => exit(c));
      page.on('pageerror', (e) => { if (!isNoise(e.message)) log(`page error: ${e.message}`); });
      const env: Record<string, string> = { SEQLAB_DATA_DIR: dataDir };
      if (useColor()) env.SEQLAB_COLOR = '1';
      for (const k of ['SEQLAB_SELFTEST_FAIL', 'SEQLAB_HOST_GREP']) if (process.env[k]) env[k] = process.env[k]!;
      await page.goto(cs.url(freshWorkspace(), [
        ['extensionDevelopmentPath', cs.remoteUri(repoRoot)],
        ['extensionTestsPath', cs.remoteUri(entry)],
        ['extensionEnvironment', JSON.stringify(env)],
      ]));
      code = await exited;
      if (!result) {
        // The host crashed or was killed mid-run (its exit code can still be 0).
        log(`the extension host ended (exit ${code}) before the suites finished; code-server log:\n${tail(cs.logFile)}`);
        code = 1;
      }
    })(), timeoutMs, 'extension-host tests');
  } catch (e) {
    log(`ERROR: ${(e as Error).message}`);
    code = 1;
  } finally {
    await teardown();
    if (!(await verifyClean(port))) code = 1;
  }
  const passed = result?.passed ?? seen.passed;
  const failed = result?.failed ?? Math.max(seen.failed, 1);
  if (code !== 0 && failed === 0) log('no test failed, but the run did not finish cleanly');
  // Pending (skipped) tests count as skipped, so a suite that skips itself does not look clean.
  const skipped = result?.pending ?? seen.pending;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return code !== 0 || failed > 0 ? 1 : 0;
}

process.exitCode = process.argv.includes('--desktop-bundle') ? (await bundleForDesktop(), 0) : await main();
