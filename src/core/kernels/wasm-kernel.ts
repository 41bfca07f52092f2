/**
 * WASM SIMD path of the fused recurrent kernels (C in ./wasm/rnn_wasm.c + native/src/rnn_core.h,
 * prebuilt .wasm committed beside it; `npm run build:kernels` rebuilds). One shared
 * WebAssembly.Memory; optionally a second worker thread runs half the batch rows (forward and
 * BPTT) and half the weight-gradient panels, synchronised through atomics in that memory:
 * spinning while work is expected, sleeping (Atomics.wait) when idle.
 *
 * Relaxed-SIMD FMA is used when the engine validates it (Node ≥ 22, current Electron; Node 20
 * after setting V8's --experimental-wasm-relaxed-simd at run time) and its results pass a
 * start-up check against the TypeScript reference; otherwise plain SIMD128.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { bufferPool } from './buffer-pool';
import { ARGS_SLOT, ARGS_SLOTS, DARGS_INTS, DARGS_PTRS } from './layout';
import { CTL_INTS, Helper, MAX_PIECES, type HelperHooks } from './wasm-helper';
import { pathDisagreement } from './path-check';
import { backwardShape, checkDense, checkEmbedding, checkHeadLoss, checkRowBias, checkXent, forwardShape, HEAD_COLS, kindCode, NR, panelPad } from './shape';
import { BEAM_K_MAX, type AdamStepArgs, type BackwardResult, type BeamRows, type CellKind, type CellWeights, type DenseDims, type DenseGrads, type DenseOptions, type Dims, type ForwardCache, type ForwardOptions, type ForwardResult, type HeadXentResult, type KernelPath, type RecurrentKernel, type SeqInput, type XentResult } from './types';

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, as linked (--max-memory)

/** Field slots (i32) of the C args struct and the dense layer's fields (./layout.json). */
const F = ARGS_SLOT;
type ArgField = string;
const DENSE_FIELDS = DARGS_PTRS;
type DenseField = string;
/** Args slot (of ARGS_SLOTS i32 each) the dense layer uses: 0 and 1 are forward / backward's. */
const DENSE_ARGS_SLOT = 2;

interface Exports {
  heap_base(): number;
  panels(kind: number, H: number): number;
  forward(args: number, b0: number, b1: number): void;
  backward(args: number, b0: number, b1: number): void;
  wgrad(args: number, p0: number, p1: number): void;
  xproj(args: number, m0: number, m1: number): void;
  dx(args: number, m0: number, m1: number): void;
  pack_forward(args: number, wh: number, whp: number, wxp: number): void;
  pack_backward(args: number, wh: number, whtp: number, whtp2: number, wxtp: number): void;
  dense_pack(args: number): void;
  dense_forward(args: number, r0: number, r1: number): void;
  dense_backward_prep(args: number): void;
  dense_backward(args: number, lo: number, hi: number): void;
  /** absent in modules built before it */
  dense_xent?(args: number, r0: number, r1: number): void;
  __stack_pointer: WebAssembly.Global;
  /** nn.Embedding (native/src/embedding_core.h): -1, or the position of an id outside [0, V); absent in modules built before it */
  embedding_gather?(n: number, E: number, V: number, table: number, ids: number, out: number): number;
  embedding_scatter?(n: number, E: number, V: number, ids: number, dy: number, dtable: number): number;
  /** the LM head and its loss in one pass (native/src/lm_head_core.h): -1, or the row of a label outside [0, V) */
  head_xent?(N: number, D: number, V: number, grads: number, a: number, w: number, b: number, lab: number, stat: number, picked: number,
    dA: number, dW: number, db: number, wp: number, wtp: number, L: number, gp: number, ps: number): number;
  /** global-norm clipping and Adam (native/src/adam_core.h); absent in modules built before it */
  adam_sizes?(out: number): void;
  adam_set_array?(arr: number, k: number, p: number, g: number, m: number, v: number, n: number): void;
  adam_chunks?(arr: number, narrays: number): number;
  adam_init?(job: number, arr: number, narrays: number, chunks: number, partial: number, b1: number, b2: number, a: number, ib2: number, eps: number): number;
  adam_pieces?(job: number, lo: number, hi: number): void;
  adam_norm?(job: number, theta: number): number;
  /** a decoder step's top-k and log-softmax pieces (native/src/beam_core.h); absent in modules built before it */
  beam_rows?(n: number, V: number, K: number, logits: number, top: number, mx: number, sum: number): void;
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

// ------------------------------------------------------------------ engine

export interface WasmEngineOptions {
  /** prefer relaxed-SIMD FMA when the engine supports it (default true; SEQLAB_WASM_RELAXED=off: false) */
  relaxed?: boolean;
  /** tests: stands in for WebAssembly.validate on the relaxed module */
  validateRelaxed?: (bytes: Uint8Array<ArrayBuffer>) => boolean;
  /** tests: stands in for v8.setFlagsFromString */
  setV8Flag?: (flag: string) => void;
}

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
let relaxedFlagSet = false;

/**
 * Whether this engine runs the relaxed-SIMD module. Node 20 (V8 11.3) ships relaxed SIMD
 * behind a flag that V8 also accepts at run time, before the module is compiled; newer Node
 * and Electron validate it as is. Returns how it was enabled, or why not.
 */
function relaxedSupport(bytes: Uint8Array<ArrayBuffer>, opts: WasmEngineOptions): { ok: boolean; how: string } {
  const validate = opts.validateRelaxed ?? ((b: Uint8Array<ArrayBuffer>) => WebAssembly.validate(b));
  if (validate(bytes)) return { ok: true, how: 'relaxed-SIMD FMA' };
  if (!relaxedFlagSet || opts.setV8Flag) {
    try {
      (opts.setV8Flag ?? setFlagsFromString)(RELAXED_FLAG);
      relaxedFlagSet = !opts.setV8Flag;
    } catch {
      /* no flag API (an embedder without it): stay on SIMD128 */
    }
    if (validate(bytes)) return { ok: true, how: `relaxed-SIMD FMA (enabled with ${RELAXED_FLAG})` };
  }
  return { ok: false, how: 'SIMD128 (this engine does not support relaxed SIMD)' };
}

export class WasmEngine {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly ex: Exports;
  readonly heap: Heap;
  readonly relaxed: boolean;
  /** which module runs, in a few words ("relaxed-SIMD FMA", "SIMD128 (…why…)") */
  variant: string;
  private helper: Helper | null = null;
  private readonly argsOff: number;
  private readonly finalizer = new FinalizationRegistry<Block>((b) => b.release());

