// Unit tests: node's built-in runner on every test/unit/**/*.test.ts (TypeScript via tsx).
// Adding a file there is all it takes. Prints "N passed, N failed, N skipped" from the
// runner's TAP summary (skipped = `# skipped` + `# todo`, so tests that skip themselves show);
// zero test files is a pass with "0 passed, 0 failed, 0 skipped".
// `--suite faults` runs test/faults/ instead (the fault suite: kills, full disk, corruption, properties).
// Usage: node scripts/test-unit.mjs [--suite unit|faults] [extra node --test flags, e.g. --test-name-pattern=vocab]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.SEQLAB_DATA_DIR ||= join(root, '../shared/data');
const argv = process.argv.slice(2);
const suiteAt = argv.indexOf('--suite');
const suite = suiteAt >= 0 ? argv.splice(suiteAt, 2)[1] : 'unit';
if (!['unit', 'faults'].includes(suite)) { console.error(`unknown suite ${suite}; use unit or faults`); process.exit(2); }
const timeoutMs = Number(process.env.SEQLAB_UNIT_TIMEOUT ?? (suite === 'faults' ? 480 : 900)) * 1000;

const find = (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []).flatMap((d) =>
  d.isDirectory() ? find(join(dir, d.name)) : d.name.endsWith('.test.ts') ? [join(dir, d.name)] : []);
const files = find(join(root, 'test', suite)).sort().map((f) => relative(root, f));

if (files.length === 0) {
  console.log(`${suite}: no test files under test/${suite}`);
  console.log('0 passed, 0 failed, 0 skipped');
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'seqlab-unit-'));
const tap = join(tmp, 'report.tap');
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...argv, ...files];
// Own process group so a timeout can stop the runner and every test process it spawned.
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', detached: true });
const kill = (sig) => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
const timer = setTimeout(() => { console.error(`${suite}: timed out after ${timeoutMs / 1000} s`); kill('SIGKILL'); }, timeoutMs);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { kill('SIGKILL'); process.exit(130); });

const status = await new Promise((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 1 : 0))));
clearTimeout(timer);
kill('SIGKILL'); // stragglers a test left behind
const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
rmSync(tmp, { recursive: true, force: true });
const count = (k) => Number(summary.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
const passed = count('pass');
let failed = count('fail') + count('cancelled');
if (status !== 0 && failed === 0) {
  console.error(`${suite}: the test runner exited with status ${status} without a failing test (load error?)`);
  failed = 1;
}
const skipped = count('skipped') + count('todo');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
