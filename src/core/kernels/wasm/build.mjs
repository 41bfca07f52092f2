#!/usr/bin/env node
// Rebuilds the WASM SIMD kernels from C (npm run build:kernels):
//   rnn_simd.wasm    — SIMD128 (every current engine)
//   rnn_relaxed.wasm — relaxed-SIMD FMA (Node >= 22 / current Electron; picked at run time)
// and records SHA-256 of the sources and outputs in manifest.json (the unit tests check that
// the committed .wasm were built from the current sources). Needs clang-19 + lld-19 (Debian);
// installs them with apt-get when missing and running as root.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');
export const SOURCES = ['src/core/kernels/wasm/rnn_wasm.c', 'native/src/rnn_core.h', 'native/src/dense_core.h', 'native/src/layout.h', 'native/src/attention_core.h', 'native/src/embedding_core.h', 'native/src/lm_head_core.h', 'native/src/adam_core.h', 'native/src/beam_core.h'];
const FLAGS = [
  '--target=wasm32', '-O3', '-msimd128', '-ffp-contract=off', '-fno-builtin', '-nostdlib',
  '-matomics', '-mbulk-memory', '-Wall', '-Werror',
  '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--shared-memory', '-Wl,--max-memory=2147483648',
  '-Wl,-z,stack-size=65536', '-Wl,--export=__stack_pointer', '-Wl,--strip-all',
];
const VARIANTS = { 'rnn_simd.wasm': [], 'rnn_relaxed.wasm': ['-DRELAXED', '-mrelaxed-simd'] };

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function ensureToolchain() {
  if (has('clang-19') && has('wasm-ld-19')) return;
  console.log('build:kernels: installing clang-19 and lld-19 with apt-get …');
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', 'clang-19', 'lld-19'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function sourceDigest() {
  const h = createHash('sha256');
  for (const s of SOURCES) h.update(s + '\0').update(readFileSync(join(root, s)));
  return h.digest('hex');
}

function main() {
  ensureToolchain();
  const outputs = {};
  for (const [out, extra] of Object.entries(VARIANTS)) {
    const file = join(here, out);
    execFileSync('clang-19', [...FLAGS, ...extra, '-fuse-ld=lld', '-o', file, join(here, 'rnn_wasm.c')], {
      stdio: 'inherit',
      env: { ...process.env, PATH: `/usr/lib/llvm-19/bin:${process.env.PATH}` },
    });
    outputs[out] = sha256(file);
    console.log(`build:kernels: ${relative(root, file)} ${readFileSync(file).length} bytes`);
  }
  const clang = execFileSync('clang-19', ['--version']).toString().split('\n')[0];
  writeFileSync(
    join(here, 'manifest.json'),
    JSON.stringify({ sources: SOURCES, sourceSha256: sourceDigest(), outputs, compiler: clang, flags: FLAGS, variants: VARIANTS }, null, 2) + '\n',
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
