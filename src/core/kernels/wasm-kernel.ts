/**
 * WASM SIMD path of the fused recurrent kernels (C in ./wasm/rnn_wasm.c + native/src/rnn_core.h,
 * prebuilt .wasm committed beside it; `npm run build:kernels` rebuilds). One shared
 * WebAssembly.Memory; optionally a second worker thread runs half the batch rows (forward and
 * BPTT) and half the weight-gradient panels, synchronised through atomics in that memory:
 * spinning while work is expected, sleeping (Atomics.wait) when idle.
 *
 * Relaxed-SIMD FMA is used when the engine validates it (Node ≥ 22, current Electron).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { backwardShape, forwardShape, KIND_CODE, NR, panelPad } from './shape';
import type { BackwardResult, CellKind, CellWeights, Dims, ForwardCache, ForwardOptions, ForwardResult, KernelPath, RecurrentKernel, SeqInput } from './types';

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, as linked (--max-memory)

/** Field slots (i32) of the C args struct, in declaration order. */
const F = {
  kind: 0, T: 1, B: 2, I: 3, H: 4, ids: 5, need_cache: 6,
  x: 8, tok: 9, h0: 10, c0: 11, wx: 12, b: 13, wxp: 14, whp: 15,
  hs: 16, acts: 17, rh: 18, cs: 19, tcs: 20, scratch: 21,
  dhs: 22, dhT: 23, dcT: 24, dh: 25, dc: 26, dhp: 27, dcp: 28, drh: 29,
  dA: 30, dApk: 31, whtp: 32, whtp2: 33, wxtp: 34, dx: 35,
  hpT: 36, rhT: 37, xT: 38, dwx: 39, dwh: 40, db: 41,
} as const;
const ARGS_SLOTS = 42;

interface Exports {
  heap_base(): number;
  panels(kind: number, H: number): number;
  forward(args: number, b0: number, b1: number): void;
  backward(args: number, b0: number, b1: number): void;
  wgrad(args: number, p0: number, p1: number): void;
  pack_forward(args: number, wh: number, whp: number, wxp: number): void;
  pack_backward(args: number, wh: number, whtp: number, whtp2: number, wxtp: number): void;
  __stack_pointer: WebAssembly.Global;
}

/** Directories searched for the .wasm files: beside the bundle (dist/wasm) or the source tree. */
function wasmDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.SEQLAB_WASM_DIR) dirs.push(process.env.SEQLAB_WASM_DIR);
  if (typeof __dirname !== 'undefined') dirs.push(join(__dirname, 'wasm'), __dirname);
  dirs.push(join(process.cwd(), 'src/core/kernels/wasm'), join(process.cwd(), 'dist/wasm'));
  return dirs;
}

function findWasm(name: string): string | null {
  for (const d of wasmDirs()) {
    const f = join(d, name);
    if (existsSync(f)) return f;
  }
  return null;
}

// ------------------------------------------------------------------ memory allocator

class Heap {
  private free: { off: number; size: number }[] = [];
  private top: number;
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = (base + 63) & ~63;
  }
  alloc(bytes: number): number {
    const size = (Math.max(bytes, 4) + 63) & ~63;
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size >= size) {
        const off = f.off;
        if (f.size === size) this.free.splice(i, 1);
        else {
          f.off += size;
          f.size -= size;
        }
        return off;
      }
    }
    const off = this.top;
    const end = off + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new Error('fused recurrent (wasm): out of memory (2 GiB)');
      this.memory.grow(pages);
    }
    this.top = end;
    this.peak = Math.max(this.peak, end);
    return off;
  }
  release(off: number, bytes: number): void {
    const size = (Math.max(bytes, 4) + 63) & ~63;
    this.free.push({ off, size });
    this.free.sort((a, b) => a.off - b.off);
    const merged: { off: number; size: number }[] = [];
    for (const f of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.off + last.size === f.off) last.size += f.size;
      else merged.push({ ...f });
    }
    // give the topmost block back to the bump pointer
    const last = merged[merged.length - 1];
    if (last && last.off + last.size === this.top) {
      this.top = last.off;
      merged.pop();
    }
    this.free = merged;
  }
  peak = 0;
  get bytesInUse(): number {
    return this.top - this.free.reduce((s, f) => s + f.size, 0);
  }
}

