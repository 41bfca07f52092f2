/**
 * Picks the fastest fused-kernel path available on this machine: native addon, WASM SIMD on
 * two threads, WASM SIMD on one, or pure TypeScript. Every path that loads must pass a
 * numerics check against the TypeScript reference (./path-check.ts) or it is dropped with a
 * note. Measured once and remembered in a cache directory (the extension passes its global
 * storage; otherwise SEQLAB_KERNEL_CACHE or ~/.cache/seqlab; SEQLAB_KERNEL_CACHE=off: in
 * memory for the process only). A resumed run asks for the path its checkpoint recorded
 * (`resumePath`) and is told when it cannot have it.
 *
 * Env overrides: SEQLAB_KERNEL=native|wasm-simd-threads|wasm-simd|ts forces a path (another
 * value is an error naming these; an unavailable path is a notice); SEQLAB_NATIVE=off makes
 * the native addon fail to load.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { kernelNotice, kernelNotices } from './notices';
import { pathDisagreement } from './path-check';
import { bufferPool } from './buffer-pool';
import { tsKernel } from './reference';
import { loadNativeKernel } from './native-kernel';
import { disposeWasm, loadWasmKernel, loadWasmThreadsKernel, wasmEngineInfo } from './wasm-kernel';
import type { CellKind, KernelPath, RecurrentKernel } from './types';
import { GATES } from './types';

export interface KernelInfo {
  /** the path fusedRecurrent uses now */
  path: KernelPath;
  /** paths that loaded on this machine, fastest first when measured */
  available: KernelPath[];
  /** measured milliseconds for one GRU training step (forward + backward) per path */
  timingsMs?: Partial<Record<KernelPath, number>>;
  /** true when taken from a remembered measurement */
  remembered?: boolean;
  /** details about paths that did not load (e.g. why native is absent) and notices since */
  notes: string[];
  /** why this path runs, in a few words (and why faster ones do not), for the run's info */
  why?: string;
}

/** A loader returns a ready kernel or throws / returns null when the path is unavailable. */
export type KernelLoader = () => RecurrentKernel | null | Promise<RecurrentKernel | null>;

const loaders = new Map<KernelPath, KernelLoader>([
  ['native', () => loadNativeKernel()],
  ['wasm-simd', loadWasmKernel],
  ['wasm-simd-threads', loadWasmThreadsKernel],
]);
const loaded = new Map<KernelPath, RecurrentKernel>();
const notes: string[] = [];
let current: RecurrentKernel = tsKernel;
let info: KernelInfo = { path: 'ts', available: ['ts'], notes };
let selected = false;
/** the path a resumed run asked for and got (kept until disposeKernels) */
let pinned: KernelPath | null = null;

/** Preference order when nothing was measured. */
export const PATH_ORDER: readonly KernelPath[] = ['native', 'wasm-simd-threads', 'wasm-simd', 'ts'];

/** Registered by the kernel modules (wasm, native) when they are imported. */
export function registerKernelLoader(path: KernelPath, loader: KernelLoader): void {
  loaders.set(path, loader);
}

/** The kernel fusedRecurrent runs now (pure TypeScript until a path is selected). */
export function currentKernel(): RecurrentKernel {
  return current;
}

/** The current path in a few words for people: "native (avx512)", "wasm-simd-threads (relaxed FMA)". */
export function kernelLabel(): string {
  const k = current as RecurrentKernel & { isa?: string };
  if (k.path === 'native') return `native${k.isa ? ` (${k.isa})` : ''}`;
  if (k.path === 'ts') return 'TypeScript';
  return `${k.path}${wasmEngineInfo()?.relaxed ? ' (relaxed FMA)' : ''}`;
}

/** Why the current path runs and every notice since (a helper died…), one line for the run's info. */
export function kernelNote(): string {
  return [info.why, ...kernelNotices()].filter(Boolean).join('; ');
}

export function kernelInfo(): KernelInfo {
  return { ...info, available: [...info.available], notes: [...notes, ...kernelNotices().filter((n) => !notes.includes(n))] };
}

