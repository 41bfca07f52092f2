/**
 * The kernels' argument structs, from their one source ./layout.json (native/src/layout.h is
 * generated from it by native/gen-layout.js): slot numbers for the wasm heap (i32 each: the ints,
 * then the pointers) and buffer order for the native addon.
 */
import { createHash } from 'node:crypto';
import layout from './layout.json';

/** Pointer fields of the recurrent kernels' args struct, in order. */
export const ARGS_PTRS = layout.args.ptrs.map((f) => f.name);
/** Buffers the native addon's run() takes: the pointers, then the extras (wh). */
export const ARGS_BUFS = [...ARGS_PTRS, ...layout.args.extra.map((f) => f.name)];
/** i32 slot of every field of the args struct in the wasm heap. */
export const ARGS_SLOT: Readonly<Record<string, number>> = Object.fromEntries(
  [...layout.args.ints, ...ARGS_PTRS].map((name, i) => [name, i]),
);
export const ARGS_SLOTS = layout.args.ints.length + ARGS_PTRS.length;
/** The dense layer's ints (N, D, V, nparts) and pointers, in order. */
export const DARGS_INTS = layout.dargs.ints.length;
export const DARGS_PTRS = layout.dargs.ptrs.map((f) => f.name);

/** Hash of the layout (as native/gen-layout.js computes it): the addon reports the one it was built from. */
export const LAYOUT_HASH = createHash('sha256').update(JSON.stringify(layout)).digest('hex').slice(0, 16);
