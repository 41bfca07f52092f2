// @vscode/test-cli configuration for desktop VS Code (`npm run test:desktop`, needs
// internet to download VS Code). It runs the same suites as `npm run test:host`, which
// CI runs in code-server instead; `test/host/run.mts --desktop-bundle` compiles them.
import { defineConfig } from '@vscode/test-cli';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  files: 'out/host-desktop/**/*.test.js',
  extensionDevelopmentPath: root,
  workspaceFolder: join(root, 'test/harness/sample-workspace'),
  env: { SEQLAB_DATA_DIR: process.env.SEQLAB_DATA_DIR || join(root, '../shared/data') },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'tdd', timeout: 30_000 },
});