/** Why the paths preferred over the current one (PATH_ORDER) do not run. */
function whyNotFaster(path: KernelPath, available: KernelPath[], timingsMs?: Partial<Record<KernelPath, number>>): string[] {
  const out: string[] = [];
  for (const p of PATH_ORDER) {
    if (p === path) break;
    if (!available.includes(p)) out.push(notes.find((n) => n.startsWith(`${p}:`)) ?? `${p}: unavailable`);
    else if (timingsMs?.[p] !== undefined && timingsMs[path] !== undefined) out.push(`${p}: measured slower (${timingsMs[p]!.toFixed(1)} vs ${timingsMs[path]!.toFixed(1)} ms per step)`);
  }
  return out;
}

async function load(path: KernelPath): Promise<RecurrentKernel | null> {
  if (path === 'ts') return tsKernel;
  const have = loaded.get(path);
  if (have) return have;
  const loader = loaders.get(path);
  if (!loader) return null;
  try {
    const k = await loader();
    if (k) {
      const bad = pathDisagreement(k);
      if (bad) {
        notes.push(`${path}: not used, its results disagree with the reference at start-up (${bad})`);
        return null;
      }
      loaded.set(path, k);
    }
    const wasm = path.startsWith('wasm') ? wasmEngineInfo() : null;
    if (k && wasm && !notes.some((n) => n.startsWith('wasm module:'))) notes.push(`wasm module: ${wasm.variant}`);
    return k;
  } catch (e) {
    notes.push(`${path}: ${(e as Error).message ?? String(e)}`);
    return null;
  }
}

/** One GRU training step at the textbook's shapes (batch 32, 35 steps, 256 hidden, vocab 28). */
function timeKernel(k: RecurrentKernel, budgetMs: number): number {
  const kind: CellKind = 'gru';
  const T = 35, B = 32, I = 28, H = 256;
  const N = GATES[kind] * H;
  let seed = 1;
  const rnd = (n: number, s: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      a[i] = ((seed / 4294967296) * 2 - 1) * s;
    }
    return a;
  };
  const ids = new Int32Array(T * B).map((_, i) => (i * 7) % I);
  const w = { wx: rnd(I * N, 0.1), wh: rnd(H * N, 0.06), b: rnd(N, 0.1) };
  const h0 = new Float32Array(B * H);
  const dhs = rnd(T * B * H, 0.01);
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const f = k.forward(kind, { T, B, I, H }, ids, h0, null, w);
    k.backward(f.cache!, dhs, null, null);
    times.push(performance.now() - t0);
    if (performance.now() - start > budgetMs && times.length >= 3) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export interface SelectOptions {
  /** directory for the remembered measurement (e.g. the extension's globalStorage) */
  cacheDir?: string;
  /** use this path (if it loads) instead of measuring */
  force?: KernelPath;
  /** re-measure even if a measurement is remembered */
  remeasure?: boolean;
  /** a resumed run: the path its checkpoint recorded (null: it recorded none) */
  resumePath?: KernelPath | null;
}

/** Where the measurement is remembered when the caller names no directory. */
function defaultCacheDir(): string | undefined {
  const env = process.env.SEQLAB_KERNEL_CACHE;
  if (env === 'off') return undefined;
  if (env) return env;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'seqlab');
}

const memo: { result?: { best: KernelPath; timingsMs: Partial<Record<KernelPath, number>> } } = {};

/**
 * Loads the available paths, measures them once (or reuses the remembered result) and makes
 * the fastest the current one. Safe to call again; cheap after the first time.
 */
