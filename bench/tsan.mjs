#!/usr/bin/env node
// npm run bench:tsan — the native addon's thread protocol under ThreadSanitizer.
// Builds native/src/addon.c with gcc -fsanitize=thread into a temporary directory, then runs, in
// a child node with the TSan runtime preloaded: the protocol's stress test (addon stress():
// jobs of random sizes, every result checked) with and without random delays in the helper,
// and real two-thread kernel calls (forward, BPTT, weight gradients, dense layer) checked
// against one thread. Prints the job counts, times and the number of races TSan reported
// (must be 0). Node itself is not instrumented, and TSan also reports on its internals (V8's
// platform threads, MessagePort): only reports with a frame in the addon's sources count.
// Options: --jobs N (default 1000000; the delayed round runs a tenth), --keep (keep the build),
// --selftest (adds a deliberate race to the stress op: TSan must report it).
// Needs gcc and libtsan2 (Debian: apt-get install -y libtsan2).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const jobs = Number(arg('--jobs', 1_000_000));
const selftest = process.argv.includes('--selftest');
const tsanLib = ['/usr/lib/x86_64-linux-gnu/libtsan.so.2', '/usr/lib/aarch64-linux-gnu/libtsan.so.2'].find(existsSync);
if (!tsanLib) {
  console.error('bench:tsan: libtsan.so.2 not found; install it with apt-get install -y libtsan2');
  process.exit(1);
}
const include = [join(dirname(process.execPath), '../include/node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
if (!include) {
  console.error('bench:tsan: node_api.h not found (Node headers)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'seqlab-tsan-'));
const addon = join(dir, 'seqlab_native.node');
const cc = spawnSync('gcc', ['-shared', '-fPIC', '-O1', '-g', '-fsanitize=thread', '-std=gnu11', '-fno-strict-aliasing', '-Wall', '-Wno-unused-function',
  `-I${include}`, ...(selftest ? ['-DSEQLAB_TSAN_SELFTEST'] : []), join(root, 'native/src/addon.c'), '-o', addon, '-lpthread'], { stdio: 'inherit' });
if (cc.status !== 0) {
  console.error('bench:tsan: the ThreadSanitizer build failed');
  process.exit(1);
}

const driver = join(dir, 'driver.ts');
writeFileSync(driver, `
import { NativeKernel } from ${JSON.stringify(join(root, 'src/core/kernels/native-kernel.ts'))};
const addon = require(${JSON.stringify(addon)});
const jobs = ${jobs};
for (const [label, delay] of [['no delays', 0], ['random helper delays ≤ 5 µs', 5]] as const) {
  addon.test_hooks(delay, 0);
  const r = addon.stress(delay ? Math.ceil(jobs / 10) : jobs, 7, 2);
  console.log(\`stress (\${label}): \${r.jobs} jobs, \${r.pieces} pieces (\${r.helperPieces} by the helper) in \${(r.ms / 1000).toFixed(1)} s, \${r.errors} wrong\${r.firstError ? ': ' + r.firstError : ''}\`);
  if (r.errors) process.exitCode = 1;
}
addon.test_hooks(0, 0);
const one = new NativeKernel(addon, 1), two = new NativeKernel(addon, 2);
two.denseSplitMinWork = 0;
let seed = 5;
const rnd = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296 - 0.5));
let calls = 0, wrong = 0;
const t0 = performance.now();
for (const kind of ['rnn', 'gru', 'lstm'] as const) {
  const T = 5, B = 40, I = 28, H = 48, N = (kind === 'rnn' ? 1 : kind === 'gru' ? 3 : 4) * H;
  const x = Int32Array.from({ length: T * B }, (_, i) => (i * 7) % I);
  const w = { wx: rnd(I * N), wh: rnd(H * N), b: rnd(N) }, h0 = rnd(B * H), c0 = kind === 'lstm' ? rnd(B * H) : null, dhs = rnd(T * B * H);
  const run = (k: NativeKernel) => {
    const f = k.forward(kind, { T, B, I, H }, x, h0, c0, w);
    const g = k.backward(f.cache!, dhs, null, null);
    const y = k.dense!({ N: T * B, D: H, V: 28 }, f.hs, w.wh.subarray(0, H * 28), w.b.subarray(0, 28));
    const d = k.denseBackward!({ N: T * B, D: H, V: 28 }, f.hs, w.wh.subarray(0, H * 28), y);
    return [f.hs, g.dh0, g.dwx, g.dwh, g.db, y, d.da, d.dw, d.db].map((a) => Array.from(a).join(',')).join(';');
  };
  const ref = run(one);
  for (let i = 0; i < 60; i++, calls++) if (run(two) !== ref) wrong++;
}
console.log(\`kernels (rnn, gru, lstm: forward, BPTT, weight gradients, dense layer on 2 threads vs 1): \${calls} steps in \${((performance.now() - t0) / 1000).toFixed(1)} s, \${wrong} differ\`);
if (wrong) process.exitCode = 1;
`);
const log = join(dir, 'tsan');
const r = spawnSync(process.execPath, ['--import', 'tsx', driver], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, LD_PRELOAD: tsanLib, TSAN_OPTIONS: `log_path=${log} halt_on_error=0 exitcode=0 report_signal_unsafe=0${existsSync("/usr/bin/addr2line") ? " external_symbolizer_path=/usr/bin/addr2line" : ""}`, SEQLAB_NATIVE: '' },
});
const text = spawnSync('sh', ['-c', `cat ${log}.* 2>/dev/null`], { encoding: 'utf8' }).stdout ?? '';
const blocks = text.split(/^==================$/m).filter((b) => /WARNING: ThreadSanitizer/.test(b));
const ours = blocks.filter((b) => /seqlab_native\.node|addon\.c|rnn_core\.h|dense_core\.h/.test(b));
const races = ours.filter((b) => /WARNING: ThreadSanitizer: data race/.test(b)).length;
console.log(`ThreadSanitizer: ${races} data races and ${ours.length - races} other reports in the addon's code; ${blocks.length - ours.length} reports inside Node itself (not instrumented; not counted)`);
if (ours.length) console.log(ours[0].split('\n').slice(0, 30).join('\n'));
if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
else console.log(`build and logs kept in ${dir}`);
const ok = selftest ? races > 0 : r.status === 0 && ours.length === 0;
if (selftest) console.log(ok ? 'selftest: TSan saw the deliberate race' : 'selftest: TSan missed the deliberate race');
process.exit(ok ? 0 : 1);
