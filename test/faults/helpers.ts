/** Shared pieces of the fault suite: temp folders, a tiny deterministic LM run, the CLI as a process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJob, Run } from '../../src/core/training/run';
import type { RunEvent } from '../../src/protocol/training';
import '../../src/core/training/jobs';

export const root = join(__dirname, '..', '..');
process.env.SEQLAB_DATA_DIR ||= join(root, '..', 'shared', 'data');

const dirs: string[] = [];
export function tmp(prefix = 'seqlab-fault-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A language model small enough to train an epoch in well under a second on the cpu backend. */
export const TINY_LM = { job: 'lm', corpus: 'timemachine', token: 'char', model: 'gru', impl: 'scratch', hidden: 8, batch: 4, steps: 10, lr: 1, maxTokens: 2000, seed: 3, sampleLength: 0, checkpointEvery: 1 };

/** Trains in-process; returns the run's events and its end (or the error it ended with). */
export async function trainInProcess(config: Record<string, unknown>, checkpointDir?: string, resume = false): Promise<{ events: RunEvent[]; error?: Error }> {
  const { job, epoch, history } = await createJob({ config, checkpointDir, resume });
  const events: RunEvent[] = [];
  const run = new Run(job, { runId: 'f', checkpointDir, startEpoch: epoch, history, emit: (e) => events.push(e) });
  try {
    await run.execute();
    return { events };
  } catch (err) {
    return { events, error: err as Error };
  } finally {
    job.dispose();
  }
}

/**
 * The CLI as users start it, with the given extra node flags: the bundle `npm test` has just
 * built (its phases run with SEQLAB_SKIP_BUILD=1 after the build), else the sources through tsx.
 */
export function spawnCli(args: string[], opts: { nodeFlags?: string[]; env?: Record<string, string> } = {}): ChildProcess {
  const bundle = join(root, 'dist', 'cli.js');
  const entry = process.env.SEQLAB_SKIP_BUILD === '1' && existsSync(bundle) ? [join(root, 'bin', 'seqlab.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  return spawn(process.execPath, [...(opts.nodeFlags ?? []), ...entry, ...args], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export function collect(child: ChildProcess): { exit: Promise<Exit>; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exit = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { exit, out: () => out, err: () => err };
}

/** Resolves when `test` holds for the text so far (polled on every chunk), rejects after `ms`. */
export function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', test: (text: string) => boolean, ms = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for output; got: ${text.slice(-500)}`)), ms);
    child[stream]?.on('data', (d) => {
      text += d;
      if (test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (!test(text)) reject(new Error(`the process ended first; got: ${text.slice(-500)}`));
    });
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