export async function selectKernelPath(opts: SelectOptions = {}): Promise<KernelInfo> {
  const envForce = process.env.SEQLAB_KERNEL;
  if (envForce && !PATH_ORDER.includes(envForce as KernelPath)) {
    throw new Error(`SEQLAB_KERNEL=${envForce} is not a kernel path; use one of ${PATH_ORDER.join(', ')} (or leave it unset to pick the fastest).`);
  }
  const available: KernelPath[] = [];
  for (const p of PATH_ORDER) if (await load(p)) available.push(p);
  const resume = opts.resumePath;
  if (resume && available.includes(resume)) pinned = resume;
  // a resumed run keeps its checkpoint's path for the rest of the process (later plain calls too)
  const force = opts.force ?? (envForce as KernelPath | undefined) ?? (pinned && available.includes(pinned) ? pinned : undefined);
  const forcedBy = opts.force ? 'requested' : envForce ? `forced by SEQLAB_KERNEL=${envForce}` : 'the path the checkpoint was trained on';

  if (force) {
    const k = (await load(force)) ?? null;
    const path = k ? force : available[0];
    current = k ?? loaded.get(path) ?? tsKernel;
    const why = k ? forcedBy : `${force} was ${forcedBy} but is unavailable (${notes.find((n) => n.startsWith(`${force}:`)) ?? 'did not load'}); running on ${current.path}`;
    if (!k) kernelNotice(why);
    info = { path: current.path, available, notes, why };
    selected = true;
    if (resume !== undefined && resume !== current.path) resumeNotice(resume, current.path);
    return kernelInfo();
  }

  const key = `${process.platform}-${process.arch}-${process.versions.node}-${available.join(',')}`;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const file = cacheDir ? join(cacheDir, 'seqlab-kernel-path.json') : null;
  let remembered = false;
  let result = opts.remeasure ? undefined : memo.result;
  if (!result && file && !opts.remeasure && existsSync(file)) {
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; best?: KernelPath; timingsMs?: Partial<Record<KernelPath, number>> };
      if (j.key === key && j.best && available.includes(j.best)) {
        result = { best: j.best, timingsMs: j.timingsMs ?? {} };
        remembered = true;
      }
    } catch {
      /* re-measure */
    }
  } else if (result) {
    remembered = true;
  }
  if (!result || !available.includes(result.best)) {
    const timingsMs: Partial<Record<KernelPath, number>> = {};
    // The TS path is slow by design; only measure it when nothing else loaded.
    const candidates = available.length > 1 ? available.filter((p) => p !== 'ts') : available;
    for (const p of candidates) {
      const k = loaded.get(p) ?? tsKernel;
      try {
        timeKernel(k, 60); // warm-up (V8's optimising tier, worker start)
        timingsMs[p] = timeKernel(k, 250);
      } catch (e) {
        notes.push(`${p}: failed while measuring: ${(e as Error).message}`);
      }
    }
    const best = (Object.entries(timingsMs) as [KernelPath, number][]).sort((a, b) => a[1] - b[1])[0]?.[0] ?? 'ts';
    result = { best, timingsMs };
    remembered = false;
    if (file) {
      try {
        mkdirSync(cacheDir!, { recursive: true });
        writeFileSync(file, JSON.stringify({ key, best, timingsMs }, null, 2));
      } catch {
        /* an unwritable cache directory only costs a re-measurement next time */
      }
    }
  }
  memo.result = result;
  current = loaded.get(result.best) ?? tsKernel;
  const order = [...available].sort((a, b) => (result!.timingsMs[a] ?? Infinity) - (result!.timingsMs[b] ?? Infinity));
  const why = [`fastest ${remembered ? 'as measured before' : 'measured'}`, ...whyNotFaster(current.path, available, result.timingsMs)].join('; ');
  info = { path: current.path, available: order, timingsMs: result.timingsMs, remembered, notes, why };
  selected = true;
  if (resume !== undefined && resume !== current.path) resumeNotice(resume, current.path);
  return kernelInfo();
}

/** A resumed run that cannot continue on its checkpoint's path says so. */
function resumeNotice(was: KernelPath | null, now: KernelPath): void {
  kernelNotice(
    was
      ? `the checkpoint was trained on the ${was} kernel path, which is unavailable here (${notes.find((n) => n.startsWith(`${was}:`)) ?? 'did not load'}); resuming on ${now}, so the numbers will not match an uninterrupted run bit for bit`
      : `the checkpoint does not record its kernel path (saved by an older Seqlab); resuming on ${now}, which may differ from the one it was trained on`,
  );
}

/** Makes `path` current if it is loaded (or loads synchronously-available ones); for tests and the bench. */
export async function useKernelPath(path: KernelPath): Promise<boolean> {
  const k = await load(path);
  if (!k) return false;
  current = k;
  info = { ...info, path };
  return true;
}

/** The loaded kernel for a path, if any (bench/tests compare paths side by side). */
export async function getKernel(path: KernelPath): Promise<RecurrentKernel | null> {
  return load(path);
}

export function isSelected(): boolean {
  return selected;
}

/** Stops worker threads and frees kernel memory; the TS path stays usable. */
export function disposeKernels(): void {
  for (const k of loaded.values()) k.dispose?.();
  loaded.clear();
  disposeWasm();
  bufferPool.clear();
  for (let i = notes.length - 1; i >= 0; i--) if (notes[i].startsWith('wasm module:')) notes.splice(i, 1);
  current = tsKernel;
  info = { path: 'ts', available: ['ts'], notes };
  selected = false;
  pinned = null;
  memo.result = undefined;
}
