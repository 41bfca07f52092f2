/**
 * Native path of the fused recurrent kernels: the optional N-API addon in native/ (package
 * `seqlab-native`, built by node-gyp at install, AVX-512 / AVX2+FMA / portable chosen at load,
 * two pthreads). Buffers are ordinary typed arrays owned by JS, so caches are freed by the GC;
 * returned arrays come from the shared pool (./buffer-pool.ts) and belong to the caller.
 * Absent or broken addon (or one built from another ./layout.json) → loadNativeKernel() throws
 * with the reason (a failed build's, from native/build/failure.txt) and the selector says so.
 * SEQLAB_NATIVE=off forces the load to fail (tests of the fallback).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bufferPool, ScratchArrays } from './buffer-pool';
import { ARGS_BUFS, LAYOUT_HASH } from './layout';
import { kernelNotice } from './notices';
import { backwardShape, checkDense, checkEmbedding, checkHeadLoss, checkRowBias, checkXent, forwardShape, HEAD_COLS, HEAD_PIECES, kindCode, NR, panelPad } from './shape';
import type { AdamStepArgs, BackwardResult, BeamRows, CellKind, CellWeights, DenseDims, DenseGrads, Dims, ForwardCache, ForwardOptions, ForwardResult, DenseOptions, HeadXentResult, RecurrentKernel, SeqInput, XentResult } from './types';

/** The addon's API (native/src/addon.c); run and dense return a notice when its helper thread died during the call. */
export interface Addon {
  run(op: number, ints: Int32Array, bufs: (Float32Array | Int32Array | null)[], threads: number): string | undefined;
  /** fused dense layer (native/src/dense_core.h); absent in addons built before it */
  dense?(op: number, ints: Int32Array, bufs: (Float32Array | Int32Array | null)[]): string | undefined;
  panels(kind: number, H: number): number;
  info(): { isa: string; layout?: string; helperDead?: boolean };
  /** tests: restart the helper with random delays (µs) around claims / death after n pieces */
  test_hooks?(delayUs: number, dieAfterPieces: number): void;
  /** tests: the claim protocol's stress test (native/src/addon.c stress) */
  stress?(jobs: number, seed: number, threads: number): { jobs: number; pieces: number; helperPieces: number; errors: number; ms: number; firstError?: string };
  /** nn.Embedding (native/src/embedding_core.h): op 1 gather [table, ids, out], 2 scatter-add [dy, ids, dtable]; absent in addons built before it */
  embedding?(op: 1 | 2, ints: Int32Array, bufs: [Float32Array, Int32Array, Float32Array]): void;
  /** the LM head and its loss in one pass (native/src/lm_head_core.h); absent in addons built before it */
  head_xent?(ints: Int32Array, bufs: (Float32Array | Int32Array | null)[]): string | undefined;
  /** global-norm clipping and Adam (native/src/adam_core.h): [norm, a dead helper's notice]; absent in addons built before it */
  adam_clip?(params: Float32Array[], grads: readonly Float32Array[], m: Float32Array[], v: Float32Array[], hyper: Float64Array, threads: number): [number, string | undefined];
  /** a decoder step's top-k and log-softmax pieces (native/src/beam_core.h); absent in addons built before it */
  beam_rows?(ints: Int32Array, logits: Float32Array, top: Int32Array, mx: Float32Array, sum: Float64Array): void;
  /** a decoder step's output layer by column panels on both threads (native/src/beam_core.h); absent in addons built before it */
  beam_dense?(ints: Int32Array, a: Float32Array, wp: Float32Array, b: Float32Array, y: Float32Array): string | undefined;
}

/** Buffers of the addon's run(), in order: the args struct's pointers, then wh (./layout.json). */
const FIELDS = ARGS_BUFS;
type Bufs = Partial<Record<string, Float32Array | Int32Array | null>>;
const SPLIT_MIN_WORK = 2e5;
/** The 13 dense-layer slots of the addon's dense() before the cross-entropy ones. */
const DENSE_NULLS: null[] = new Array(13).fill(null);

