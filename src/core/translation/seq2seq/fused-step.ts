/**
 * The plain seq2seq's whole training step on the kernels, with no tfjs op in the loop: the
 * embedding gathers, both GRU stacks (one fused kernel call per layer and direction), the
 * output layer with d2l's masked softmax cross-entropy (../../kernels/masked-xent.ts), the
 * backward pass, the global-norm clipping and Adam (../../kernels/adam.ts) all work on
 * Float32Arrays that live here between steps. At the textbook's sizes a step was ~300 tfjs
 * dispatches (each 0.1–3 ms on the wasm backend); here it is ~12 kernel calls.
 *
 * Same numbers as the per-op path (../train.ts 'per-op'): the same equations, the same
 * dropout masks (../../kernels/dropout-mask.ts, drawn from the same seeds in the same order),
 * PyTorch's Adam. The parameters and Adam's state are copied in from the model's variables and
 * the tfjs optimizer before an epoch (`load`) and written back after it (`store`), so
 * checkpoints, evaluation and resuming see one model whichever path trained it.
 *
 * The decoder's first layer reads [embedding, context] at every step, as the book's torch.cat.
 * The context never changes over a sequence, so its rows of that layer's W_x are applied once
 * per sequence (context · W_c, the kernels' per-row input term `rowBias`) and the layer reads
 * the embeddings alone: the same sums, without T copies of the context nor T products with it.
 * Its gradient comes back summed over time, from which dW_c = contextᵀ·d and d context = d·W_cᵀ.
 */
import type * as tf from '@tensorflow/tfjs';
import { bufferPool, ScratchArrays } from '../../kernels/buffer-pool';
import { currentKernel } from '../../kernels/select';
import { dropoutMask } from '../../kernels/dropout-mask';
import { keptRows, maskedDenseXent } from '../../kernels/masked-xent';
import { embeddingOps } from '../../kernels/embedding-op';
import { tsDense, tsDenseBackward } from '../../kernels/reference';
import type { BackwardResult, CellWeights, ForwardCache, RecurrentKernel } from '../../kernels/types';
import { AdamState, fusedAdamClip } from '../../kernels/adam';
import type { NmtBatch } from '../nmt-data';
import { adamStateFrom, adamStateInto } from '../../training/optimizer-state';
import type { Seq2Seq } from './model';

interface LayerRun {
  cache: ForwardCache;
  /** the layer's input (kept until its backward) and its dropout mask (layers above the first) */
  input: Float32Array;
  mask: Float32Array | null;
  hs: Float32Array;
}

export interface FusedStepResult {
  /** Σ over the batch of each sequence's mean masked loss (the per-op path's `.sum()`) */
  loss: number;
  /** global gradient norm before clipping */
  norm: number;
}

/** The gradient through inverted dropout: times the same mask (in place). */
function throughDropout(dx: Float32Array, mask: Float32Array | null): Float32Array {
  if (mask) for (let j = 0; j < dx.length; j++) dx[j] *= mask[j];
  return dx;
}

function copyInto(to: Float32Array, from: Float32Array): Float32Array {
  to.set(from);
  return to;
}

export class Seq2SeqFusedStep {
  /** parameters in model.variables() order */
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly adam: AdamState;
  private readonly kernel: RecurrentKernel;
  /** this step's own buffers, reused every step (the kernels' results come from the shared pool) */
  private readonly arena = new ScratchArrays();

  constructor(
    readonly model: Seq2Seq,
    readonly opts: { lr: number; clip: number; beta1?: number; beta2?: number; epsilon?: number },
  ) {
    if (model.config.variant === 'pytorch') throw new Error('the fused training step takes d2l\'s GRU only (an imported PyTorch GRU trains on the per-op path)');
    this.kernel = currentKernel();
    const vars = model.variables();
    this.params = vars.map((v) => new Float32Array(v.size));
    this.grads = vars.map((v) => new Float32Array(v.size));
    this.adam = new AdamState(vars.map((v) => v.size), opts.beta1 ?? 0.9, opts.beta2 ?? 0.999);
    // The kernels' results (hidden states, gate activations, gradients) come from the shared pool;
    // a step holds ~8 arrays per layer of each size at once, beyond the pool's default keep, and
    // an array the pool drops is a fresh allocation (and GC work) on the next step.
    const { embedSize: E, numHiddens: H, numLayers: L, tgtVocabSize: V, srcVocabSize: Vs } = model.config;
    const perStep = 4 * (16 * L * 64 * 32 * (E + 3 * H) + 3 * (H * V + E * (V + Vs)));
    bufferPool.raiseLimits(8 * 4 * L, 64 * 2 ** 20 + 2 * perStep);
  }

  /**
   * Before an epoch: takes the model's variables and the optimizer's state, unless they are
   * still the very tensors `syncOut` wrote (tfjs never changes a tensor's data in place:
   * a load, a resume or another trainer would have swapped them).
   */
  syncIn(opt: tf.AdamOptimizer): void {
    if (this.written && this.stamp(opt).every((id, i) => id === this.written![i])) return;
    this.model.variables().forEach((v, i) => this.params[i].set(v.dataSync() as Float32Array));
    adamStateFrom(opt, this.model.variables(), this.adam);
  }

