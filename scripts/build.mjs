// Bundles the extension host, the training process, the CLI and every webview with esbuild.
// Usage: node scripts/build.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// tfjs-node is optional and native: never bundle it, require it at run time when present.
const nodeExternal = ['vscode', '@tensorflow/tfjs-node'];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeEntries = {
  extension: 'src/extension/extension.ts',
  cli: 'src/cli/main.ts',
  // The extension's compute thread: vocabulary statistics and BPE training off the host's thread.
  compute: 'src/extension/compute/worker.ts',
  // Training runs in a child process (TrainingProcess): a native crash there cannot take the extension host down.
  'train-process': 'src/worker/train-process.ts',
};

const webviewDir = join(root, 'webview');
const webviewEntries = existsSync(webviewDir)
  ? Object.fromEntries(
      readdirSync(webviewDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(webviewDir, d.name, 'main.ts')))
        .map((d) => [d.name, `webview/${d.name}/main.ts`]),
    )
  : {};

const builds = [
  {
    ...common,
    entryPoints: Object.fromEntries(Object.entries(nodeEntries).filter(([, f]) => existsSync(join(root, f)))),
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
  },
];
if (Object.keys(webviewEntries).length > 0) {
  builds.push({
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text' },
  });
}

function copyAssets() {
  // The wasm backend fetches its binaries from a path we set at run time (dist/wasm).
  const wasmSrc = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  mkdirSync(join(root, 'dist/wasm'), { recursive: true });
  for (const f of readdirSync(wasmSrc).filter((f) => f.endsWith('.wasm'))) cpSync(join(wasmSrc, f), join(root, 'dist/wasm', f));
  const kernels = join(root, 'src/core/kernels/wasm');
  if (existsSync(kernels)) {
    for (const f of readdirSync(kernels).filter((f) => f.endsWith('.wasm'))) cpSync(join(kernels, f), join(root, 'dist/wasm', f));
  }
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  copyAssets();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
}