/** Addons built before the cross-entropy op answer op 3 with a RangeError. */
function hasXent(addon: Addon): boolean {
  try {
    addon.dense!(3, new Int32Array([0, 0, 1, 1]), [...DENSE_NULLS, new Float32Array(1), new Int32Array(1), new Float32Array(1), new Float32Array(2)]);
    return true;
  } catch {
    return false;
  }
}

/** The reason native/build.js recorded when the addon's build failed (native/build/failure.txt), if any. */
function buildFailure(dir: string): string | null {
  try {
    return readFileSync(join(dir, 'build/failure.txt'), 'utf8').trim().split('\n')[0] || null;
  } catch {
    return null;
  }
}

function loadAddon(): Addon {
  if (process.env.SEQLAB_NATIVE === 'off') throw new Error('native kernels disabled (SEQLAB_NATIVE=off)');
  const errors: string[] = [];
  // A computed name keeps bundlers from inlining the package (it holds a .node binary).
  const tryReq = (id: string): Addon | null => {
    try {
      const m = require(id) as Addon;
      return typeof m.run === 'function' ? m : null;
    } catch (e) {
      errors.push(`${id}: ${(e as Error).message.split('\n')[0]}`);
      return null;
    }
  };
  const pkg = ['seqlab', 'native'].join('-');
  const dirs = typeof __dirname !== 'undefined' ? [join(__dirname, '../native'), join(__dirname, '../../../native')] : [];
  dirs.push(join(process.cwd(), 'native'));
  const found = tryReq(pkg) ?? dirs.filter((d) => existsSync(join(d, 'index.js'))).map((d) => tryReq(join(d, 'index.js'))).find((m) => m);
  if (found) {
    const built = found.info().layout;
    if (built !== LAYOUT_HASH) throw new Error(`native addon was built from another argument layout (${built ?? 'unknown'}, expected ${LAYOUT_HASH}); rebuild it with npm run build:native`);
    return found;
  }
  const failure = dirs.map((d) => buildFailure(d)).find((f) => f);
  throw new Error(`native addon not available (${failure ? `its build failed: ${failure}` : (errors[0] ?? 'not built')})`);
}

interface NativeCache extends ForwardCache {
  bufs: Bufs;
  w: CellWeights;
  ids: boolean;
}

export class NativeKernel implements RecurrentKernel {
  readonly path = 'native' as const;
  readonly resetAfter = true;
  private packed: { w: CellWeights; kind: CellKind; ids: boolean; whp: Float32Array; wxp: Float32Array | null }[] = [];
  /** Scratch arrays of the recurrent kernels and the dense layer (packed panels, transposes), reused across calls; never returned. */
  private readonly scratchArrays = new ScratchArrays();
  /**
   * N·D·V from which the dense layer (LM head) splits across both threads. Default: never.
   * Measured at the textbook's head (1120×256×28): splitting saves at most ~0.25 ms per
   * training step with an idle second core, and costs 2–5 ms whenever that core is busy (the
   * helper waits for the scheduler), so one thread runs it. Tests set 0 to exercise the split.
   */
  denseSplitMinWork = Infinity;
  readonly dense?: (dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, opts?: DenseOptions) => Float32Array;
  /** Packed copies of fixed weights (DenseOptions.fixedWeights), freed with their arrays. */
  private readonly packedWeights = new WeakMap<Float32Array, Float32Array>();
  readonly denseBackward?: (dims: DenseDims, a: Float32Array, w: Float32Array, dy: Float32Array) => DenseGrads;
  readonly softmaxXent?: (N: number, V: number, logits: Float32Array, labels: Int32Array) => XentResult;
  constructor(
    readonly addon: Addon,
    readonly threads: number,
  ) {
    if (typeof addon.dense === 'function') {
      this.dense = (d, a, w, b, opts) => this.denseForward(d, a, w, b, opts);
      this.denseBackward = (d, a, w, dy) => this.denseGrads(d, a, w, dy);
      if (hasXent(addon)) this.softmaxXent = (N, V, l, y) => this.xent(N, V, l, y);
    }
    if (typeof addon.embedding === 'function') {
      this.embeddingGather = (V, E, table, ids) => this.embed(1, V, E, table, ids, ids.length * E);
      this.embeddingScatter = (V, E, ids, dy) => this.embed(2, V, E, dy, ids, V * E);
    }
    if (typeof addon.head_xent === 'function') this.headXent = (d, a, w, b, y, g) => this.headLoss(d, a, w, b, y, g);
    if (typeof addon.adam_clip === 'function') this.adamClip = (p, g, m, v, step) => this.adam(p, g, m, v, step);
    if (typeof addon.beam_rows === 'function') this.beamRows = (n, V, K, logits) => this.beamScores(n, V, K, logits);
    if (typeof addon.beam_dense === 'function' && typeof addon.dense === 'function') this.decoderDense = (d, a, w, b) => this.decoderOutput(d, a, w, b);
  }

