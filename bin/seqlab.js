#!/usr/bin/env node
// The CLI is bundled into dist/cli.js by `npm run build` (esbuild); right after `npm ci` there is no dist/ yet.
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`seqlab is not built yet: run \`npm run build\` in ${resolve(__dirname, '..')} first.\n`);
  process.exit(1);
}
require(cli).runCli();
