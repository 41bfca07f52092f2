/**
 * Adam's state for checkpoints, shared by language models and translators: the step count,
 * both moments keyed by the variable's position in the model's variable list (so it reloads
 * into a model whose variables carry other names), and β₁ᵗ/β₂ᵗ as Adam accumulated them
 * (setWeights recomputes those with pow, which rounds differently in float32; restoring them
 * keeps a resumed curve bit-identical). SGD has no state.
 *
 * Read synchronously from the optimizer's fields: a job's `save` is synchronous, and the
 * public `getWeights` is async. tfjs 4.x keeps the moments in `accumulatedFirstMoment` /
 * `accumulatedSecondMoment` as `{ originalName: "<variable>/m", variable }`; the unit tests
 * (checkpoint, translation) resume bit-exactly through this file and fail if tfjs renames them.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SeqlabError } from '../util/errors';
import { loadTensors, saveTensors } from './checkpoint';
import type { AdamState } from '../kernels/adam';

interface AdamFields {
  iterations?: number;
  accumulatedFirstMoment?: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment?: { originalName: string; variable: tf.Variable }[];
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

export type SavedTensors = Map<string, { shape: number[]; data: Float32Array }>;

function isAdam(opt: tf.Optimizer): opt is tf.AdamOptimizer {
  return opt instanceof tf.AdamOptimizer;
}

/**
 * Copies of the optimizer's state (owned by the caller: Adam updates its moments in place),
 * or null for SGD or before the first step.
 */
export function optimizerStateTensors(opt: tf.Optimizer, vars: readonly tf.Variable[]): Record<string, tf.Tensor> | null {
  if (!isAdam(opt)) return null;
  const o = opt as unknown as AdamFields;
  const first = o.accumulatedFirstMoment ?? [];
  const second = o.accumulatedSecondMoment ?? [];
  if (first.length === 0) return null;
  const index = new Map(vars.map((v, i) => [v.name, i]));
  const out: Record<string, tf.Tensor> = { iter: tf.scalar(o.iterations ?? 0) };
  for (const [kind, list] of [['m', first], ['v', second]] as const) {
    list.forEach((x, k) => {
      // Match by the variable's name; fall back to position (the order gradients were applied).
      const i = index.get(x.originalName.replace(/\/[mv]$/, '')) ?? k;
      out[`${kind}.${i}`] = x.variable.clone();
    });
  }
  if (o.accBeta1 && o.accBeta2) {
    out.accBeta1 = o.accBeta1.clone();
    out.accBeta2 = o.accBeta2.clone();
  }
  return out;
}

/** Restores what optimizerStateTensors saved into an optimizer for a model of the same shape. */
export async function restoreOptimizerState(opt: tf.Optimizer, vars: readonly tf.Variable[], state: SavedTensors): Promise<void> {
  if (!isAdam(opt)) return;
  const iter = state.get('iter');
  if (!iter) throw new SeqlabError('The checkpoint is corrupted: the optimizer state has no step count.', 'checkpoint');
  const list: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(iter.data[0], 'int32') }];
  for (const kind of ['m', 'v']) {
    vars.forEach((v, i) => {
      const w = state.get(`${kind}.${i}`);
      if (!w || w.shape.join() !== v.shape.join()) throw new SeqlabError(`The checkpoint's optimizer state does not fit this model (${kind}.${i}).`, 'checkpoint');
      list.push({ name: `${v.name}/${kind}`, tensor: tf.tensor(w.data, w.shape) });
    });
  }
  await opt.setWeights(list);
  tf.dispose(list.map((w) => w.tensor));
  const acc = opt as unknown as AdamFields;
  const b1 = state.get('accBeta1');
  const b2 = state.get('accBeta2');
  if (acc.accBeta1 && acc.accBeta2 && b1 && b2) {
    tf.tidy(() => {
      acc.accBeta1!.assign(tf.scalar(b1.data[0]));
      acc.accBeta2!.assign(tf.scalar(b2.data[0]));
    });
  }
}

/** Writes the optimizer's state as optimizer.json + optimizer.bin into a checkpoint folder (nothing for SGD). */
export function saveOptimizerState(dir: string, opt: tf.Optimizer, vars: readonly tf.Variable[]): void {
  const state = optimizerStateTensors(opt, vars);
  if (!state) return;
  saveTensors(dir, state, 'optimizer');
  tf.dispose(Object.values(state));
}

/** Restores what saveOptimizerState wrote; true when the folder had optimizer state. */
export async function loadOptimizerState(dir: string, opt: tf.Optimizer, vars: readonly tf.Variable[]): Promise<boolean> {
  if (!existsSync(join(dir, 'optimizer.json'))) return false;
  await restoreOptimizerState(opt, vars, loadTensors(dir, 'optimizer'));
  return true;
}

/**
 * The fused training step's Adam (../kernels/adam.ts) takes over the optimizer's state before
 * an epoch: its moments, step count and β₁ᵗ/β₂ᵗ (zeros when the optimizer has not stepped).
 */
export function adamStateFrom(opt: tf.AdamOptimizer, vars: readonly tf.Variable[], state: AdamState): void {
  const saved = optimizerStateTensors(opt, vars);
  if (!saved) return state.reset();
  vars.forEach((_, i) => {
    for (const [kind, into] of [['m', state.m], ['v', state.v]] as const) {
      const t = saved[`${kind}.${i}`];
      if (!t || t.size !== into[i].length) throw new SeqlabError(`The optimizer state does not fit this model (${kind}.${i}).`, 'checkpoint');
      into[i].set(t.dataSync() as Float32Array);
    }
  });
  state.iterations = saved.iter.dataSync()[0];
  if (saved.accBeta1 && saved.accBeta2) {
    state.accBeta1 = saved.accBeta1.dataSync()[0];
    state.accBeta2 = saved.accBeta2.dataSync()[0];
  }
  tf.dispose(Object.values(saved));
}

/** …and hands it back after the epoch, so checkpoints save it through optimizerStateTensors. */
export async function adamStateInto(opt: tf.AdamOptimizer, vars: readonly tf.Variable[], state: AdamState): Promise<void> {
  if (state.iterations === 0) return;
  const o = opt as unknown as AdamFields;
  // setWeights makes fresh moment variables: free the ones they replace
  for (const x of [...(o.accumulatedFirstMoment ?? []), ...(o.accumulatedSecondMoment ?? [])]) x.variable.dispose();
  o.accumulatedFirstMoment = [];
  o.accumulatedSecondMoment = [];
  const saved: SavedTensors = new Map([
    ['iter', { shape: [], data: Float32Array.of(state.iterations) }],
    ['accBeta1', { shape: [], data: Float32Array.of(state.accBeta1) }],
    ['accBeta2', { shape: [], data: Float32Array.of(state.accBeta2) }],
  ]);
  vars.forEach((v, i) => {
    saved.set(`m.${i}`, { shape: v.shape, data: state.m[i] });
    saved.set(`v.${i}`, { shape: v.shape, data: state.v[i] });
  });
  await restoreOptimizerState(opt, vars, saved);
}
