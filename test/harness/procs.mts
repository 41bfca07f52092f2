// Process ownership and teardown. Every process the harness starts (code-server and
// everything it spawns, Chromium and its helpers) carries SEQLAB_OWNED_BY=<run id> in
// its environment, inherited by grandchildren, so a leftover can be found by scanning
// /proc even after its parent died or re-parented it. Process groups give the clean stop.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { log } from './log.mjs';

export const OWNER_VAR = 'SEQLAB_OWNED_BY';
// The orchestrator hands one id to every phase so it can check them all afterwards.
export const runId = (process.env.SEQLAB_RUN_ID ||= `${process.pid}-${randomBytes(4).toString('hex')}`);

export function ownedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, [OWNER_VAR]: runId };
}

/** Starts a command as the leader of a new process group (setsid), marked as ours. */
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts, env: ownedEnv(opts.env as Record<string, string>), detached: true });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** TERM the whole group, KILL it if it is still there after `graceMs`. */
export async function killGroup(pgid: number | undefined, graceMs = 4000): Promise<void> {
  if (!pgid || !groupAlive(pgid)) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
  for (let t = 0; t < graceMs && groupAlive(pgid); t += 100) await sleep(100);
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    for (let t = 0; t < 2000 && groupAlive(pgid); t += 50) await sleep(50);
  }
}

export interface Leftover { pid: number; cmd: string }

/** Processes still marked with this run's id (zombies and unreadable ones skipped). */
export function findOwned(id = runId): Leftover[] {
  const found: Leftover[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (!env.split('\0').includes(`${OWNER_VAR}=${id}`)) continue;
      const state = readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.[0];
      if (state === 'Z') continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' ').trim().slice(0, 160);
      found.push({ pid, cmd });
    } catch { /* exited meanwhile or not ours to read */ }
  }
  return found;
}

export async function killOwned(id = runId): Promise<Leftover[]> {
  const left = findOwned(id);
  for (const p of left) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  if (left.length) await sleep(300);
  return left;
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The leftover check every run ends with: no marked process and no listener on the
 * port. Kills what it finds (so the machine is clean) but still reports failure.
 */
export async function verifyClean(port?: number): Promise<boolean> {
  let ok = true;
  const left = await killOwned();
  if (left.length) {
    ok = false;
    log(`LEFTOVER PROCESSES after teardown (now killed):\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`);
  }
  if (port && (await portInUse(port))) {
    ok = false;
    log(`LEFTOVER LISTENER: port ${port} still answers after teardown`);
  }
  if (ok) log(`teardown verified: no process of run ${runId} left${port ? `, port ${port} closed` : ''}`);
  return ok;
}

// Teardown hooks run on normal completion, on errors and on SIGINT/SIGTERM/SIGHUP.
const hooks: Array<() => Promise<void>> = [];
let tearingDown: Promise<void> | undefined;

export function onTeardown(fn: () => Promise<void>): void {
  hooks.unshift(fn); // last started, first stopped
}

export function teardown(): Promise<void> {
  tearingDown ??= (async () => {
    for (const fn of hooks.splice(0)) {
      try { await fn(); } catch (e) { log(`teardown step failed: ${(e as Error).message}`); }
    }
  })();
  return tearingDown;
}

let handlersInstalled = false;
export function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`${sig}: tearing down`);
      void teardown().then(() => verifyClean()).finally(() => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
    });
  }
}

/** Rejects after `ms` so no phase can hang forever. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
