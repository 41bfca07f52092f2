/**
 * Moving data between tfjs tensors and the kernels' Float32Arrays. On the wasm backend
 * tensors live in the wasm heap: tf.tensor(values) copies values in and dataSync copies out
 * into a fresh array, so arrays can come from and go back to the shared pool
 * (./buffer-pool.ts). On the cpu backend a tensor keeps the very array it was made from and
 * dataSync returns it, so nothing read from or put into a tensor may be recycled there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferPool } from './buffer-pool';

export function f32(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/**
 * Weight arrays read for inference, keyed by the tensor's data handle: a tfjs data handle
 * never changes contents (Variable.assign swaps the handle), so repeated generation steps
 * reuse one Float32Array (and the kernels reuse their packed copy of it).
 */
const weightArrays = new WeakMap<object, Float32Array>();
export function f32Weights(t: tf.Tensor): Float32Array {
  const id = t.dataId as object;
  let a = weightArrays.get(id);
  if (!a) {
    a = f32(t);
    weightArrays.set(id, a);
  }
  return a;
}

/** True when tfjs is recording a gradient tape (inside tf.grads / variableGrads / minimize). */
export function recording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return state?.gradientDepth === undefined ? true : state.gradientDepth > 0;
}

interface WasmHeapBackend {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  dataIdMap: { has(dataId: object): boolean };
}

function wasmHeap(): WasmHeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmHeapBackend>;
  return typeof b.typedArrayFromHeap === 'function' && typeof b.dataIdMap?.has === 'function' ? (b as WasmHeapBackend) : null;
}

/** True when making a tensor copies its values (then the array is free again at once). */
function tensorsCopy(): boolean {
  return wasmHeap() !== null;
}

/**
 * A float32 tensor's values, to read (never to write). On the wasm backend: a pooled copy,
 * to hand back with `release` when done; elsewhere what dataSync gives.
 */
export function readValues(t: tf.Tensor): Float32Array {
  const heap = t.dtype === 'float32' ? wasmHeap() : null;
  // data still held by another backend (made before a backend switch) moves on dataSync;
  // the heap view is valid only until the wasm heap next grows: copied at once
  return heap?.dataIdMap.has(t.dataId) ? bufferPool.copyOf(heap.typedArrayFromHeap(t)) : f32(t);
}

/** Gives arrays read with readValues, or put into tensors, back to the pool where that is safe. */
export function release(...arrays: (Float32Array | Int32Array | null | undefined)[]): void {
  if (tensorsCopy()) bufferPool.give(...arrays);
}

/** A float32 tensor made from a kernel's output array, which is released. */
export function tensorFrom<R extends tf.Rank = tf.Rank>(a: Float32Array, shape: readonly number[]): tf.Tensor<R> {
  const t = tf.tensor(a, shape as number[], 'float32') as unknown as tf.Tensor<R>;
  release(a);
  return t;
}

/**
 * A float32 tensor's values without a copy where the backend allows (a view of the wasm
 * backend's heap; dataSync's array elsewhere), valid only until the next tfjs call: for a
 * kernel that reads them at once (the embedding gather reads a few rows of a large table).
 */
export function peekValues(t: tf.Tensor): Float32Array {
  const heap = t.dtype === 'float32' ? wasmHeap() : null;
  return heap?.dataIdMap.has(t.dataId) ? heap.typedArrayFromHeap(t) : f32(t);
}