  /** After an epoch (and when it stops): the parameters and Adam's state back into the model and the optimizer. */
  async syncOut(tfl: typeof tf, opt: tf.AdamOptimizer): Promise<void> {
    const vars = this.model.variables();
    vars.forEach((v, i) => {
      const t = tfl.tensor(this.params[i], v.shape);
      v.assign(t);
      t.dispose();
    });
    await adamStateInto(opt, vars, this.adam);
    this.written = this.stamp(opt);
  }

  /** What syncOut wrote: the variables' and the moments' data ids. */
  private written: object[] | null = null;
  private stamp(opt: tf.AdamOptimizer): object[] {
    const o = opt as unknown as { accumulatedFirstMoment?: { variable: tf.Variable }[]; accumulatedSecondMoment?: { variable: tf.Variable }[] };
    const moments = [...(o.accumulatedFirstMoment ?? []), ...(o.accumulatedSecondMoment ?? [])].map((x) => x.variable);
    return [...this.model.variables(), ...moments].map((v) => v.dataId as object).concat([opt.iterations as unknown as object]);
  }

  /** A buffer of this step's by name (its contents are whatever the last step left; the decoder's widths change per batch). */
  private buf(name: string, n: number): Float32Array {
    return this.arena.get(name, n);
  }

  /** Where things sit in model.variables(): the encoder's embedding, its layers' [W_x, W_h, b], then the decoder's. */
  private index(what: 'embedding' | number, enc: boolean): number {
    const L = this.model.config.numLayers;
    const side = enc ? 0 : 1 + 3 * L;
    return what === 'embedding' ? side : side + 1 + 3 * what;
  }

  private layer(l: number, enc: boolean): CellWeights {
    const i = this.index(l, enc);
    return { wx: this.params[i], wh: this.params[i + 1], b: this.params[i + 2] };
  }

  /** Copies a layer's weight gradients into the step's gradient arrays and gives the kernel's back. */
  private keepLayerGrads(l: number, enc: boolean, r: BackwardResult): void {
    const gi = this.index(l, enc);
    this.grads[gi].set(r.dwx);
    this.grads[gi + 1].set(r.dwh);
    this.grads[gi + 2].set(r.db);
    bufferPool.give(r.dwx, r.dwh, r.db);
  }

  /** An embedding table's gradient from the kernel's scatter-add into the step's gradient array. */
  private keepEmbeddingGrad(i: number, d: Float32Array): void {
    this.grads[i].set(d);
    bufferPool.give(d);
  }

