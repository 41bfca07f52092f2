#!/usr/bin/env node
'use strict';
// Install step of the optional native kernels: node-gyp rebuild against the local Node headers
// when present (no download needed), else node-gyp's own header download. Never fails the
// install: on any error Seqlab uses its WASM kernels. SEQLAB_NATIVE=off skips the build.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

// The reason is kept in build/failure.txt, which the loader (src/core/kernels/native-kernel.ts)
// reads, so `seqlab info` and each run's info say why the native kernel is unavailable.
const FAILURE = path.join(__dirname, 'build/failure.txt');

function warn(msg) {
  console.warn(`seqlab-native: ${msg}; Seqlab will use its WASM kernels.`);
  try {
    mkdirSync(path.dirname(FAILURE), { recursive: true });
    writeFileSync(FAILURE, `${msg}\n`);
  } catch {
    /* the message above is all we can do */
  }
  process.exit(0);
}

rmSync(FAILURE, { force: true });

if (process.env.SEQLAB_NATIVE === 'off') warn('build skipped (SEQLAB_NATIVE=off)');
const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  path.join(path.dirname(process.execPath), 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((c) => existsSync(c));
if (!gyp) warn('node-gyp not found');
const args = [gyp, 'rebuild'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (existsSync(path.join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: __dirname, stdio: 'inherit', timeout: 300000 });
if (r.status !== 0) warn(`native build failed (${r.error ? r.error.message : 'node-gyp exit ' + r.status}; run npm run build:native to see the compiler's output)`);
try {
  require('./index.js');
} catch (e) {
  warn(`built addon does not load (${e.message})`);
}
