/**
 * Generation without tfjs ops: the model's weights are read once into Float32Arrays, then each
 * character runs the fused recurrent kernel layer by layer (T = 1, B = 1) and the output layer
 * on raw arrays, so no tensor is created per step. Per-step tfjs dispatch (tensor creation,
 * the fused op's wrapping, matMul / add / slice / dataSync) cost ~60 µs a character, more than
 * the arithmetic of the textbook's models.
 *
 * Same kernel calls as RecurrentLM.forward with the fused implementation (token ids gather rows
 * of wx on layer 0; embeddings are gathered rows of the table, as tokenRows does), hence the
 * same numbers. Bidirectional models are left to the tfjs path (RecurrentLM.forward).
 */
import { f32Weights } from '../kernels/tensor-io';
import { currentKernel } from '../kernels/select';
import { kernelFor } from '../kernels/tfjs-op';
import { tsDense } from '../kernels/reference';
import type { CellKind, CellWeights, RecurrentKernel } from '../kernels/types';
import type { RecurrentLM } from './rnn-lm';

/** A unidirectional recurrent LM on raw arrays (packed layout, see ../kernels/types.ts). */
export interface StepWeights {
  kind: CellKind;
  vocabSize: number;
  hidden: number;
  /** per layer, bottom first */
  layers: CellWeights[];
  /** [V, E] row-major, or null for one-hot input */
  embed: Float32Array | null;
  /** [H, V] */
  wq: Float32Array;
  /** [V] */
  bq: Float32Array;
}

/** Whether predictIds can run `model` on the kernel directly (fused impl, one direction). */
export function supportsKernelGenerate(model: RecurrentLM): boolean {
  return model.config.impl === 'fused' && model.dirs === 1;
}

/** The model's weights as arrays (read once per weight version; cached by tensor data). */
export function stepWeightsOf(model: RecurrentLM): StepWeights {
  if (model.dirs !== 1) throw new Error('stepWeightsOf: bidirectional models are not supported');
  const { kind, vocabSize, hidden, layers } = model.config;
  return {
    kind,
    vocabSize,
    hidden,
    layers: Array.from({ length: layers }, (_, l) => {
      const w = model.packedWeights(l);
      const cw: CellWeights = { wx: f32Weights(w.wx), wh: f32Weights(w.wh), b: f32Weights(w.b) };
      // PyTorch's GRU variant: b_hn selects the reset-after step in every kernel
      if (w.bhn) cw.bhn = f32Weights(w.bhn);
      return cw;
    }),
    embed: model.embed ? f32Weights(model.embed) : null,
    wq: f32Weights(model.wq),
    bq: f32Weights(model.bq),
  };
}

/**
 * Carries the recurrent state (batch 1) between calls of `feed`. Not thread-safe; cheap to
 * create. The kernel must stay alive while the stepper is used.
 */
export class KernelStepper {
  private h: Float32Array[];
  private c: (Float32Array | null)[];
  readonly kernel: RecurrentKernel;

  constructor(
    readonly weights: StepWeights,
    kernel: RecurrentKernel = currentKernel(),
  ) {
    const { layers, hidden: H, kind } = weights;
    // a path without PyTorch's GRU variant hands it to the reference kernel (resetAfterNote)
    this.kernel = kernelFor(kernel, layers.some((w) => w.bhn !== undefined));
    this.h = layers.map(() => new Float32Array(H));
    this.c = layers.map(() => (kind === 'lstm' ? new Float32Array(H) : null));
  }

  /** Back to d2l's begin_state (zeros). */
  reset(): void {
    this.h.forEach((h) => h.fill(0));
    this.c.forEach((c) => c?.fill(0));
  }

  /**
   * Runs the tokens through every layer in one kernel call per layer (T = ids.length) and
   * returns the logits [V] after the last one, or null when `logits` is false (warm-up).
   */
  feed(ids: ArrayLike<number>, logits = true): Float32Array | null {
    const T = ids.length;
    if (T === 0) throw new Error('KernelStepper.feed: no tokens');
    const { kind, hidden: H, vocabSize: V, embed, layers } = this.weights;
    const k = this.kernel;
    let input: Float32Array | Int32Array;
    let I: number;
    if (embed) {
      I = embed.length / V;
      input = new Float32Array(T * I);
      for (let t = 0; t < T; t++) input.set(embed.subarray(ids[t] * I, (ids[t] + 1) * I), t * I);
    } else {
      I = V;
      input = T === 1 ? Int32Array.of(ids[0]) : Int32Array.from(ids);
    }
    for (let l = 0; l < layers.length; l++) {
      const r = k.forward(kind, { T, B: 1, I, H }, input, this.h[l], this.c[l], layers[l], { cache: false });
      this.h[l] = r.hT;
      if (r.cT) this.c[l] = r.cT;
      input = r.hs;
      I = H;
    }
    if (!logits) return null;
    const top = T === 1 ? (input as Float32Array) : (input as Float32Array).slice((T - 1) * H);
    const { wq, bq } = this.weights;
    const dims = { N: 1, D: H, V };
    return k.dense ? k.dense(dims, top, wq, bq, { fixedWeights: true }) : tsDense(dims, top, wq, bq);
  }
}