  /**
   * N·D·V from which the fused head + loss runs pieces of the vocabulary on both threads
   * (each its own dA, added at the end). At a word vocabulary (1120×256×4580) a late helper costs
   * little beside the op; at the char model's head (1120×256×28, ~1 ms, one chunk) there is
   * nothing to split and the wake-up would dominate (as denseSplitMinWork).
   */
  headSplitMinWork = 5e7;
  readonly headXent?: (dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, labels: Int32Array, grads: boolean) => HeadXentResult;

  /** lm_head_core.h head_cols_*: by vocabulary chunks, on both threads from headSplitMinWork, else one. */
  private headLoss(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, labels: Int32Array, grads: boolean): HeadXentResult {
    checkHeadLoss(d, a, w, b, labels);
    const { N, D, V } = d;
    const stat = bufferPool.take(2 * N), picked = bufferPool.take(N);
    const g = grads ? { da: bufferPool.take(N * D), dw: bufferPool.take(D * V), db: bufferPool.take(V) } : null;
    const bufs = [
      a, w, b, labels, stat, picked, g?.da ?? null, g?.dw ?? null, g?.db ?? null,
      this.scratch('wp', panelPad(V) * D), grads ? this.scratch('wtp', V * panelPad(D)) : null,
    ];
    // pieces of the vocabulary (native/src/addon.c HEAD_PIECES), each with its own scratch and partial dA
    const split = this.threads > 1 && V > HEAD_COLS && N * D * V >= this.headSplitMinWork;
    const pieces = split ? Math.min(HEAD_PIECES, Math.ceil(V / HEAD_COLS)) : 1;
    bufs.push(this.scratch('hL', N * V), grads ? this.scratch('hgp', N * HEAD_COLS * pieces) : null, this.scratch('hps', 2 * N * pieces), grads && pieces > 1 ? this.scratch('hdap', N * D * (pieces - 1)) : null);
    this.note(this.addon.head_xent!(new Int32Array([N, D, V, (grads ? 1 : 0) | (split ? 2 : 0)]), bufs));
    return { stat, picked, grads: g };
  }

  readonly embeddingGather?: (V: number, E: number, table: Float32Array, ids: Int32Array) => Float32Array;
  readonly embeddingScatter?: (V: number, E: number, ids: Int32Array, dy: Float32Array) => Float32Array;

  /** op 1: src = table, out [n, E]; op 2: src = dy, out = dtable [V, E] (zeroed by the C). */
  private embed(op: 1 | 2, V: number, E: number, src: Float32Array, ids: Int32Array, outLength: number): Float32Array {
    checkEmbedding(V, E, op === 1 ? src.length : V * E, ids, op === 2 ? src.length : undefined);
    const out = bufferPool.take(outLength);
    this.addon.embedding!(op, new Int32Array([ids.length, E, V]), [src, ids, out]);
    return out;
  }

