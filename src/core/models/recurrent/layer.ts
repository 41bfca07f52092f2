/**
 * One recurrent layer (one direction): its parameters in the kernels' packed layout (see
 * ../cells.ts), its state, and its forward pass by a strategy (./strategy.ts). Sequences are
 * time-major: x is int32 ids [T, B] (layer 0 with one-hot inputs: rows of wx are gathered) or
 * float [T, B, I]; the outputs are [T, B, H].
 */
import type * as tf from '@tensorflow/tfjs';
import type { CellKind } from '../../kernels/types';
import type { Impl } from './strategy';

/** Hidden state [B, H] and, for LSTM, the memory cell [B, H]. */
export interface LayerState {
  h: tf.Tensor2D;
  c: tf.Tensor2D | null;
}

/** Packed parameters: wx [I, G·H], wh [H, G·H], b [G·H]. */
export interface PackedWeights {
  wx: tf.Tensor2D;
  wh: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** What the reference cells recorded for one layer × direction, [T][B][H] per gate. */
export interface LayerRecord {
  layer: number;
  direction: 'forward' | 'backward';
  gates: Record<string, tf.Tensor2D[]>;
  hidden: tf.Tensor2D[];
  memory?: tf.Tensor2D[];
}

export interface LayerForwardOptions {
  /** The strategy that computes this pass (from chooseStrategy). */
  strategy: Impl;
  /** Gradient multiplier on the state entering step t (see ForwardOptions.gradScales of ../rnn-lm.ts). */
  gradScales?: number[];
  /** Filled with the gates of every step (reference strategy only). */
  record?: LayerRecord;
}

export interface RecurrentLayer {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hidden: number;
  /** The strategy whose layout holds the weights (a tf.layers layer, or packed variables). */
  readonly storage: Impl;
  /** d2l's begin_state for this layer: zeros. */
  initState(batch: number): LayerState;
  forward(x: tf.Tensor, state: LayerState, opts: LayerForwardOptions): { hs: tf.Tensor3D; state: LayerState };
  /** The weights in packed layout: the variables themselves, or converted copies for tf.layers (dispose them, e.g. in a tidy). */
  packedWeights(): PackedWeights;
  /** Overwrites the weights with packed-layout values (not consumed). */
  setPackedWeights(w: PackedWeights): void;
  /** Trainable variables, for variableGrads and the optimizer. */
  variables(): tf.Variable[];
  dispose(): void;
}
