/**
 * Native path of the fused recurrent kernels: the optional N-API addon in native/ (package
 * `seqlab-native`, built by node-gyp at install, AVX-512 / AVX2+FMA / portable chosen at load,
 * two pthreads). Buffers are ordinary typed arrays owned by JS, so caches are freed by the GC.
 * Absent or broken addon → loadNativeKernel() throws and the selector falls back quietly.
 * SEQLAB_NATIVE=off forces the load to fail (tests of the fallback).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backwardShape, forwardShape, KIND_CODE, NR, panelPad } from './shape';
import type { BackwardResult, CellKind, CellWeights, Dims, ForwardCache, ForwardOptions, ForwardResult, RecurrentKernel, SeqInput } from './types';

interface Addon {
  run(op: number, ints: Int32Array, bufs: (Float32Array | Int32Array | null)[], threads: number): void;
  panels(kind: number, H: number): number;
  info(): { isa: string };
}

/** Pointer fields of the C args struct, in order; the addon takes wh after them. */
const FIELDS = [
  'x', 'tok', 'h0', 'c0', 'wx', 'b', 'wxp', 'whp', 'hs', 'acts', 'rh', 'cs', 'tcs', 'scratch',
  'dhs', 'dhT', 'dcT', 'dh', 'dc', 'dhp', 'dcp', 'drh', 'dA', 'dApk', 'whtp', 'whtp2', 'wxtp', 'dx',
  'hpT', 'rhT', 'xT', 'dwx', 'dwh', 'db',
] as const;
type Field = (typeof FIELDS)[number];
type Bufs = Partial<Record<Field | 'wh', Float32Array | Int32Array | null>>;
const SPLIT_MIN_WORK = 2e5;

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
  const found = tryReq(pkg);
  if (found) return found;
  const dirs = typeof __dirname !== 'undefined' ? [join(__dirname, '../native'), join(__dirname, '../../../native')] : [];
  dirs.push(join(process.cwd(), 'native'));
  for (const d of dirs) {
    if (!existsSync(join(d, 'index.js'))) continue;
    const m = tryReq(join(d, 'index.js'));
    if (m) return m;
  }
  throw new Error(`native addon not available (${errors[0] ?? 'not built'})`);
}

interface NativeCache extends ForwardCache {
  bufs: Bufs;
  w: CellWeights;
  ids: boolean;
}

export class NativeKernel implements RecurrentKernel {
  readonly path = 'native' as const;
  private packed: { w: CellWeights; kind: CellKind; ids: boolean; whp: Float32Array; wxp: Float32Array | null }[] = [];
  constructor(
    readonly addon: Addon,
    readonly threads: number,
  ) {}

  get isa(): string {
    return this.addon.info().isa;
  }

  private run(op: number, kind: CellKind, d: Dims, ids: boolean, bufs: Bufs, threads: number): void {
    const ints = new Int32Array([KIND_CODE[kind], d.T, d.B, d.I, d.H, ids ? 1 : 0, 1, 0]);
    const arr = FIELDS.map((f) => bufs[f] ?? null);
    arr.push(bufs.wh ?? null);
    this.addon.run(op, ints, arr, threads);
  }

  forward(kind: CellKind, dims: Dims, input: SeqInput, h0: Float32Array, c0: Float32Array | null, w: CellWeights, opts: ForwardOptions = {}): ForwardResult {
    const { T, B, I, H, N } = forwardShape(kind, dims, input, h0, c0, w);
    const ids = input instanceof Int32Array;
    const lstm = kind === 'lstm';
    const TBH = T * B * H;
    const P = this.addon.panels(KIND_CODE[kind], H);
    const threads = this.threads > 1 && T * B * H * N >= SPLIT_MIN_WORK ? this.threads : 1;
    let pk = this.packed.find((p) => p.w.wx === w.wx && p.w.wh === w.wh && p.w.b === w.b && p.kind === kind && p.ids === ids);
    const bufs: Bufs = {
      x: ids ? null : (input as Float32Array), tok: ids ? (input as Int32Array) : null, h0, c0: lstm ? c0 : null,
      wx: w.wx, b: w.b, wh: w.wh,
      hs: new Float32Array(TBH),
      acts: kind === 'rnn' ? null : new Float32Array(T * B * N),
      rh: kind === 'gru' ? new Float32Array(TBH) : null,
      cs: lstm ? new Float32Array(TBH) : null,
      tcs: lstm ? new Float32Array(TBH) : null,
      scratch: new Float32Array(B * N),
    };
    if (!pk) {
      pk = { w: { ...w }, kind, ids, whp: new Float32Array(P * NR * H), wxp: ids ? null : new Float32Array(panelPad(N) * I) };
      bufs.whp = pk.whp;
      bufs.wxp = pk.wxp;
      this.run(4, kind, dims, ids, bufs, 1);
      this.packed.unshift(pk);
      if (this.packed.length > 4) this.packed.pop();
    }
    bufs.whp = pk.whp;
    bufs.wxp = pk.wxp;
    this.run(1, kind, dims, ids, bufs, threads);
    const hs = bufs.hs as Float32Array;
    const hT = hs.slice((T - 1) * B * H);
    const cT = lstm ? (bufs.cs as Float32Array).slice((T - 1) * B * H) : null;
    if (opts.cache === false) return { hs, hT, cT, cache: null };
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
    const P = this.addon.panels(KIND_CODE[kind], H);
    const Hp = panelPad(H);
    const Ip = panelPad(I);
    const f = (n: number) => new Float32Array(n);
    const bufs: Bufs = {
      ...c.bufs,
      wx: w.wx, wh: w.wh,
      whtp: f((gru ? 2 * H : N) * Hp), whtp2: gru ? f(H * Hp) : null, wxtp: ids ? null : f(N * Ip),
      dhs, dhT, dcT: lstm ? dcT : null,
      dh: f(B * H), dc: lstm ? f(B * H) : null, dhp: f(B * H), dcp: lstm ? f(B * H) : null, drh: gru ? f(B * H) : null,
      dA: f(TB * N), dApk: f(P * NR * TB), dx: ids ? null : f(TB * I),
      hpT: f(H * TB), rhT: gru ? f(H * TB) : null, xT: ids ? null : f(I * TB),
      dwx: f(I * N), dwh: f(H * N), db: f(N),
    };
    const threads = this.threads > 1 && T * B * H * N >= SPLIT_MIN_WORK ? this.threads : 1;
    this.run(5, kind, d, ids, bufs, 1);
    this.run(2, kind, d, ids, bufs, threads);
    this.run(3, kind, d, ids, bufs, threads);
    c.bufs = {};
    return {
      dx: ids ? null : (bufs.dx as Float32Array),
      dh0: bufs.dh as Float32Array,
      dc0: lstm ? (bufs.dc as Float32Array) : null,
      dwx: bufs.dwx as Float32Array,
      dwh: bufs.dwh as Float32Array,
      db: bufs.db as Float32Array,
    };
  }

  dispose(): void {
    this.packed = [];
  }
}

let addonCache: Addon | null = null;

/** Throws when the addon is absent, disabled or broken. */
export function loadNativeKernel(threads = 2): NativeKernel {
  addonCache ??= loadAddon();
  return new NativeKernel(addonCache, threads);
}