  private xent(N: number, V: number, logits: Float32Array, labels: Int32Array): XentResult {
    checkXent(N, V, logits, labels);
    const grad = bufferPool.take(N * V), stat = bufferPool.take(2 * N);
    this.note(this.addon.dense!(3, new Int32Array([N, 0, V, 1]), [...DENSE_NULLS, logits, labels, grad, stat]));
    return { grad, stat };
  }

  private scratch(name: string, n: number): Float32Array {
    return this.scratchArrays.get(name, n);
  }

  private denseThreads(d: DenseDims): number {
    return this.threads > 1 && d.N >= 2 && d.N * d.D * d.V >= this.denseSplitMinWork ? 2 : 1;
  }

  private denseForward(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, opts: DenseOptions = {}): Float32Array {
    checkDense(d, a, w, b);
    const { N, D, V } = d;
    const y = bufferPool.take(N * V);
    // A fixed weight is packed once (op 1 into its own copy), then reused (op 4): a decoder step
    // over a 17,851-word vocabulary otherwise re-packs 18 MB for a few rows.
    let wp = opts.fixedWeights ? this.packedWeights.get(w) : undefined;
    const op = wp && wp.length === panelPad(V) * D ? 4 : 1;
    if (opts.fixedWeights && op === 1) this.packedWeights.set(w, (wp = new Float32Array(panelPad(V) * D)));
    // bufs: a, w, b, dy, wp, wtp, y, da, dyt, ap, dwt, dw, db
    const bufs = [a, w, b, null, wp ?? this.scratch('wp', panelPad(V) * D), null, y, null, null, null, null, null, null];
    this.note(this.addon.dense!(op, new Int32Array([N, D, V, this.denseThreads(d)]), bufs));
    return y;
  }

  private denseGrads(d: DenseDims, a: Float32Array, w: Float32Array, dy: Float32Array): DenseGrads {
    checkDense(d, a, w, dy, true);
    const { N, D, V } = d;
    const da = bufferPool.take(N * D), dw = bufferPool.take(D * V), db = bufferPool.take(V);
    const bufs = [
      a, w, null, dy, null, this.scratch('wtp', V * panelPad(D)), null, da,
      this.scratch('dyt', V * N), this.scratch('ap', panelPad(D) * N), this.scratch('dwt', V * D), dw, db,
    ];
    this.note(this.addon.dense!(2, new Int32Array([N, D, V, this.denseThreads(d)]), bufs));
    return { da, dw, db };
  }

  get isa(): string {
    return this.addon.info().isa;
  }

  /** code: the C core's kind (kindCode: 3 = PyTorch's GRU) */
  private run(op: number, code: number, d: Dims, ids: boolean, bufs: Bufs, threads: number): void {
    const ints = new Int32Array([code, d.T, d.B, d.I, d.H, ids ? 1 : 0, 1, 0]);
    const arr = FIELDS.map((f) => bufs[f] ?? null);
    this.note(this.addon.run(op, ints, arr, threads));
  }

  /** A notice from the addon (its helper thread died; the call completed on one thread). */
  private note(notice: string | undefined): void {
    if (notice) kernelNotice(notice);
  }

