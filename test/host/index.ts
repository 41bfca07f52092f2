// Extension-host test entry: VS Code loads the bundle built from this file (out/host/run-<id>/index.js)
// as `extensionTestsPath` and awaits `run()`.
//
// To add tests: create test/host/<name>.test.ts with mocha's tdd UI (`suite`, `test`,
// `suiteSetup`, ...) and `import * as vscode from 'vscode'`. Nothing else: test/host/run.mts
// bundles every test/host/**/*.test.ts together with this file.
//
// SEQLAB_SELFTEST_FAIL=1 adds one failing test, to prove a failure reaches the exit code.
// SEQLAB_HOST_GREP=<regex> runs only matching tests.
import * as assert from 'node:assert/strict';
import Mocha from 'mocha';

/** Filled in by the generated bundle entry: requires every *.test.ts in order. */
export async function runSuites(loadSuites: () => void): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', reporter: 'spec', color: process.env.SEQLAB_COLOR === '1', timeout: 30_000 });
  if (process.env.SEQLAB_HOST_GREP) mocha.grep(new RegExp(process.env.SEQLAB_HOST_GREP));
  // Test files are bundled, not loaded from disk: expose `suite`/`test` before they run.
  mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
  loadSuites();
  if (process.env.SEQLAB_SELFTEST_FAIL === '1') {
    suite('harness self-test', () => {
      test('deliberately fails (SEQLAB_SELFTEST_FAIL=1)', () => assert.fail('deliberate failure'));
    });
  }
  console.log('SEQLAB_BEGIN');
  const stats = await new Promise<Mocha.Stats>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats!));
  });
  // The harness reads this line back from the extension host's console.
  console.log(`SEQLAB_RESULT ${JSON.stringify({ passed: stats.passes, failed: stats.failures, pending: stats.pending })}`);
  if (stats.failures > 0) throw new Error(`${stats.failures} extension-host test(s) failed`);
}