/** A set of buffers allocated as one block. */
class Block {
  readonly off: number;
  private readonly size: number;
  readonly at: Record<string, number> = {};
  private released = false;
  constructor(
    private readonly heap: Heap,
    parts: [string, number][],
  ) {
    let total = 0;
    const rel: Record<string, number> = {};
    for (const [name, bytes] of parts) {
      if (bytes <= 0) continue;
      rel[name] = total;
      total += (bytes + 63) & ~63;
    }
    this.size = total;
    this.off = heap.alloc(total);
    for (const k of Object.keys(rel)) this.at[k] = this.off + rel[k];
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.heap.release(this.off, this.size);
  }
}

// ------------------------------------------------------------------ second thread

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, ctl: ctlOff, stackTop } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory } });
const ex = inst.exports;
ex.__stack_pointer.value = stackTop;
const ctl = new Int32Array(memory.buffer, ctlOff, 16);
Atomics.store(ctl, 7, 1); // ready
Atomics.notify(ctl, 7);
let seen = Atomics.load(ctl, 0);
for (;;) {
  let s = Atomics.load(ctl, 0);
  if (s === seen) {
    const t0 = performance.now();
    let n = 0;
    while ((s = Atomics.load(ctl, 0)) === seen) {
      if ((++n & 1023) === 0 && performance.now() - t0 > ctl[8] / 1000) {
        Atomics.wait(ctl, 0, seen);
      }
    }
  }
  seen = s;
  if (Atomics.load(ctl, 6)) break;
  const op = ctl[2], a = ctl[3], lo = ctl[4], hi = ctl[5];
  try {
    if (op === 1) ex.forward(a, lo, hi);
    else if (op === 2) ex.backward(a, lo, hi);
    else if (op === 3) ex.wgrad(a, lo, hi);
  } catch (e) {
    Atomics.store(ctl, 9, 1);
  }
  Atomics.store(ctl, 1, s);
}
parentPort.close();
`;

class Helper {
  private worker: Worker | null;
  private ctl: Int32Array;
  private seq = 0;
  private dead = false;
  constructor(
    private readonly engine: WasmEngine,
    private readonly ctlOff: number,
    stackTop: number,
    spinMicros: number,
  ) {
    this.ctl = new Int32Array(engine.memory.buffer, ctlOff, 16);
    this.ctl.fill(0);
    this.ctl[8] = spinMicros;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: engine.module, memory: engine.memory, ctl: ctlOff, stackTop },
    });
    this.worker.unref();
    this.worker.on('error', () => {
      this.dead = true;
    });
    this.worker.on('exit', () => {
      this.dead = true;
    });
  }
  /** Waits (≤ ms) until the worker has instantiated the module. */
  async ready(ms = 5000): Promise<boolean> {
    const t0 = Date.now();
    while (Atomics.load(this.ctl, 7) !== 1) {
      if (this.dead || Date.now() - t0 > ms) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }
  get usable(): boolean {
    return !this.dead && Atomics.load(this.ctl, 7) === 1;
  }
  /** Starts op on the worker for [lo, hi); returns a function that waits for it. */
  start(op: number, args: number, lo: number, hi: number): () => void {
    const ctl = this.ctl;
    ctl[2] = op;
    ctl[3] = args;
    ctl[4] = lo;
    ctl[5] = hi;
    const s = (this.seq = (this.seq + 1) | 0) === 0 ? (this.seq = 1) : this.seq;
    Atomics.store(ctl, 0, s);
    Atomics.notify(ctl, 0);
    return () => {
      while (Atomics.load(ctl, 1) !== s) {
        /* spin: the worker finishes its half about when we finish ours */
      }
      if (Atomics.load(ctl, 9)) {
        ctl[9] = 0;
        throw new Error('fused recurrent (wasm worker): kernel trapped');
      }
    };
  }
  dispose(): void {
    if (!this.worker) return;
    Atomics.store(this.ctl, 6, 1);
    Atomics.store(this.ctl, 0, (this.seq + 1) | 0);
    Atomics.notify(this.ctl, 0);
    void this.worker.terminate();
    this.worker = null;
    this.dead = true;
  }
}

// ------------------------------------------------------------------ engine

export interface WasmEngineOptions {
  /** prefer relaxed-SIMD FMA when the engine supports it (default true) */
  relaxed?: boolean;
}

export class WasmEngine {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly ex: Exports;
  readonly heap: Heap;
  readonly relaxed: boolean;
  private helper: Helper | null = null;
  private readonly argsOff: number;
  private readonly finalizer = new FinalizationRegistry<Block>((b) => b.release());

  constructor(opts: WasmEngineOptions = {}) {
    let file: string | null = null;
    let relaxed = false;
    if (opts.relaxed !== false) {
      const f = findWasm('rnn_relaxed.wasm');
      if (f && WebAssembly.validate(readFileSync(f))) {
        file = f;
        relaxed = true;
      }
    }
    if (!file) file = findWasm('rnn_simd.wasm');
    if (!file) throw new Error('rnn_simd.wasm not found (searched ' + wasmDirs().join(', ') + ')');
    const bytes = readFileSync(file);
    if (!WebAssembly.validate(bytes)) throw new Error('this engine cannot run WASM SIMD128 with shared memory');
    this.module = new WebAssembly.Module(bytes);
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const inst = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.ex = inst.exports as unknown as Exports;
    this.relaxed = relaxed;
    this.heap = new Heap(this.memory, this.ex.heap_base());
    this.argsOff = this.heap.alloc(ARGS_SLOTS * 4 * 4); // room for a few arg blocks
  }

  /** Starts the second thread; resolves false when it cannot start. */
  async startHelper(spinMicros = 2000): Promise<boolean> {
    if (this.helper?.usable) return true;
    const ctl = this.heap.alloc(64);
    const stack = this.heap.alloc(256 * 1024);
    this.helper = new Helper(this, ctl, stack + 256 * 1024, spinMicros);
    const ok = await this.helper.ready();
    if (!ok) {
      this.helper.dispose();
      this.helper = null;
    }
    return ok;
  }

  get threads(): number {
    return this.helper?.usable ? 2 : 1;
  }

  f32(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }
  i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** Runs op over [0, n), halves on two threads when `split` and the helper is up. */
  run(op: 1 | 2 | 3, args: number, n: number, split: boolean): void {
    const fn = op === 1 ? this.ex.forward : op === 2 ? this.ex.backward : this.ex.wgrad;
    if (split && n >= 2 && this.helper?.usable) {
      const mid = n >> 1;
      const wait = this.helper.start(op, args, mid, n);
      fn(args, 0, mid);
      wait();
    } else {
      fn(args, 0, n);
    }
  }

  track(owner: object, block: Block): void {
    this.finalizer.register(owner, block, block);
  }
  untrack(block: Block): void {
    this.finalizer.unregister(block);
  }

  writeArgs(slot: number, fields: Partial<Record<keyof typeof F, number>>): number {
    const off = this.argsOff + slot * ARGS_SLOTS * 4;
    const v = this.i32();
    const base = off >> 2;
    v.fill(0, base, base + ARGS_SLOTS);
    for (const [k, val] of Object.entries(fields)) v[base + F[k as keyof typeof F]] = val ?? 0;
    return off;
  }

  dispose(): void {
    this.helper?.dispose();
    this.helper = null;
  }
}

// ------------------------------------------------------------------ kernel

interface WasmCache extends ForwardCache {
  block: Block;
  w: CellWeights;
  ids: boolean;
  consumed: boolean;
}

/** Minimum multiply-adds per call before the second thread is worth waking. */
const SPLIT_MIN_WORK = 2e5;

/** Packed forward weights kept for repeated calls with the same arrays (generation). */
interface PackedWeights {
  wx: Float32Array; wh: Float32Array; b: Float32Array; kind: CellKind; ids: boolean; block: Block;
}
const PACK_CACHE = 4;

export class WasmKernel implements RecurrentKernel {
  private packed: PackedWeights[] = [];
  constructor(
    readonly engine: WasmEngine,
    readonly path: KernelPath,
    private readonly useThreads: boolean,
  ) {}

  forward(kind: CellKind, dims: Dims, input: SeqInput, h0: Float32Array, c0: Float32Array | null, w: CellWeights, opts: ForwardOptions = {}): ForwardResult {
    const { T, B, I, H, N } = forwardShape(kind, dims, input, h0, c0, w);
    const e = this.engine;
    const ids = input instanceof Int32Array;
    const P = e.ex.panels(KIND_CODE[kind], H);
    const lstm = kind === 'lstm';
    const TBH = T * B * H;
    // what backward needs stays in `keep`; the rest is released at the end of this call
    const keep = new Block(e.heap, [
      ['x', ids ? 0 : T * B * I * 4],
      ['tok', ids ? T * B * 4 : 0],
      ['h0', B * H * 4],
      ['c0', lstm ? B * H * 4 : 0],
      ['hs', TBH * 4],
      ['acts', kind === 'rnn' ? 0 : T * B * N * 4],
      ['rh', kind === 'gru' ? TBH * 4 : 0],
      ['cs', lstm ? TBH * 4 : 0],
      ['tcs', lstm ? TBH * 4 : 0],
    ]);
    let hit = this.packed.find((p) => p.wx === w.wx && p.wh === w.wh && p.b === w.b && p.kind === kind && p.ids === ids);
    const fresh = !hit;
    if (!hit) {
      hit = {
        wx: w.wx, wh: w.wh, b: w.b, kind, ids,
        block: new Block(e.heap, [
          ['wx', I * N * 4],
          ['wh', H * N * 4],
          ['b', N * 4],
          ['whp', P * NR * H * 4],
          ['wxp', ids ? 0 : panelPad(N) * I * 4],
        ]),
      };
      this.packed.unshift(hit);
      while (this.packed.length > PACK_CACHE) this.packed.pop()!.block.release();
    } else {
      this.packed.splice(this.packed.indexOf(hit), 1);
      this.packed.unshift(hit);
    }
    const tmp = new Block(e.heap, [['scratch', B * N * 4]]);
    const k = keep.at, m = { ...hit.block.at, ...tmp.at };
    try {
      const f = e.f32();
      if (ids) e.i32().set(input, k.tok >> 2);
      else f.set(input, k.x >> 2);
      f.set(h0, k.h0 >> 2);
      if (lstm) f.set(c0!, k.c0 >> 2);
      if (fresh) {
        f.set(w.wx, m.wx >> 2);
        f.set(w.wh, m.wh >> 2);
        f.set(w.b, m.b >> 2);
      }
      const args = e.writeArgs(0, {
        kind: KIND_CODE[kind], T, B, I, H, ids: ids ? 1 : 0, need_cache: 1,
        x: k.x ?? 0, tok: k.tok ?? 0, h0: k.h0, c0: k.c0 ?? 0, wx: m.wx, b: m.b, wxp: m.wxp ?? 0, whp: m.whp,
        hs: k.hs, acts: k.acts ?? 0, rh: k.rh ?? 0, cs: k.cs ?? 0, tcs: k.tcs ?? 0, scratch: m.scratch,
      });
      if (fresh) e.ex.pack_forward(args, m.wh, m.whp, m.wxp ?? 0);
      const split = this.useThreads && B >= 2 && T * B * H * N >= SPLIT_MIN_WORK;
      e.run(1, args, B, split);
      const g = e.f32();
      const hs = g.slice(k.hs >> 2, (k.hs >> 2) + TBH);
      const hT = hs.slice((T - 1) * B * H);
      const cT = lstm ? g.slice((k.cs >> 2) + (T - 1) * B * H, (k.cs >> 2) + TBH) : null;
      tmp.release();
      if (opts.cache === false) {
        keep.release();
        return { hs, hT, cT, cache: null };
      }
      const cache: WasmCache = { kind, dims: { ...dims }, path: this.path, block: keep, w, ids, consumed: false };
      e.track(cache, keep);
      return { hs, hT, cT, cache };
    } catch (err) {
      tmp.release();
      keep.release();
      throw err;
    }
  }

  backward(cacheIn: ForwardCache, dhs: Float32Array, dhT: Float32Array | null, dcT: Float32Array | null): BackwardResult {
    const c = cacheIn as WasmCache;
    if (c.consumed) throw new Error('fused recurrent (wasm): backward called twice on one forward');
    const e = this.engine;
    const { kind, w, ids } = c;
    const { T, B, I, H, N } = backwardShape(c, dhs);
    const TB = T * B;
    const lstm = kind === 'lstm';
    const gru = kind === 'gru';
    const P = e.ex.panels(KIND_CODE[kind], H);
    const Hp = panelPad(H);
    const Ip = panelPad(I);
    const tmp = new Block(e.heap, [
      ['wx', I * N * 4],
      ['wh', H * N * 4],
      ['whtp', (gru ? 2 * H : N) * Hp * 4],
      ['whtp2', gru ? H * Hp * 4 : 0],
      ['wxtp', ids ? 0 : N * Ip * 4],
      ['dhs', TB * H * 4],
      ['dhT', dhT ? B * H * 4 : 0],
      ['dcT', dcT ? B * H * 4 : 0],
      ['dh', B * H * 4],
      ['dc', lstm ? B * H * 4 : 0],
      ['dhp', B * H * 4],
      ['dcp', lstm ? B * H * 4 : 0],
      ['drh', gru ? B * H * 4 : 0],
      ['dA', TB * N * 4],
      ['dApk', P * NR * TB * 4],
      ['dx', ids ? 0 : TB * I * 4],
      ['hpT', H * TB * 4],
      ['rhT', gru ? H * TB * 4 : 0],
      ['xT', ids ? 0 : I * TB * 4],
      ['dwx', I * N * 4],
      ['dwh', H * N * 4],
      ['db', N * 4],
    ]);
    const k = c.block.at, m = tmp.at;
    try {
      const f = e.f32();
      f.set(w.wx, m.wx >> 2);
      f.set(w.wh, m.wh >> 2);
      f.set(dhs, m.dhs >> 2);
      if (dhT) f.set(dhT, m.dhT >> 2);
      if (dcT && lstm) f.set(dcT, m.dcT >> 2);
      const args = e.writeArgs(1, {
        kind: KIND_CODE[kind], T, B, I, H, ids: ids ? 1 : 0, need_cache: 1,
        x: k.x ?? 0, tok: k.tok ?? 0, h0: k.h0, c0: k.c0 ?? 0, wx: m.wx, b: 0, wxp: 0, whp: 0,
        hs: k.hs, acts: k.acts ?? 0, rh: k.rh ?? 0, cs: k.cs ?? 0, tcs: k.tcs ?? 0, scratch: 0,
        dhs: m.dhs, dhT: m.dhT ?? 0, dcT: lstm ? (m.dcT ?? 0) : 0, dh: m.dh, dc: m.dc ?? 0, dhp: m.dhp, dcp: m.dcp ?? 0, drh: m.drh ?? 0,
        dA: m.dA, dApk: m.dApk, whtp: m.whtp, whtp2: m.whtp2 ?? 0, wxtp: m.wxtp ?? 0, dx: m.dx ?? 0,
        hpT: m.hpT, rhT: m.rhT ?? 0, xT: m.xT ?? 0, dwx: m.dwx, dwh: m.dwh, db: m.db,
      });
      e.ex.pack_backward(args, m.wh, m.whtp, m.whtp2 ?? 0, m.wxtp ?? 0);
      const split = this.useThreads && T * B * H * N >= SPLIT_MIN_WORK;
      e.run(2, args, B, split && B >= 2);
      e.run(3, args, P, split);
      const g = e.f32();
      const get = (off: number, n: number) => g.slice(off >> 2, (off >> 2) + n);
      return {
        dx: ids ? null : get(m.dx, TB * I),
        dh0: get(m.dh, B * H),
        dc0: lstm ? get(m.dc, B * H) : null,
        dwx: get(m.dwx, I * N),
        dwh: get(m.dwh, H * N),
        db: get(m.db, N),
      };
    } finally {
      tmp.release();
      c.consumed = true;
      e.untrack(c.block);
      c.block.release();
    }
  }

  /** Forgets packed weights (they are re-packed on the next call). */
  clearPacked(): void {
    for (const p of this.packed) p.block.release();
    this.packed = [];
  }

  dispose(): void {
    this.clearPacked();
    this.engine.dispose();
  }
}

let engine: WasmEngine | null = null;

function getEngine(): WasmEngine {
  if (!engine) engine = new WasmEngine();
  return engine;
}

/** Single-thread WASM SIMD kernel (throws when the .wasm is missing or SIMD is unsupported). */
export function loadWasmKernel(): WasmKernel {
  return new WasmKernel(getEngine(), 'wasm-simd', false);
}

/** Two-thread WASM SIMD kernel; null when the worker cannot start. */
export async function loadWasmThreadsKernel(): Promise<WasmKernel | null> {
  const e = getEngine();
  if (!(await e.startHelper())) return null;
  return new WasmKernel(e, 'wasm-simd-threads', true);
}

export function wasmEngineInfo(): { relaxed: boolean; threads: number; bytesInUse: number; peakBytes: number } | null {
  return engine ? { relaxed: engine.relaxed, threads: engine.threads, bytesInUse: engine.heap.bytesInUse, peakBytes: engine.heap.peak } : null;
}

export function disposeWasm(): void {
  engine?.dispose();
  engine = null;
}