  forward(kind: CellKind, dims: Dims, input: SeqInput, h0: Float32Array, c0: Float32Array | null, w: CellWeights, opts: ForwardOptions = {}): ForwardResult {
    const { T, B, I, H, N } = forwardShape(kind, dims, input, h0, c0, w);
    checkRowBias(opts.rowBias, B, N);
    const ids = input instanceof Int32Array;
    const lstm = kind === 'lstm';
    const TBH = T * B * H;
    const code = kindCode(kind, w);
    const P = this.addon.panels(code, H);
    const threads = this.threads > 1 && T * B * H * N >= SPLIT_MIN_WORK ? this.threads : 1;
    // Packed weights are remembered for inference only (generation reads the same arrays every
    // step, see f32Weights); training weights change every step and may be recycled arrays.
    const inference = opts.cache === false;
    let pk = inference ? this.packed.find((p) => p.w.wx === w.wx && p.w.wh === w.wh && p.w.b === w.b && p.w.bhn === w.bhn && p.kind === kind && p.ids === ids) : undefined;
    const bufs: Bufs = {
      x: ids ? null : (input as Float32Array), tok: ids ? (input as Int32Array) : null, h0, c0: lstm ? c0 : null,
      wx: w.wx, b: w.b, wh: w.wh, bhn: w.bhn ?? null,
      hs: bufferPool.take(TBH),
      acts: kind === 'rnn' ? null : bufferPool.take(T * B * N),
      rh: kind === 'gru' ? bufferPool.take(TBH) : null,
      cs: lstm ? bufferPool.take(TBH) : null,
      tcs: lstm ? bufferPool.take(TBH) : null,
      scratch: this.scratch('scratch', B * N),
      xb: opts.rowBias ?? null,
    };
    if (!pk) {
      const arr = (name: string, n: number) => (inference ? new Float32Array(n) : this.scratch(name, n));
      pk = { w: { ...w }, kind, ids, whp: arr('whp', P * NR * H), wxp: ids ? null : arr('wxp', panelPad(N) * I) };
      bufs.whp = pk.whp;
      bufs.wxp = pk.wxp;
      this.run(4, code, dims, ids, bufs, 1);
      if (inference) {
        this.packed.unshift(pk);
        if (this.packed.length > 4) this.packed.pop();
      }
    }
    bufs.whp = pk.whp;
    bufs.wxp = pk.wxp;
    this.run(1, code, dims, ids, bufs, threads);
    const hs = bufs.hs as Float32Array;
    const hT = bufferPool.copyOf(hs.subarray((T - 1) * B * H));
    const cT = lstm ? bufferPool.copyOf((bufs.cs as Float32Array).subarray((T - 1) * B * H)) : null;
    if (opts.cache === false) {
      this.give(bufs);
      return { hs, hT, cT, cache: null };
    }
    delete bufs.scratch;
    delete bufs.whp;
    delete bufs.wxp;
    const cache: NativeCache = { kind, dims: { ...dims }, path: 'native', bufs, w, ids };
    return { hs, hT, cT, cache };
  }

  backward(cacheIn: ForwardCache, dhs: Float32Array, dhT: Float32Array | null, dcT: Float32Array | null): BackwardResult {
    const c = cacheIn as NativeCache;
    const { kind, ids, w } = c;
    const d = c.dims;
    const { T, B, I, H, N } = backwardShape(c, dhs);
    const TB = T * B;
    const lstm = kind === 'lstm';
    const gru = kind === 'gru';
    const code = kindCode(kind, w);
    const P = this.addon.panels(code, H);
    const Hp = panelPad(H);
    const Ip = panelPad(I);
    // returned arrays come from the pool, the rest are scratch reused across calls: the C core
    // writes every element before it reads it back, so stale contents never leak into results
    const f = (n: number) => bufferPool.take(n);
    const bufs: Bufs = {
      ...c.bufs,
      wx: w.wx, wh: w.wh,
      whtp: this.scratch('whtp', (gru ? 2 * H : N) * Hp), whtp2: gru ? this.scratch('whtp2', H * Hp) : null, wxtp: ids ? null : this.scratch('wxtp', N * Ip),
      dhs, dhT, dcT: lstm ? dcT : null,
      dh: f(B * H), dc: lstm ? f(B * H) : null, dhp: this.scratch('dhp', B * H), dcp: lstm ? this.scratch('dcp', B * H) : null, drh: gru ? this.scratch('drh', B * H) : null,
      dApk: this.scratch('dApk', P * NR * TB), dx: ids ? null : f(TB * I),
      dwx: f(I * N), dwh: f(H * N), db: f(N), dbhn: w.bhn ? f(H) : null,
      xb: null, dxb: c.bufs.xb ? f(B * N) : null,
    };
    const threads = this.threads > 1 && T * B * H * N >= SPLIT_MIN_WORK ? this.threads : 1;
    this.run(5, code, d, ids, bufs, 1);
    this.run(2, code, d, ids, bufs, threads);
    this.run(3, code, d, ids, bufs, threads);
    this.give(c.bufs);
    c.bufs = {};
    return {
      dx: ids ? null : (bufs.dx as Float32Array),
      dh0: bufs.dh as Float32Array,
      dc0: lstm ? (bufs.dc as Float32Array) : null,
      dwx: bufs.dwx as Float32Array,
      dwh: bufs.dwh as Float32Array,
      db: bufs.db as Float32Array,
      ...(w.bhn ? { dbhn: bufs.dbhn as Float32Array } : {}),
      ...(bufs.dxb ? { drowBias: bufs.dxb as Float32Array } : {}),
    };
  }

