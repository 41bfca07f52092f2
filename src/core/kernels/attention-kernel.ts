/**
 * The Bahdanau decoder loop kernel (native/src/attention_core.h): the whole teacher-forced
 * decoder time loop — additive attention, masked softmax, dropout on the weights, the context
 * concatenated to the embedding, every d2l GRU layer with dropout between layers — as one call
 * forward and one backward. Runs on the native addon and on the WASM SIMD module; the
 * per-op tfjs path (src/core/attention, translation/attention/decoder.ts) is its reference.
 */
import { currentKernel } from './select';
import type { KernelPath, RecurrentKernel } from './types';
import type { Addon } from './native-kernel';
import { bufferPool } from './buffer-pool';

export interface AttentionLoopDims {
  /** decoder steps */
  T: number;
  B: number;
  /** source positions */
  Tk: number;
  /** embedding size */
  E: number;
  /** hidden size (keys, values, queries, every GRU layer) */
  H: number;
  /** GRU layers */
  L: number;
}

/** What the forward reads. Weights: per layer wx [I_l, 3H] (I_0 = H + E), wh [H, 3H], b [3H], concatenated in `wts`. */
export interface AttentionLoopInputs {
  /** [T, B, E] time-major decoder embeddings */
  emb: Float32Array;
  /** [B, Tk, H] encoder outputs: keys and values */
  enc: Float32Array;
  /** [B, Tk, H] W_k · keys */
  pk: Float32Array;
  /** [B] valid source lengths */
  vlen: Int32Array;
  /** [L, B, H] */
  h0: Float32Array;
  /** [H, H] */
  wq: Float32Array;
  /** [H] */
  wv: Float32Array;
  wts: Float32Array;
  /** [T, B, Tk] dropout multipliers on the weights, or null */
  attMask: Float32Array | null;
  /** [T, L−1, B, H] dropout multipliers between layers, or null */
  layerMask: Float32Array | null;
}

export interface AttentionLoopForward {
  /** [T, B, H] top-layer outputs */
  hs: Float32Array;
  /** [L, B, H] final states */
  hT: Float32Array;
  /** [T, B, Tk] attention weights (before dropout) */
  attw: Float32Array;
  /** what the backward reads (kept until then; `release` frees it, the backward does too) */
  saved: { release(): void };
}

export interface AttentionLoopGrads {
  demb: Float32Array;
  denc: Float32Array;
  dpk: Float32Array;
  dh0: Float32Array;
  dwq: Float32Array;
  dwv: Float32Array;
  dwts: Float32Array;
}

export interface AttentionLoopKernel {
  readonly path: KernelPath;
  forward(d: AttentionLoopDims, x: AttentionLoopInputs): AttentionLoopForward;
  /** dhs [T, B, H]; dhT [L, B, H] or null (zeros) */
  backward(d: AttentionLoopDims, f: AttentionLoopForward, dhs: Float32Array, dhT: Float32Array | null): AttentionLoopGrads;
}

/** Frees what a forward kept for its backward (inference calls it at once). */
export function releaseForward(f: AttentionLoopForward): void {
  f.saved.release();
}

interface NativeSaved {
  inputs: AttentionLoopInputs;
  cache: Float32Array;
  scratch: Float32Array;
  release(): void;
}

/** Floats of the concatenated GRU weights of every layer. */
export function attentionWtsSize(d: AttentionLoopDims): number {
  let n = 0;
  for (let l = 0; l < d.L; l++) n += (l === 0 ? d.H + d.E : d.H) * 3 * d.H + 3 * d.H * d.H + 3 * d.H;
  return n;
}

type AttentionAddon = Addon & { attention?(op: number, ints: Int32Array, bufs: (Float32Array | Int32Array | null)[]): unknown };

export const loopInts = (d: AttentionLoopDims) => new Int32Array([d.T, d.B, d.Tk, d.E, d.H, d.L, 0, 0]);

/** The native addon's loop (addon.c attention_fn, one thread). */
export function newGrads(d: AttentionLoopDims): AttentionLoopGrads {
  return {
    demb: new Float32Array(d.T * d.B * d.E),
    denc: new Float32Array(d.B * d.Tk * d.H),
    dpk: new Float32Array(d.B * d.Tk * d.H),
    dh0: new Float32Array(d.L * d.B * d.H),
    dwq: new Float32Array(d.H * d.H),
    dwv: new Float32Array(d.H),
    dwts: new Float32Array(attentionWtsSize(d)),
  };
}

export function nativeAttentionLoop(addon: AttentionAddon): AttentionLoopKernel | null {
  if (typeof addon.attention !== 'function') return null;
  const call = addon.attention.bind(addon);
  return {
    path: 'native',
    forward(d, x) {
      const [cacheN, scratchN] = call(0, loopInts(d), []) as [number, number];
      const out = { hs: new Float32Array(d.T * d.B * d.H), hT: new Float32Array(d.L * d.B * d.H), attw: new Float32Array(d.T * d.B * d.Tk) };
      // pooled: fresh 30–50 MB per call would cost more in page faults than the loop's arithmetic
      const cache = bufferPool.take(cacheN), scratch = bufferPool.take(scratchN);
      call(1, loopInts(d), [x.emb, x.enc, x.pk, x.vlen, x.h0, x.wq, x.wv, x.wts, x.attMask, x.layerMask, out.hs, out.hT, out.attw, cache, scratch]);
      const saved: NativeSaved = { inputs: x, cache, scratch, release: () => bufferPool.give(cache, scratch) };
      return { ...out, saved };
    },
    backward(d, f, dhs, dhT) {
      const sv = f.saved as NativeSaved;
      const x = sv.inputs;
      const g = newGrads(d);
      call(2, loopInts(d), [
        x.emb, x.enc, x.pk, x.vlen, x.h0, x.wq, x.wv, x.wts, x.attMask, x.layerMask, f.hs, f.hT, f.attw, sv.cache, sv.scratch,
        dhs, dhT, g.demb, g.denc, g.dpk, g.dh0, g.dwq, g.dwv, g.dwts,
      ]);
      sv.release();
      return g;
    },
  };
}

const loops = new WeakMap<RecurrentKernel, AttentionLoopKernel | null>();
let wasmLoopFor: ((k: RecurrentKernel) => AttentionLoopKernel | null) | null = null;

/** Registers the WASM module's loop (./attention-wasm.ts), kept apart so this file needs no wasm engine. */
export function registerWasmAttentionLoop(f: (k: RecurrentKernel) => AttentionLoopKernel | null): void {
  wasmLoopFor = f;
}

/** The decoder-loop kernel of `kernel` (default: the current path), or null when that path has none (the ts path). */
export function attentionLoopKernel(kernel: RecurrentKernel = currentKernel()): AttentionLoopKernel | null {
  if (loops.has(kernel)) return loops.get(kernel)!;
  let k: AttentionLoopKernel | null = null;
  if (kernel.path === 'native') k = nativeAttentionLoop((kernel as unknown as { addon: AttentionAddon }).addon);
  else if (kernel.path === 'wasm-simd' || kernel.path === 'wasm-simd-threads') k = wasmLoopFor?.(kernel) ?? null;
  loops.set(kernel, k);
  return k;
}