  /**
   * One step on a batch: forward, backward, clip, Adam. `nextSeed` gives each dropout mask's
   * seed in the per-op path's order (encoder layers 1…L−1, then decoder layers 1…L−1).
   */
  step(batch: NmtBatch, bos: number, T: number, training: boolean, nextSeed: () => number): FusedStepResult {
    // the batch's own widths (num_steps, or less where batches are bucketed by length); the loss still divides by num_steps T
    const Ts = batch.X[0].length;
    // The decoder stops at the batch's longest target: with teacher forcing, step t only feeds the
    // loss at steps ≥ t, and every loss beyond a sequence's valid length is masked to exactly 0, so
    // the steps after the longest one change no loss and no gradient (d2l computes them; the sums
    // are the same). The encoder runs over all its padding, as in the book: its state depends on it.
    const Td = Math.max(1, Math.min(batch.Y[0].length, Math.max(...batch.YValidLen)));
    const { embedSize: E, numHiddens: H, numLayers: L, tgtVocabSize: V, srcVocabSize: Vs, dropout } = this.model.config;
    const k = this.kernel;
    const B = batch.X.length;
    const TBs = Ts * B, TB = Td * B;
    const P = this.params;
    const encEmb = P[this.index('embedding', true)], decEmb = P[this.index('embedding', false)], dW = P[P.length - 2], dB = P[P.length - 1];
    const useDropout = training && dropout > 0;
    const runStack = (x0: Float32Array, I0: number, h0s: Float32Array[], enc: boolean, rowBias?: Float32Array): LayerRun[] => {
      const side = enc ? 'enc' : 'dec';
      const Tn = enc ? Ts : Td, n = Tn * B * H;
      const runs: LayerRun[] = [];
      let input = x0;
      for (let l = 0; l < L; l++) {
        let mask: Float32Array | null = null;
        if (l > 0) {
          mask = useDropout ? dropoutMask(nextSeed(), dropout, this.buf(`${side}-mask${l}`, n)) : null;
          const prev = runs[l - 1].hs;
          if (mask) {
            const x = this.buf(`${side}-in${l}`, n);
            for (let j = 0; j < x.length; j++) x[j] = prev[j] * mask[j];
            input = x;
          } else input = prev;
        }
        const w = this.layer(l, enc);
        // the decoder's first layer reads the embeddings only: its context rows went into rowBias
        const first = l === 0 && rowBias;
        const r = k.forward('gru', { T: Tn, B, I: l === 0 ? I0 : H, H }, input, h0s[l], null, first ? { ...w, wx: w.wx.subarray(0, E * 3 * H) } : w, first ? { rowBias } : {});
        runs.push({ cache: r.cache!, input, mask, hs: r.hs });
        bufferPool.give(r.hT); // = the last rows of hs
      }
      return runs;
    };

    // the kernel's ops where it has them (methods: called on k), else the TypeScript references
    const { embeddingGather: gather, embeddingScatter: scatter } = embeddingOps(k);
    const dense: typeof tsDense = (...a) => (k.dense ? k.dense(...a) : tsDense(...a));
    const denseBackward: typeof tsDenseBackward = (...a) => (k.denseBackward ? k.denseBackward(...a) : tsDenseBackward(...a));
    // ---- encoder: [T, B, E] embeddings of the source (time-major, d2l's permute(1, 0, 2))
    const srcTok = new Int32Array(TBs);
    for (let t = 0; t < Ts; t++) for (let b = 0; b < B; b++) srcTok[t * B + b] = batch.X[b][t];
    const xe = gather(Vs, E, encEmb, srcTok);
    const zeros = this.buf('zeros', B * H).fill(0);
    const enc = runStack(xe, E, new Array<Float32Array>(L).fill(zeros), true);
    const encState = enc.map((r) => r.hs.subarray((Ts - 1) * B * H));
    const context = encState[L - 1];

    // ---- decoder: [<bos>, Y without its last token]; its input [embedding, context] per step is the
    // embedding through W_x's first E rows plus the context through the other H, once per sequence
    const decTok = new Int32Array(TB);
    for (let t = 0; t < Td; t++) for (let b = 0; b < B; b++) decTok[t * B + b] = t === 0 ? bos : batch.Y[b][t - 1];
    const xd = gather(V, E, decEmb, decTok);
    const N = 3 * H, wxC = this.layer(0, false).wx.subarray(E * N);
    const ctxDims = { N: B, D: H, V: N };
    const ctxProj = dense(ctxDims, context, wxC, this.buf('zerosN', N).fill(0));
    const dec = runStack(xd, E, encState.map((s, l) => copyInto(this.buf(`dec-h0-${l}`, B * H), s)), false, ctxProj);
    const top = dec[L - 1].hs;

    // ---- output layer + masked loss (mean over all T steps per sequence, summed over the batch)
    const kept = keptRows(batch.Y, batch.YValidLen, Td, 'time-major');
    const g = maskedDenseXent(k, TB, H, V, top, dW, dB, kept, 1 / T);
    const G = this.grads;
    G[G.length - 2].set(g.dw);
    G[G.length - 1].set(g.db);
    bufferPool.give(g.dw, g.db);

    // ---- backward through the decoder stack, then the encoder's
    const dEncState: Float32Array[] = [];
    let dhs = g.da;
    for (let l = L - 1; l >= 0; l--) {
      const r = k.backward(dec[l].cache, dhs, null, null);
      bufferPool.give(dhs);
      const drow = r.drowBias;
      this.keepLayerGrads(l, false, r); // the first layer's: W_x's embedding rows
      dEncState[l] = r.dh0;
      const dx = r.dx!;
      if (l > 0) dhs = throughDropout(dx, dec[l].mask);
      else {
        // the context's rows of W_x and the context itself, from the row term's gradient
        const gc = denseBackward(ctxDims, context, wxC, drow!);
        G[this.index(0, false)].set(gc.dw, E * N);
        const dCtx = dEncState[L - 1];
        for (let j = 0; j < B * H; j++) dCtx[j] += gc.da[j];
        bufferPool.give(gc.da, gc.dw, gc.db, drow, ctxProj);
        this.keepEmbeddingGrad(this.index('embedding', false), scatter(V, E, decTok, dx));
        bufferPool.give(dx);
      }
    }
    dhs = this.buf('enc-dhs', TBs * H).fill(0); // the encoder's outputs feed nothing but its final state
    for (let l = L - 1; l >= 0; l--) {
      const r = k.backward(enc[l].cache, dhs, dEncState[l], null);
      bufferPool.give(dhs, dEncState[l], r.dh0);
      this.keepLayerGrads(l, true, r);
      const dx = r.dx!;
      if (l > 0) dhs = throughDropout(dx, enc[l].mask);
      else {
        this.keepEmbeddingGrad(this.index('embedding', true), scatter(Vs, E, srcTok, dx));
        bufferPool.give(dx);
      }
    }

    // ---- free what the forward kept
    for (const r of [...enc, ...dec]) bufferPool.give(r.hs);
    bufferPool.give(xe, xd);

    const norm = fusedAdamClip(this.params, this.grads, this.adam, this.opts.lr, this.opts.clip, this.opts.epsilon ?? 1e-8, this.kernel);
    return { loss: g.loss, norm };
  }
}