  /** Gives a cache's internal arrays back once nothing can read them any more (hs is the caller's). */
  private give(bufs: Bufs): void {
    bufferPool.give(bufs.acts, bufs.rh, bufs.cs, bufs.tcs);
  }

  /** Parameters from which adamClip runs its chunks on both threads (below, one thread's ~0.1 ms beats a helper's wake-up). */
  adamSplitMinParams = 1e5;
  readonly adamClip?: (params: Float32Array[], grads: readonly Float32Array[], m: Float32Array[], v: Float32Array[], step: AdamStepArgs) => number;

  private adam(params: Float32Array[], grads: readonly Float32Array[], m: Float32Array[], v: Float32Array[], s: AdamStepArgs): number {
    const total = params.reduce((n, p) => n + p.length, 0);
    const threads = this.threads > 1 && total >= this.adamSplitMinParams ? 2 : 1;
    const [norm, notice] = this.addon.adam_clip!(params, grads, m, v, Float64Array.of(s.theta, s.beta1, s.beta2, s.a, s.ib2, s.epsilon), threads);
    this.note(notice);
    return norm;
  }

  dispose(): void {
    this.packed = [];
    this.scratchArrays.clear();
  }

  readonly beamRows?: (n: number, V: number, K: number, logits: Float32Array) => BeamRows;

  readonly decoderDense?: (dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array) => Float32Array;

  /**
   * The fixed weight packed once (by dense, op 1, into packedWeights), then its column panels on
   * both threads: a beam step's 4 rows over 17,851 words stream 18 MB of weights, split in two.
   * From decoderSplitMinWork multiply-adds (N·D·V) both threads take panels. Default: never, as
   * denseSplitMinWork: measured with the machine loaded (load 4–5 on 2 cores) beam 4 at 17,851
   * words took as long on two threads as on one (a busy second core makes the helper late),
   * and hover translation is most often asked while a training run holds the other core.
   * Tests set 0 to exercise the split; 1e6 splits a full-small decoder step.
   */
  decoderSplitMinWork = Infinity;

  private decoderOutput(d: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
    const wp = this.packedWeights.get(w);
    const threads = this.threads > 1 && d.N * d.D * d.V >= this.decoderSplitMinWork ? 2 : 1;
    if (threads < 2 || !wp || wp.length !== panelPad(d.V) * d.D) return this.denseForward(d, a, w, b, { fixedWeights: true });
    checkDense(d, a, w, b);
    const y = bufferPool.take(d.N * d.V);
    this.note(this.addon.beam_dense!(new Int32Array([d.N, d.D, d.V, threads]), a, wp, b, y));
    return y;
  }

  private beamScores(n: number, V: number, K: number, logits: Float32Array): BeamRows {
    const out: BeamRows = { top: new Int32Array(n * K), max: new Float32Array(n), sum: new Float64Array(n) };
    this.addon.beam_rows!(new Int32Array([n, V, K]), logits, out.top, out.max, out.sum);
    return out;
  }

}


let addonCache: Addon | null = null;

/** Throws when the addon is absent, disabled or broken. */
export function loadNativeKernel(threads = 2): NativeKernel {
  addonCache ??= loadAddon();
  return new NativeKernel(addonCache, threads);
}
