// `npm test`: tools → build → unit → extension host → UI, each a child process in its own
// process group with a hard timeout. Each suite prints "N passed, N failed, N skipped" at its end;
// this script adds per-phase and total wall times, checks that no process the harness
// started (marked SEQLAB_OWNED_BY=<run id>) survived, and exits non-zero if anything failed.
// Usage: node scripts/test.mjs [unit|faults|host|ui ...]   (default: all suites)
// Env: SEQLAB_SELFTEST_FAIL=1 adds a deliberately failing extension-host test.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
// Importing procs fixes SEQLAB_RUN_ID in our env, so every phase inherits the same id.
const { findOwned, killOwned, runId } = await import('../test/harness/procs.mts');

const tsx = ['--import', 'tsx'];
const min = 60_000;
const phases = [
  { name: 'tools', args: [...tsx, 'test/harness/tools-cli.mts'], timeout: 20 * min },
  { name: 'build', args: ['scripts/build.mjs'], timeout: 5 * min },
  { name: 'unit', args: ['scripts/test-unit.mjs'], timeout: 15 * min, suite: true },
  // Kills, full disk, corrupted and swapped checkpoints, two writers, property tests (≤ 3 min).
  { name: 'faults', args: ['scripts/test-unit.mjs', '--suite', 'faults'], timeout: 10 * min, suite: true },
  { name: 'host', args: [...tsx, 'test/host/run.mts'], timeout: 10 * min, suite: true },
  { name: 'ui', args: [...tsx, 'test/ui/run.mts'], timeout: 10 * min, suite: true },
];
const only = process.argv.slice(2);
const needsVsCode = only.length === 0 || only.some((n) => n !== 'unit' && n !== 'faults');
const selected = phases.filter((p) => (p.suite ? only.length === 0 || only.includes(p.name) : p.name !== 'tools' || needsVsCode));

let current;
let stopping = false;
const killCurrent = (sig) => { if (current?.pid) try { process.kill(-current.pid, sig); } catch { /* gone */ } };
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    stopping = true;
    console.error(`\n[test] ${sig}: stopping ${current ? 'the running phase' : ''}`);
    killCurrent('SIGTERM');
    await new Promise((r) => setTimeout(r, 5000));
    killCurrent('SIGKILL');
    await killOwned();
    process.exit(130);
  });
}

function runPhase(p) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let summary = '';
    let timedOut = false;
    const env = { ...process.env, SEQLAB_SKIP_BUILD: '1', FORCE_COLOR: process.stdout.isTTY ? '1' : '0' };
    current = spawn(process.execPath, p.args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    current.stdout.on('data', (b) => {
      process.stdout.write(b);
      const m = String(b).match(/^\d+ passed, \d+ failed(?:, \d+ skipped)?$/gm);
      if (m) summary = m.at(-1);
    });
    // A phase stops its own children; on timeout we stop its whole group from here.
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`[test] ${p.name}: timed out after ${p.timeout / min} min, stopping it`);
      killCurrent('SIGTERM');
      setTimeout(() => killCurrent('SIGKILL'), 10_000).unref();
    }, p.timeout);
    current.on('close', (code, sig) => {
      clearTimeout(timer);
      killCurrent('SIGKILL'); // whatever the phase left in its own group
      current = undefined;
      resolve({ name: p.name, ok: code === 0 && !timedOut, code: code ?? sig, summary, secs: (Date.now() - t0) / 1000, timedOut });
    });
  });
}

const t0 = Date.now();
const results = [];
for (const p of selected) {
  console.log(`\n=== ${p.name} ===`);
  const r = await runPhase(p);
  const left = await killOwned();
  if (left.length) {
    r.ok = false;
    console.error(`[test] ${p.name}: LEFTOVER PROCESSES (killed now):\n${left.map((x) => `  ${x.pid} ${x.cmd}`).join('\n')}`);
  }
  results.push(r);
  console.log(`=== ${p.name}: ${r.ok ? 'ok' : 'FAILED'}${r.summary ? ` (${r.summary})` : ''} in ${r.secs.toFixed(1)} s ===`);
  if (stopping) break;
  if (!r.ok && !p.suite) break; // no point testing without tools or a build
}

const total = (Date.now() - t0) / 1000;
console.log('\nSummary');
for (const r of results) {
  const why = r.timedOut ? 'timed out' : r.ok ? 'ok' : `failed (exit ${r.code})`;
  console.log(`  ${r.name.padEnd(6)} ${why.padEnd(18)} ${(r.summary || '').padEnd(34)} ${r.secs.toFixed(1).padStart(6)} s`);
}
const failed = results.filter((r) => !r.ok).length + (selected.length - results.length);
const stray = findOwned(runId);
if (stray.length) console.error(`[test] processes of run ${runId} still alive: ${stray.map((s) => s.pid).join(' ')}`);
console.log(`  total  ${failed || stray.length ? 'FAILED' : 'ok'} in ${total.toFixed(1)} s`);
// One closing line over every suite, so CI reads the whole run's count; a suite that died
// without its own count line counts as one failure.
let passed = 0;
let failedTests = 0;
let skipped = 0;
for (const r of results.filter((x) => phases.find((p) => p.name === x.name)?.suite)) {
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(r.summary);
  if (m) {
    passed += Number(m[1]);
    failedTests += Number(m[2]);
    skipped += Number(m[3] ?? 0);
  }
  if (!r.ok && (!m || Number(m[2]) === 0)) failedTests += 1;
}
console.log(`all: ${passed} passed, ${failedTests + (selected.length - results.length)} failed, ${skipped} skipped`);
process.exit(failed || stray.length ? 1 : 0);
