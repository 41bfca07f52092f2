/**
 * The tf.layers strategy (the textbook's "concise" path): Keras simpleRNN / gru / lstm layers
 * holding the weights in their own layout, batch-major. Weights convert to and from the packed
 * layout (LSTM gate blocks: packed [i, f, o, c̃] ↔ Keras [i, f, c, o]), so checkpoints and the
 * other strategies read the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellKind } from '../../kernels/types';
import { fusedForward } from './fused';
import type { LayerForwardOptions, LayerState, PackedWeights, RecurrentLayer } from './layer';
import { referenceForward } from './reference';

/** Packed [i, f, o, c̃] ↔ Keras [i, f, c, o]: swapping blocks 2 and 3 converts both ways. */
function swapLstmBlocks(w: tf.Tensor, H: number): tf.Tensor {
  const axis = w.rank - 1;
  const [i, f, a, b] = tf.split(w, [H, H, H, H], axis);
  return tf.concat([i, f, b, a], axis);
}

export class TfLayersLayer implements RecurrentLayer {
  readonly storage = 'layers' as const;
  private readonly layer: tf.layers.Layer;

  constructor(
    readonly kind: CellKind,
    readonly inputSize: number,
    readonly hidden: number,
    init: PackedWeights,
  ) {
    // Keras defaults differ from the textbook (hard sigmoid, orthogonal init): set them explicitly.
    // Initialisers are zeros because setPackedWeights overwrites them (orthogonal init is slow).
    const common = { units: hidden, returnSequences: true, returnState: true, inputShape: [null, inputSize] as [null, number], kernelInitializer: 'zeros', recurrentInitializer: 'zeros' } as const;
    const args = { ...common, recurrentActivation: 'sigmoid' as const };
    this.layer = kind === 'rnn' ? tf.layers.simpleRNN(common) : kind === 'gru' ? tf.layers.gru(args) : tf.layers.lstm(args);
    // Layer.apply builds the weights on first use (calling build() directly leaves it unbuilt).
    tf.tidy(() => {
      this.layer.apply(tf.zeros([1, 1, inputSize]));
    });
    this.setPackedWeights(init);
  }

  private convert(t: tf.Tensor): tf.Tensor {
    return this.kind === 'lstm' ? swapLstmBlocks(t, this.hidden) : t.clone();
  }

  initState(batch: number): LayerState {
    return { h: tf.zeros([batch, this.hidden]), c: this.kind === 'lstm' ? tf.zeros([batch, this.hidden]) : null };
  }

  forward(x: tf.Tensor, state: LayerState, opts: LayerForwardOptions): { hs: tf.Tensor3D; state: LayerState } {
    if (opts.strategy === 'fused') return fusedForward(this.kind, this.packedWeights(), x, state, this.inputSize, opts.gradScales);
    if (opts.strategy === 'scratch') return referenceForward(this.kind, this.packedWeights(), x, state, this.inputSize, opts.gradScales, opts.record);
    const ids = x.dtype === 'int32';
    const xb = tf.transpose(ids ? tf.oneHot(x as tf.Tensor2D, this.inputSize).toFloat() : x, [1, 0, 2]);
    const out = this.layer.apply(xb, { initialState: this.kind === 'lstm' ? [state.h, state.c!] : [state.h] }) as tf.Tensor[];
    // Keras returns [sequence, h, c] for LSTM (state order [h, c]).
    return { hs: tf.transpose(out[0], [1, 0, 2]) as tf.Tensor3D, state: { h: out[1] as tf.Tensor2D, c: this.kind === 'lstm' ? (out[2] as tf.Tensor2D) : null } };
  }

  packedWeights(): PackedWeights {
    const [k, r, bias] = this.layer.getWeights();
    return { wx: this.convert(k) as tf.Tensor2D, wh: this.convert(r) as tf.Tensor2D, b: this.convert(bias) as tf.Tensor1D };
  }

  setPackedWeights(w: PackedWeights): void {
    const ws = [this.convert(w.wx), this.convert(w.wh), this.convert(w.b)];
    this.layer.setWeights(ws);
    tf.dispose(ws);
  }

  variables(): tf.Variable[] {
    return this.layer.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  dispose(): void {
    this.layer.dispose();
  }
}