  constructor(opts: WasmEngineOptions = {}) {
    let file: string | null = null;
    let relaxed = false;
    let variant = 'SIMD128 (relaxed SIMD switched off)';
    if (opts.relaxed !== false && process.env.SEQLAB_WASM_RELAXED !== 'off') {
      const f = findWasm('rnn_relaxed.wasm');
      const r = f ? relaxedSupport(readFileSync(f), opts) : { ok: false, how: 'SIMD128 (rnn_relaxed.wasm not found)' };
      variant = r.how;
      if (r.ok) {
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
    this.variant = variant;
    this.heap = new Heap(this.memory, this.ex.heap_base());
    this.argsOff = this.heap.alloc(ARGS_SLOTS * 4 * 4); // room for a few arg blocks
  }

  /** Starts the second thread; resolves false when it cannot start (`hooks`: tests only). */
  async startHelper(spinMicros = 2000, hooks?: HelperHooks): Promise<boolean> {
    if (this.helper?.usable) return true;
    this.helper?.dispose();
    const ctl = this.heap.alloc(CTL_INTS * 4);
    const stack = this.heap.alloc(256 * 1024);
    this.helper = new Helper(this, ctl, stack + 256 * 1024, spinMicros, hooks);
    const ok = await this.helper.ready();
    if (!ok) {
      this.helper.dispose();
      this.helper = null;
    }
    return ok;
  }

  /** The second thread, when started (tests: the protocol's stress test). */
  get helperThread(): Helper | null {
    return this.helper;
  }

  get threads(): number {
    return this.helper?.usable ? 2 : 1;
  }

  f32(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }
  /** Copies arrays into the heap: [byte offset, array] pairs (null arrays are skipped). */
  put(...pairs: [number, Float32Array | Int32Array | null | undefined][]): void {
    const f = this.f32(), i = this.i32();
    for (const [off, a] of pairs) if (a) (a instanceof Int32Array ? i : f).set(a, off >> 2);
  }
  /** A pooled copy of n floats at byte offset `off` (the caller owns it, see ./buffer-pool.ts). */
  copyOut(off: number, n: number): Float32Array {
    return bufferPool.copyOf(this.f32().subarray(off >> 2, (off >> 2) + n));
  }
  i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /**
   * Runs op (1 forward rows, 2 backward rows, 3 weight-gradient panels, 4 dense rows, 5 dense
   * backward parts, 6 Adam's chunks, 7 every step's input projection, 8 every step's dx) over
   * [0, n) in pieces of `chunk` that both threads claim when `split` and the helper is up (./wasm-helper.ts).
   */
  runPieces(op: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8, args: number, n: number, chunk: number, split: boolean): void {
    const ex = this.ex;
    const fn = op === 1 ? ex.forward : op === 2 ? ex.backward : op === 3 ? ex.wgrad : op === 4 ? ex.dense_forward : op === 5 ? ex.dense_backward : op === 6 ? ex.adam_pieces! : op === 7 ? ex.xproj : ex.dx;
    chunk = Math.max(chunk, Math.ceil(n / MAX_PIECES));
    if (split && n > chunk && this.helper?.usable) this.helper.runPieces(op, args, n, chunk, (lo, hi) => fn(args, lo, hi));
    else fn(args, 0, n);
  }

  /** Runs op over [0, n) as two pieces (the dense layer) when `split` and the helper is up. */
  run(op: 4 | 5, args: number, n: number, split: boolean): void {
    this.runPieces(op, args, n, Math.ceil(n / 2), split && n >= 2);
  }

  /** Views of the heap handed out by resident() (a shared memory's views stay valid when it grows). */
  private readonly residentViews = new WeakSet<Float32Array>();
  /**
   * `a` itself when it is a view of this heap that resident() made, else such a view holding a
   * copy of it, freed when the view is collected (adamClip's parameters and moments).
   */
  resident(a: Float32Array): Float32Array {
    if (this.residentViews.has(a)) return a;
    const block = new Block(this.heap, [['x', a.length * 4]]);
    const view = new Float32Array(this.memory.buffer, block.at.x, a.length);
    view.set(a);
    this.residentViews.add(view);
    this.track(view, block);
    return view;
  }

  /** Allocates heap bytes for good (tests). */
  alloc(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  track(owner: object, block: Block): void {
    this.finalizer.register(owner, block, block);
  }
  untrack(block: Block): void {
    this.finalizer.unregister(block);
  }

  /** Writes the dense layer's args struct; returns its offset. */
  writeDenseArgs(ints: [number, number, number, number], ptrs: Partial<Record<DenseField, number>>): number {
    const off = this.argsOff + DENSE_ARGS_SLOT * ARGS_SLOTS * 4;
    const v = this.i32();
    const base = off >> 2;
    v.set(ints, base);
    DENSE_FIELDS.forEach((f, i) => (v[base + DARGS_INTS + i] = ptrs[f] ?? 0));
    return off;
  }

  writeArgs(slot: number, fields: Partial<Record<ArgField, number>>): number {
    const off = this.argsOff + slot * ARGS_SLOTS * 4;
    const v = this.i32();
    const base = off >> 2;
    v.fill(0, base, base + ARGS_SLOTS);
    for (const [k, val] of Object.entries(fields)) {
      const at = F[k];
      if (at === undefined) throw new Error(`writeArgs: no field ${k} in the layout`);
      v[base + at] = val ?? 0;
    }
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
  /** forward had a per-row input term: backward returns its gradient */
  rowBias: boolean;
}

/**
 * Rows per piece of the recurrent phases: both threads stream all of W_hh per piece, so pieces
 * stay large (two per thread at most); the weight gradients go in pieces of 4 panels.
 */
const rowChunk = (B: number): number => Math.max(8, B <= 32 ? Math.ceil(B / 2) : Math.ceil(B / 4));
/** Rows of all T·B per piece of the whole-sequence input products (native/src/addon.c seq_row_chunk). */
const seqRowChunk = (TB: number): number => Math.max(128, Math.ceil(Math.ceil(TB / 4) / 8) * 8);

/** Minimum multiply-adds per call before the second thread is worth waking. */
const SPLIT_MIN_WORK = 2e5;

/** Packed forward weights kept for repeated calls with the same arrays (generation). */
interface PackedWeights {
  wx: Float32Array; wh: Float32Array; b: Float32Array; bhn?: Float32Array; kind: CellKind; ids: boolean; block: Block;
}
const PACK_CACHE = 4;

export class WasmKernel implements RecurrentKernel {
  /** PyTorch's GRU variant (kind 3 of native/src/rnn_core.h) */
  readonly resetAfter = true;
  private packed: PackedWeights[] = [];
  /**
   * N·D·V from which the dense layer (LM head) splits across both threads. Default: never.
   * Measured at the textbook's head (1120×256×28): splitting saves at most ~0.25 ms per
   * training step with an idle second core, and costs 2–5 ms whenever that core is busy (the
   * helper waits for the scheduler), so one thread runs it. Tests set 0 to exercise the split.
   */
  denseSplitMinWork = Infinity;
  readonly softmaxXent?: (N: number, V: number, logits: Float32Array, labels: Int32Array) => XentResult;
  constructor(
    readonly engine: WasmEngine,
    readonly path: KernelPath,
    private readonly useThreads: boolean,
  ) {
    if (typeof engine.ex.dense_xent === 'function') this.softmaxXent = (N, V, l, y) => this.xent(N, V, l, y);
    if (typeof engine.ex.embedding_gather === 'function' && typeof engine.ex.embedding_scatter === 'function') {
      this.embeddingGather = (V, E, table, ids) => this.embed(1, V, E, table, ids);
      this.embeddingScatter = (V, E, ids, dy) => this.embed(2, V, E, dy, ids);
    }
    if (typeof engine.ex.head_xent === 'function') this.headXent = (d, a, w, b, y, g) => this.headLoss(d, a, w, b, y, g);
    if (typeof engine.ex.adam_pieces === 'function') this.adamClip = (p, g, m, v, step) => this.adam(p, g, m, v, step);
    if (typeof engine.ex.beam_rows === 'function') this.beamRows = (n, V, K, logits) => this.beamScores(n, V, K, logits);
  }

  readonly adamClip?: (params: Float32Array[], grads: readonly Float32Array[], m: Float32Array[], v: Float32Array[], step: AdamStepArgs) => number;
  /** Parameters from which adamClip's chunks run on both threads (as the native kernel's). */
  adamSplitMinParams = 1e5;

  /**
   * adam_core.h on the wasm heap, the chunks of both passes on both threads from
   * adamSplitMinParams. Parameters and moments stay in the heap between calls: the first call
   * replaces params[k], m[k] and v[k] by views of the heap with the same contents (the
   * RecurrentKernel.adamClip contract), so later calls copy only the gradients in (copying
   * p, m and v in and out cost more than the update itself).
   */
  private adam(params: Float32Array[], grads: readonly Float32Array[], m: Float32Array[], v: Float32Array[], s: AdamStepArgs): number {
    const e = this.engine, ex = e.ex, K = params.length;
    const [jobBytes, arrBytes] = this.adamSizes();
    for (let k = 0; k < K; k++) {
      const n = params[k].length;
      if (grads[k].length !== n || m[k].length !== n || v[k].length !== n) throw new Error(`adamClip: array ${k} has ${n} parameters but ${grads[k].length} gradients and ${m[k].length} / ${v[k].length} moments`);
    }
    const data = new Block(e.heap, grads.map((g, k) => [`g${k}`, g.length * 4] as [string, number]));
    const meta = new Block(e.heap, [['arr', K * arrBytes], ['job', jobBytes]]);
    let chunks: Block | null = null;
    try {
      const d = data.at, t = meta.at;
      let total = 0;
      for (let k = 0; k < K; k++) {
        const n = params[k].length;
        if (n) {
          params[k] = e.resident(params[k]);
          m[k] = e.resident(m[k]);
          v[k] = e.resident(v[k]);
          e.put([d[`g${k}`], grads[k]]);
        }
        const at = (x: Float32Array) => (n ? x.byteOffset : 0);
        ex.adam_set_array!(t.arr, k, at(params[k]), d[`g${k}`] ?? 0, at(m[k]), at(v[k]), n);
        total += n;
      }
      const nchunks = ex.adam_chunks!(t.arr, K);
      chunks = new Block(e.heap, [['chunks', 8 * nchunks], ['partial', 8 * nchunks]]);
      ex.adam_init!(t.job, t.arr, K, chunks.at.chunks ?? 0, chunks.at.partial ?? 0, s.beta1, s.beta2, s.a, s.ib2, s.epsilon);
      const split = this.useThreads && total >= this.adamSplitMinParams;
      e.runPieces(6, t.job, nchunks, 1, split);
      const norm = ex.adam_norm!(t.job, s.theta);
      e.runPieces(6, t.job, nchunks, 1, split);
      return norm;
    } finally {
      chunks?.release();
      meta.release();
      data.release();
    }
  }

  private adamStructs: [number, number] | null = null;
  /** sizeof adam_job and adam_array in the module (asked once) */
  private adamSizes(): [number, number] {
    if (!this.adamStructs) {
      const e = this.engine, tmp = new Block(e.heap, [['out', 8]]);
      try {
        e.ex.adam_sizes!(tmp.at.out);
        const i = e.i32();
        this.adamStructs = [i[tmp.at.out >> 2], i[(tmp.at.out >> 2) + 1]];
      } finally {
        tmp.release();
      }
    }
    return this.adamStructs;
  }

  readonly headXent?: (dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, labels: Int32Array, grads: boolean) => HeadXentResult;

  /** lm_head_core.h head_xent on the wasm heap, one thread (its vocabulary chunks one after the other). */
  private headLoss(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, labels: Int32Array, grads: boolean): HeadXentResult {
    checkHeadLoss(d, a, w, b, labels);
    const { N, D, V } = d;
    const e = this.engine;
    const g = grads ? 4 : 0;
    const tmp = new Block(e.heap, [
      ['a', N * D * 4], ['w', D * V * 4], ['b', V * 4], ['lab', N * 4], ['stat', 2 * N * 4], ['picked', N * 4],
      ['da', g * N * D], ['dw', g * D * V], ['db', g * V], ['wp', panelPad(V) * D * 4], ['wtp', g * V * panelPad(D)],
      ['L', N * V * 4], ['gp', g * N * HEAD_COLS], ['ps', 2 * N * 4],
    ]);
    try {
      const m = tmp.at;
      e.put([m.a, a], [m.w, w], [m.b, b], [m.lab, labels]);
      const bad = e.ex.head_xent!(N, D, V, grads ? 1 : 0, m.a, m.w, m.b, m.lab, m.stat, m.picked, m.da ?? 0, m.dw ?? 0, m.db ?? 0, m.wp, m.wtp ?? 0, m.L, m.gp ?? 0, m.ps);
      if (bad >= 0) throw new RangeError(`Label ${labels[bad]} (row ${bad}) is outside the vocabulary of size ${V}, so the cross-entropy loss is undefined.`);
      return {
        stat: e.copyOut(m.stat, 2 * N),
        picked: e.copyOut(m.picked, N),
        grads: grads ? { da: e.copyOut(m.da, N * D), dw: e.copyOut(m.dw, D * V), db: e.copyOut(m.db, V) } : null,
      };
    } finally {
      tmp.release();
    }
  }

  readonly embeddingGather?: (V: number, E: number, table: Float32Array, ids: Int32Array) => Float32Array;
  readonly embeddingScatter?: (V: number, E: number, ids: Int32Array, dy: Float32Array) => Float32Array;

  /**
   * embedding_core.h on the wasm heap, one thread. op 1: src = table [V, E] → out [n, E];
   * op 2: src = dy [n, E] → dtable [V, E]. The copies in and out (the whole table, or its
   * gradient) cost more than the row copies themselves; ./embedding-op.ts says so.
   */
  private embed(op: 1 | 2, V: number, E: number, src: Float32Array, ids: Int32Array): Float32Array {
    const n = ids.length;
    checkEmbedding(V, E, op === 1 ? src.length : V * E, ids, op === 2 ? src.length : undefined);
    const e = this.engine;
    const outLength = op === 1 ? n * E : V * E;
    const tmp = new Block(e.heap, [['src', src.length * 4], ['ids', n * 4], ['out', outLength * 4]]);
    try {
      const m = tmp.at;
      e.put([m.src, src], [m.ids, ids]);
      const bad = op === 1 ? e.ex.embedding_gather!(n, E, V, m.src, m.ids ?? 0, m.out ?? 0) : e.ex.embedding_scatter!(n, E, V, m.ids ?? 0, m.src ?? 0, m.out);
      if (bad >= 0) throw new RangeError(`Embedding: token id ${ids[bad]} (position ${bad}) is outside the vocabulary of size ${V}.`);
      return e.copyOut(m.out, outLength);
    } finally {
      tmp.release();
    }
  }

  /** Softmax cross-entropy (dense_core.h xent_rows), one thread: ~30 µs at the textbook's shapes. */
  private xent(N: number, V: number, logits: Float32Array, labels: Int32Array): XentResult {
    checkXent(N, V, logits, labels);
    const e = this.engine;
    const tmp = new Block(e.heap, [['logits', N * V * 4], ['lab', N * 4], ['grad', N * V * 4], ['stat', 2 * N * 4]]);
    try {
      const m = tmp.at;
      e.put([m.logits, logits], [m.lab, labels]);
      const args = e.writeDenseArgs([N, 0, V, 1], { logits: m.logits, lab: m.lab, grad: m.grad, stat: m.stat });
      e.ex.dense_xent!(args, 0, N);
      return { grad: e.copyOut(m.grad, N * V), stat: e.copyOut(m.stat, 2 * N) };
    } finally {
      tmp.release();
    }
  }

  forward(kind: CellKind, dims: Dims, input: SeqInput, h0: Float32Array, c0: Float32Array | null, w: CellWeights, opts: ForwardOptions = {}): ForwardResult {
    const { T, B, I, H, N } = forwardShape(kind, dims, input, h0, c0, w);
    const { rowBias } = opts;
    checkRowBias(rowBias, B, N);
    const e = this.engine;
    const ids = input instanceof Int32Array;
    const code = kindCode(kind, w);
    const P = e.ex.panels(code, H);
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
    // looked up for inference only: training weights change every step and may be recycled arrays
    let hit = opts.cache === false ? this.packed.find((p) => p.wx === w.wx && p.wh === w.wh && p.b === w.b && p.bhn === w.bhn && p.kind === kind && p.ids === ids) : undefined;
    const fresh = !hit;
    if (!hit) {
      hit = {
        wx: w.wx, wh: w.wh, b: w.b, bhn: w.bhn, kind, ids,
        block: new Block(e.heap, [
          ['wx', I * N * 4],
          ['wh', H * N * 4],
          ['b', N * 4],
          ['bhn', w.bhn ? H * 4 : 0],
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
    const tmp = new Block(e.heap, [['scratch', B * N * 4], ['xb', rowBias ? B * N * 4 : 0]]);
    const k = keep.at, m = { ...hit.block.at, ...tmp.at };
    try {
      e.put([ids ? k.tok : k.x, input], [k.h0, h0], [k.c0, lstm ? c0 : null], [m.xb, rowBias ?? null]);
      if (fresh) e.put([m.wx, w.wx], [m.wh, w.wh], [m.b, w.b], [m.bhn, w.bhn ?? null]);
      // xproj: every step's bias and input projection as one pass before the recurrence (rnn_core.h xproj_rows)
      const xproj = kind === 'rnn' || ids ? 0 : 1; // token ids: a gathered row per step, no product to hoist
      const args = e.writeArgs(0, {
        kind: code, T, B, I, H, ids: ids ? 1 : 0, need_cache: 1, xproj,
        x: k.x ?? 0, tok: k.tok ?? 0, h0: k.h0, c0: k.c0 ?? 0, wx: m.wx, b: m.b, wxp: m.wxp ?? 0, whp: m.whp,
        hs: k.hs, acts: k.acts ?? 0, rh: k.rh ?? 0, cs: k.cs ?? 0, tcs: k.tcs ?? 0, scratch: m.scratch, bhn: m.bhn ?? 0, xb: m.xb ?? 0,
      });
      if (fresh) e.ex.pack_forward(args, m.wh, m.whp, m.wxp ?? 0);
      const split = this.useThreads && B >= 2 && T * B * H * N >= SPLIT_MIN_WORK;
      if (xproj) e.runPieces(7, args, T * B, seqRowChunk(T * B), split);
      e.runPieces(1, args, B, rowChunk(B), split);
      const hs = e.copyOut(k.hs, TBH);
      const hT = bufferPool.copyOf(hs.subarray((T - 1) * B * H));
      const cT = lstm ? e.copyOut(k.cs + (T - 1) * B * H * 4, B * H) : null;
      tmp.release();
      if (opts.cache === false) {
        keep.release();
        return { hs, hT, cT, cache: null };
      }
      const cache: WasmCache = { kind, dims: { ...dims }, path: this.path, block: keep, w, ids, consumed: false, rowBias: !!rowBias };
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
    const code = kindCode(kind, w);
    const P = e.ex.panels(code, H);
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
      ['dApk', P * NR * TB * 4],
      ['dx', ids ? 0 : TB * I * 4],
      ['dwx', I * N * 4],
      ['dwh', H * N * 4],
      ['db', N * 4],
      ['dbhn', w.bhn ? H * 4 : 0],
      ['dxb', c.rowBias ? B * N * 4 : 0],
    ]);
    const k = c.block.at, m = tmp.at;
    try {
      e.put([m.wx, w.wx], [m.wh, w.wh], [m.dhs, dhs], [m.dhT, dhT], [m.dcT, lstm ? dcT : null]);
      const args = e.writeArgs(1, {
        kind: code, T, B, I, H, ids: ids ? 1 : 0, need_cache: 1, xproj: 1,
        x: k.x ?? 0, tok: k.tok ?? 0, h0: k.h0, c0: k.c0 ?? 0, wx: m.wx, b: 0, wxp: 0, whp: 0,
        hs: k.hs, acts: k.acts ?? 0, rh: k.rh ?? 0, cs: k.cs ?? 0, tcs: k.tcs ?? 0, scratch: 0,
        dhs: m.dhs, dhT: m.dhT ?? 0, dcT: lstm ? (m.dcT ?? 0) : 0, dh: m.dh, dc: m.dc ?? 0, dhp: m.dhp, dcp: m.dcp ?? 0, drh: m.drh ?? 0,
        dApk: m.dApk, whtp: m.whtp, whtp2: m.whtp2 ?? 0, wxtp: m.wxtp ?? 0, dx: m.dx ?? 0,
        dwx: m.dwx, dwh: m.dwh, db: m.db, dbhn: m.dbhn ?? 0, dxb: m.dxb ?? 0,
      });
      e.ex.pack_backward(args, m.wh, m.whtp, m.whtp2 ?? 0, m.wxtp ?? 0);
      const split = this.useThreads && T * B * H * N >= SPLIT_MIN_WORK;
      e.runPieces(2, args, B, rowChunk(B), split);
      if (!ids) e.runPieces(8, args, T * B, seqRowChunk(T * B), split);
      e.runPieces(3, args, P, 4, split);
      return {
        dx: ids ? null : e.copyOut(m.dx, TB * I),
        dh0: e.copyOut(m.dh, B * H),
        dc0: lstm ? e.copyOut(m.dc, B * H) : null,
        dwx: e.copyOut(m.dwx, I * N),
        dwh: e.copyOut(m.dwh, H * N),
        db: e.copyOut(m.db, N),
        ...(w.bhn ? { dbhn: e.copyOut(m.dbhn, H) } : {}),
        ...(c.rowBias ? { drowBias: e.copyOut(m.dxb, B * N) } : {}),
      };
    } finally {
      tmp.release();
      c.consumed = true;
      e.untrack(c.block);
      c.block.release();
    }
  }

  /** Whether the second thread takes half of a dense call of these sizes. */
  private denseSplit(d: DenseDims): boolean {
    return this.useThreads && d.N >= 2 && d.N * d.D * d.V >= this.denseSplitMinWork;
  }

  /** Fused dense layer (dense_core.h): Y = A·W + b. */
  dense(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, opts?: DenseOptions): Float32Array {
    if (opts?.fixedWeights) return this.denseFixed(d, a, w, b);
    checkDense(d, a, w, b);
    const { N, D, V } = d;
    const e = this.engine;
    const tmp = new Block(e.heap, [['a', N * D * 4], ['w', D * V * 4], ['b', V * 4], ['wp', panelPad(V) * D * 4], ['y', N * V * 4]]);
    try {
      const m = tmp.at;
      e.put([m.a, a], [m.w, w], [m.b, b]);
      const args = e.writeDenseArgs([N, D, V, 1], { a: m.a, w: m.w, b: m.b, wp: m.wp, y: m.y });
      e.ex.dense_pack(args);
      e.run(4, args, N, this.denseSplit(d));
      return e.copyOut(m.y, N * V);
    } finally {
      tmp.release();
    }
  }

  /** Its gradients: dA = dY·Wᵀ, dW = Aᵀ·dY, db = column sums of dY. */
  denseBackward(d: DenseDims, a: Float32Array, w: Float32Array, dy: Float32Array): DenseGrads {
    checkDense(d, a, w, dy, true);
    const { N, D, V } = d;
    const e = this.engine;
    const Dp = panelPad(D);
    const tmp = new Block(e.heap, [
      ['a', N * D * 4], ['w', D * V * 4], ['dy', N * V * 4], ['wtp', V * Dp * 4], ['da', N * D * 4],
      ['dyt', V * N * 4], ['ap', Dp * N * 4], ['dwt', V * D * 4], ['dw', D * V * 4], ['db', V * 4],
    ]);
    try {
      const m = tmp.at;
      e.put([m.a, a], [m.w, w], [m.dy, dy]);
      const split = this.denseSplit(d);
      const parts = split ? 2 : 1;
      const args = e.writeDenseArgs([N, D, V, parts], {
        a: m.a, w: m.w, dy: m.dy, wtp: m.wtp, da: m.da, dyt: m.dyt, ap: m.ap, dwt: m.dwt, dw: m.dw, db: m.db,
      });
      e.ex.dense_backward_prep(args);
      e.run(5, args, parts, split);
      return { da: e.copyOut(m.da, N * D), dw: e.copyOut(m.dw, D * V), db: e.copyOut(m.db, V) };
    } finally {
      tmp.release();
    }
  }

  /** Forgets packed weights (they are re-packed on the next call). */
  clearPacked(): void {
    for (const p of this.packed) p.block.release();
    this.packed = [];
    this.clearFixedDense();
  }

  dispose(): void {
    this.clearPacked();
    this.engine.dispose();
  }

  readonly beamRows?: (n: number, V: number, K: number, logits: Float32Array) => BeamRows;

  private beamScores(n: number, V: number, K: number, logits: Float32Array): BeamRows {
    if (!(n >= 1 && V >= 1 && K >= 1 && K <= BEAM_K_MAX && logits.length >= n * V)) throw new RangeError(`beamRows: sizes n=${n} V=${V} K=${K} (at most ${BEAM_K_MAX}) do not fit logits of ${logits.length}.`);
    const e = this.engine;
    const tmp = new Block(e.heap, [['l', n * V * 4], ['top', n * K * 4], ['mx', n * 4], ['sum', n * 8]]);
    try {
      const m = tmp.at;
      e.put([m.l, logits]);
      e.ex.beam_rows!(n, V, K, m.l, m.top, m.mx, m.sum);
      const buf = e.memory.buffer;
      return { top: new Int32Array(buf, m.top, n * K).slice(), max: new Float32Array(buf, m.mx, n).slice(), sum: new Float64Array(buf, m.sum, n).slice() };
    } finally {
      tmp.release();
    }
  }

  /**
   * Fixed weights (DenseOptions.fixedWeights: a decoder's output layer) packed into the heap once
   * and reused, as the native dense op does: a beam step over 17,851 target words otherwise
   * copies and re-packs 18 MB for 4 rows. The few most recent are kept (FIXED_DENSE of them).
   */
  private fixedDense: { w: Float32Array; b: Float32Array; block: Block; wpFloats: number }[] = [];

  private denseFixed(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
    checkDense(d, a, w, b);
    const { N, D, V } = d;
    const e = this.engine;
    let hit = this.fixedDense.find((f) => f.w === w);
    if (!hit || hit.wpFloats !== panelPad(V) * D) {
      if (hit) this.dropFixedDense(hit);
      const block = new Block(e.heap, [['w', D * V * 4], ['wp', panelPad(V) * D * 4], ['b', V * 4]]);
      e.put([block.at.w, w], [block.at.b, b]);
      e.ex.dense_pack(e.writeDenseArgs([N, D, V, 1], { w: block.at.w, wp: block.at.wp }));
      hit = { w, b, block, wpFloats: panelPad(V) * D };
      this.fixedDense.unshift(hit);
      while (this.fixedDense.length > FIXED_DENSE) this.dropFixedDense(this.fixedDense[this.fixedDense.length - 1]);
    } else if (hit.b !== b) {
      e.put([hit.block.at.b, b]);
      hit.b = b;
    }
    const tmp = new Block(e.heap, [['a', N * D * 4], ['y', N * V * 4]]);
    try {
      const m = tmp.at;
      e.put([m.a, a]);
      const args = e.writeDenseArgs([N, D, V, 1], { a: m.a, b: hit.block.at.b, wp: hit.block.at.wp, y: m.y });
      e.run(4, args, N, this.denseSplit(d));
      return e.copyOut(m.y, N * V);
    } finally {
      tmp.release();
    }
  }

  private dropFixedDense(f: { block: Block }): void {
    f.block.release();
    this.fixedDense = this.fixedDense.filter((x) => x !== f);
  }

  private clearFixedDense(): void {
    for (const f of this.fixedDense) f.block.release();
    this.fixedDense = [];
  }
}

/** Fixed dense weights a WasmKernel keeps packed (decoders: the output layer, attention's W_q). */
const FIXED_DENSE = 4;

let engine: WasmEngine | null = null;

/**
 * Start-up check of the relaxed module (./path-check.ts): relaxed SIMD leaves fused or unfused
 * multiply-add to the hardware; anything beyond that falls back to SIMD128.
 */
export function relaxedAgrees(e: WasmEngine): boolean {
  const k = new WasmKernel(e, 'wasm-simd', false);
  try {
    return pathDisagreement(k) === null;
  } finally {
    k.clearPacked();
  }
}

/** An engine on the fastest module that loads and passes the start-up check (`check`: tests). */
export function createWasmEngine(opts: WasmEngineOptions = {}, check: (e: WasmEngine) => boolean = relaxedAgrees): WasmEngine {
  const e = new WasmEngine(opts);
  if (!e.relaxed || check(e)) return e;
  e.dispose();
  const plain = new WasmEngine({ ...opts, relaxed: false });
  plain.variant = 'SIMD128 (the relaxed-SIMD module disagreed with the reference at start-up)';
  return plain;
}

function getEngine(): WasmEngine {
  if (!engine) engine = createWasmEngine();
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

export function wasmEngineInfo(): { relaxed: boolean; variant: string; threads: number; bytesInUse: number; peakBytes: number } | null {
  return engine ? { relaxed: engine.relaxed, variant: engine.variant, threads: engine.threads, bytesInUse: engine.heap.bytesInUse, peakBytes: engine.heap.peak } : null;
}

export function disposeWasm(): void {
  engine?.dispose();
  engine = null;
}
