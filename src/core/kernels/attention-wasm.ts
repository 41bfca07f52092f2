/**
 * The Bahdanau decoder loop (native/src/attention_core.h) on the WASM SIMD module: inputs,
 * cache and scratch live in one heap block from the forward until its backward (or until
 * `release` for inference); one thread. Registered with ./attention-kernel.ts.
 */
import { attentionWtsSize, loopInts, newGrads, registerWasmAttentionLoop, type AttentionLoopDims, type AttentionLoopForward, type AttentionLoopInputs, type AttentionLoopKernel } from './attention-kernel';
import type { KernelPath, RecurrentKernel } from './types';
import type { WasmEngine, WasmKernel } from './wasm-kernel';

interface AttnExports {
  attn_sizes(args: number, out: number): void;
  attn_forward(args: number): void;
  attn_backward(args: number): void;
}

/** attn_args in wasm: 8 ints, then 24 pointers (attention_core.h's field order). */
const PTRS = ['emb', 'enc', 'pk', 'vlen', 'h0', 'wq', 'wv', 'wts', 'att_mask', 'layer_mask', 'hs', 'hT', 'attw', 'cache', 'scratch', 'dhs', 'dhT', 'demb', 'denc', 'dpk', 'dh0', 'dwq', 'dwv', 'dwts'] as const;
type Ptr = (typeof PTRS)[number];
const ARGS_BYTES = (8 + PTRS.length) * 4;

interface Region {
  off: number;
  bytes: number;
}

interface WasmSaved {
  at: Partial<Record<Ptr, number>>;
  block: Region;
  release(): void;
}

function wasmLoop(engine: WasmEngine, path: KernelPath): AttentionLoopKernel | null {
  const ex = engine.ex as unknown as Partial<AttnExports>;
  if (typeof ex.attn_forward !== 'function' || typeof ex.attn_backward !== 'function' || typeof ex.attn_sizes !== 'function') return null;
  const heap = engine.heap as unknown as { alloc(bytes: number): number; release(off: number, bytes: number): void };
  const args = heap.alloc(ARGS_BYTES + 8);
  const writeArgs = (d: AttentionLoopDims, at: Partial<Record<Ptr, number>>) => {
    const i = engine.i32();
    i.set(loopInts(d), args >> 2);
    PTRS.forEach((p, k) => (i[(args >> 2) + 8 + k] = at[p] ?? 0));
  };
  /** Allocates the named sizes (floats) as one block; returns each part's offset. */
  const allocate = (parts: [Ptr, number][]): { at: Partial<Record<Ptr, number>>; block: Region } => {
    let total = 0;
    const rel: Partial<Record<Ptr, number>> = {};
    for (const [name, n] of parts) {
      if (n <= 0) continue;
      rel[name] = total;
      total += (n * 4 + 63) & ~63;
    }
    const off = heap.alloc(total);
    const at: Partial<Record<Ptr, number>> = {};
    for (const k of Object.keys(rel) as Ptr[]) at[k] = off + rel[k]!;
    return { at, block: { off, bytes: total } };
  };
  return {
    path,
    forward(d: AttentionLoopDims, x: AttentionLoopInputs): AttentionLoopForward {
      writeArgs(d, {});
      ex.attn_sizes!(args, args + ARGS_BYTES);
      const [cacheN, scratchN] = engine.i32().subarray((args + ARGS_BYTES) >> 2, ((args + ARGS_BYTES) >> 2) + 2);
      const { T, B, Tk, E, H, L } = d;
      const { at, block } = allocate([
        ['emb', T * B * E], ['enc', B * Tk * H], ['pk', B * Tk * H], ['vlen', B], ['h0', L * B * H], ['wq', H * H], ['wv', H], ['wts', attentionWtsSize(d)],
        ['att_mask', x.attMask ? T * B * Tk : 0], ['layer_mask', x.layerMask ? T * (L - 1) * B * H : 0],
        ['hs', T * B * H], ['hT', L * B * H], ['attw', T * B * Tk], ['cache', cacheN], ['scratch', scratchN],
      ]);
      engine.put([at.emb!, x.emb], [at.enc!, x.enc], [at.pk!, x.pk], [at.vlen!, x.vlen], [at.h0!, x.h0], [at.wq!, x.wq], [at.wv!, x.wv], [at.wts!, x.wts], [at.att_mask ?? 0, x.attMask], [at.layer_mask ?? 0, x.layerMask]);
      writeArgs(d, at);
      ex.attn_forward!(args);
      const f32 = engine.f32();
      const out = (p: Ptr, n: number) => f32.slice(at[p]! >> 2, (at[p]! >> 2) + n);
      let released = false;
      const saved: WasmSaved = {
        at,
        block,
        release: () => {
          if (!released) heap.release(block.off, block.bytes);
          released = true;
        },
      };
      return { hs: out('hs', T * B * H), hT: out('hT', L * B * H), attw: out('attw', T * B * Tk), saved };
    },
    backward(d, f, dhs, dhT) {
      const sv = f.saved as WasmSaved;
      const { T, B, H, L } = d;
      const g = newGrads(d);
      const { at, block } = allocate([['dhs', T * B * H], ['dhT', dhT ? L * B * H : 0], ['demb', g.demb.length], ['denc', g.denc.length], ['dpk', g.dpk.length], ['dh0', g.dh0.length], ['dwq', g.dwq.length], ['dwv', g.dwv.length], ['dwts', g.dwts.length]]);
      try {
        engine.put([at.dhs!, dhs], [at.dhT ?? 0, dhT]);
        writeArgs(d, { ...sv.at, ...at });
        ex.attn_backward!(args);
        const f32 = engine.f32();
        for (const k of ['demb', 'denc', 'dpk', 'dh0', 'dwq', 'dwv', 'dwts'] as const) g[k].set(f32.subarray(at[k]! >> 2, (at[k]! >> 2) + g[k].length));
      } finally {
        heap.release(block.off, block.bytes);
        sv.release();
      }
      return g;
    },
  };
}

registerWasmAttentionLoop((k: RecurrentKernel) => wasmLoop((k as WasmKernel).engine, k.path));
