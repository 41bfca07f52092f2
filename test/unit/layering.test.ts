import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

// src/core runs in Node, the worker and the CLI: it may not reach into VS Code, the host glue or the webviews.
test('src/core imports neither vscode nor the extension, worker or webview layers', () => {
  const offenders: string[] = [];
  for (const f of files(join(SRC, 'core'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|require\(|import\()\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      if (spec === 'vscode' || /(^|\/)(extension|worker|webview)(\/|$)/.test(spec) || spec.includes('../../webview')) {
        offenders.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
