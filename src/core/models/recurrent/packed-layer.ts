/**
 * A recurrent layer whose weights are packed-layout variables, computed by the fused kernel or
 * the reference cells. (The tf.layers strategy keeps its weights in a Keras layer: ./tf-layers.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { SeqlabError } from '../../util/errors';
import type { CellKind } from '../../kernels/types';
import { fusedForward } from './fused';
import type { LayerForwardOptions, LayerState, PackedWeights, RecurrentLayer } from './layer';
import { referenceForward } from './reference';
import { TfLayersLayer } from './tf-layers';
import type { Impl } from './strategy';

export class PackedLayer implements RecurrentLayer {
  private readonly wx: tf.Variable;
  private readonly wh: tf.Variable;
  private readonly b: tf.Variable;

  /** `init` tensors are consumed; `name` prefixes the variables (tfjs names them globally). */
  constructor(
    readonly kind: CellKind,
    readonly inputSize: number,
    readonly hidden: number,
    readonly storage: Exclude<Impl, 'layers'>,
    init: PackedWeights,
    name: string,
  ) {
    const v = (t: tf.Tensor, n: string) => {
      const variable = tf.variable(t, true, `${name}.${n}`);
      t.dispose();
      return variable;
    };
    this.wx = v(init.wx, 'wx');
    this.wh = v(init.wh, 'wh');
    this.b = v(init.b, 'b');
  }

  initState(batch: number): LayerState {
    return { h: tf.zeros([batch, this.hidden]), c: this.kind === 'lstm' ? tf.zeros([batch, this.hidden]) : null };
  }

  forward(x: tf.Tensor, state: LayerState, opts: LayerForwardOptions): { hs: tf.Tensor3D; state: LayerState } {
    const w = this.packedWeights();
    if (opts.strategy === 'fused') return fusedForward(this.kind, w, x, state, this.inputSize, opts.gradScales);
    if (opts.strategy === 'scratch') return referenceForward(this.kind, w, x, state, this.inputSize, opts.gradScales, opts.record);
    throw new SeqlabError('This model keeps packed weights; the layers strategy needs a model built with impl "layers".');
  }

  packedWeights(): PackedWeights {
    return { wx: this.wx as tf.Tensor as tf.Tensor2D, wh: this.wh as tf.Tensor as tf.Tensor2D, b: this.b as tf.Tensor as tf.Tensor1D };
  }

  setPackedWeights(w: PackedWeights): void {
    this.wx.assign(w.wx);
    this.wh.assign(w.wh);
    this.b.assign(w.b);
  }

  variables(): tf.Variable[] {
    return [this.wx, this.wh, this.b];
  }

  dispose(): void {
    tf.dispose([this.wx, this.wh, this.b]);
  }
}

/** Builds a layer that stores its weights for `storage` (init tensors are consumed). */
export function createRecurrentLayer(kind: CellKind, inputSize: number, hidden: number, storage: Impl, init: PackedWeights, name: string): RecurrentLayer {
  if (storage !== 'layers') return new PackedLayer(kind, inputSize, hidden, storage, init, name);
  const layer = new TfLayersLayer(kind, inputSize, hidden, init);
  tf.dispose([init.wx, init.wh, init.b]);
  return layer;
}
