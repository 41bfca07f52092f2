// Packages the extension as a .vsix with @vscode/vsce (npm run package).
// The textbook data sets are never committed: they are copied at package time from
// SEQLAB_DATA_DIR (default ../shared/data) into the git-ignored data-bundle/, which
// .vscodeignore lets into the vsix together with their sources and licence notice.
// Usage: node scripts/package.mjs [--out FILE] [--no-build]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outArg = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(outArg ?? join(root, `${pkg.name}-${pkg.version}.vsix`));
const dataDir = resolve(process.env.SEQLAB_DATA_DIR || join(root, '../shared/data'));
// SOURCES.md and fra-eng-about.txt carry the attribution CC BY 2.0 requires.
const DATA_FILES = ['timemachine.txt', 'fra-eng.txt', 'fra-eng-about.txt', 'SOURCES.md'];

function run(cmd, args, { quietTree = false } = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', quietTree ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8', timeout: 600_000 });
  // vsce lists every packaged file as a tree; keep its other lines.
  if (quietTree) process.stdout.write(r.stdout.split('\n').filter((l) => !/[├└│]/.test(l) && l.trim()).join('\n') + '\n');
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

const t0 = Date.now();
if (!argv.includes('--no-build')) {
  // A clean dist/: .vscodeignore cannot re-exclude stale source maps or removed entries.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  run(process.execPath, ['scripts/build.mjs', '--production']);
}

const missing = DATA_FILES.filter((f) => !existsSync(join(dataDir, f)));
if (missing.length) {
  console.error(`package: data files missing in ${dataDir}: ${missing.join(', ')}\nSet SEQLAB_DATA_DIR to the folder holding them.`);
  process.exit(1);
}
const bundle = join(root, 'data-bundle');
rmSync(bundle, { recursive: true, force: true });
mkdirSync(bundle);
for (const f of DATA_FILES) copyFileSync(join(dataDir, f), join(bundle, f));

mkdirSync(dirname(out), { recursive: true });
// No stdin in CI: every flag that would otherwise make vsce ask a question is given.
run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out,
  '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'], { quietTree: true });
console.log(`package: ${out} (${(statSync(out).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
