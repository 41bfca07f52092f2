/**
 * Shared types of the fused recurrent kernels.
 *
 * Equations and packed layout (the contract the models build on), X_t is B×I, H is B×H:
 * - RNN  (G=1): H = tanh(X W_xh + H W_hh + b_h)
 * - GRU  (G=3, gate order [z, r, h̃], d2l's scratch form, reset applied before the product):
 *   Z = σ(X W_xz + H W_hz + b_z); R = σ(X W_xr + H W_hr + b_r);
 *   H̃ = tanh(X W_xh + (R⊙H) W_hh + b_h); H = Z⊙H + (1−Z)⊙H̃
 * - LSTM (G=4, gate order [i, f, o, c̃]): I, F, O = σ(…); C̃ = tanh(…);
 *   C = F⊙C + I⊙C̃; H = O⊙tanh(C)
 * - GRU, PyTorch's variant (`torch.nn.GRU`, cuDNN's formulation; Keras' `reset_after`): the reset
 *   gate applies after the hidden product, which keeps its own bias b_hn:
 *   H̃ = tanh(X W_xh + b_h + R⊙(H W_hh + b_hn)); Z, R and H as above. Selected by passing
 *   `bhn` [H] in the weights (b then holds b_ih + b_hh for z and r, and only b_in for h̃).
 * Per layer: `wx` row-major [I, G·H] (gate g in columns g·H … (g+1)·H−1), `wh` [H, G·H],
 * `b` [G·H]. Sequences are time-major: x [T, B, I], hs [T, B, H].
 */

export type CellKind = 'rnn' | 'gru' | 'lstm';

/** The two GRU formulations: d2l's from-scratch one (reset before the product) and PyTorch's (after). */
export type GruVariant = 'd2l' | 'pytorch';
export const GRU_VARIANTS: readonly GruVariant[] = ['d2l', 'pytorch'];

/** Number of gate blocks G per cell kind. */
export const GATES: Readonly<Record<CellKind, number>> = { rnn: 1, gru: 3, lstm: 4 };

export interface Dims {
  /** time steps */
  T: number;
  /** batch rows */
  B: number;
  /** input size (vocabulary size for one-hot token ids) */
  I: number;
  /** hidden size */
  H: number;
}

export interface CellWeights {
  /** [I, G·H] row-major */
  wx: Float32Array;
  /** [H, G·H] row-major */
  wh: Float32Array;
  /** [G·H] */
  b: Float32Array;
  /** GRU only: [H], the candidate's hidden bias b_hn; present = PyTorch's reset-after variant. */
  bhn?: Float32Array;
}

/** Dense inputs [T, B, I] or one-hot token ids [T, B] (gathered rows of wx). */
export type SeqInput = Float32Array | Int32Array;

/** Which implementation runs the fused kernels. */
export type KernelPath = 'native' | 'wasm-simd-threads' | 'wasm-simd' | 'ts';

/** Opaque per-call state kept by forward for backward. Kernels extend it. */
export interface ForwardCache {
  readonly kind: CellKind;
  readonly dims: Dims;
  readonly path: KernelPath;
}

export interface ForwardResult {
  /** [T, B, H] */
  hs: Float32Array;
  /** [B, H] (a copy of hs[T−1]) */
  hT: Float32Array;
  /** [B, H], LSTM only */
  cT: Float32Array | null;
  /** null when forward was called with `{ cache: false }` */
  cache: ForwardCache | null;
}

export interface BackwardResult {
  /** [T, B, I]; null for token-id input */
  dx: Float32Array | null;
  dh0: Float32Array;
  dc0: Float32Array | null;
  dwx: Float32Array;
  dwh: Float32Array;
  db: Float32Array;
  /** [H] for the PyTorch GRU variant (weights with bhn), else absent */
  dbhn?: Float32Array;
  /** [B, N] when forward had `rowBias`: each row's gate gradients summed over time */
  drowBias?: Float32Array;
}

export interface ForwardOptions {
  /** keep what backward needs (default true); false for inference/generation */
  cache?: boolean;
  /**
   * [B, N]: a per-row input term added to every step's pre-activation, as if each row's input had
   * extra columns that never change over time (d2l's seq2seq decoder concatenates the encoder's
   * context to every step; projecting it once through those rows of W_x is the same sum with T
   * times less work). Backward then returns its gradient as `drowBias`.
   */
  rowBias?: Float32Array;
}

/** Sizes of the fused dense layer (the LM's output layer): Y[N, V] = A[N, D]·W[D, V] + b[V]. */
export interface DenseDims {
  /** rows (T·B) */
  N: number;
  /** input features (hidden size) */
  D: number;
  /** outputs (vocabulary size) */
  V: number;
}

export interface XentResult {
  /** [N, V]: (softmax − one-hot) / N (a label outside [0, V) is an error) */
  grad: Float32Array;
  /** [N, 2]: each row's max logit and Σ exp(logit − max) */
  stat: Float32Array;
}

export interface DenseGrads {
  /** [N, D] = dY·Wᵀ */
  da: Float32Array;
  /** [D, V] = Aᵀ·dY */
  dw: Float32Array;
  /** [V], column sums of dY */
  db: Float32Array;
}

/**
 * Arrays a kernel returns belong to the caller, who may give them to the shared pool
 * (./buffer-pool.ts) once nothing reads them. A kernel may keep the arrays it is passed
 * (and the hs it returned) in a forward cache until its backward has run.
 */
export interface RecurrentKernel {
  readonly path: KernelPath;
  /** Whether forward/backward take PyTorch's GRU variant (weights with `bhn`). */
  readonly resetAfter?: boolean;
  forward(
    kind: CellKind,
    dims: Dims,
    input: SeqInput,
    h0: Float32Array,
    c0: Float32Array | null,
    w: CellWeights,
    opts?: ForwardOptions,
  ): ForwardResult;
  /** dhs [T, B, H]; dhT/dcT [B, H] or null (treated as zeros). Consumes the cache. */
  backward(cache: ForwardCache, dhs: Float32Array, dhT: Float32Array | null, dcT: Float32Array | null): BackwardResult;
  /** Fused dense layer: Y[N, V] = A[N, D]·W[D, V] + b (all row-major). Optional: callers fall back to tfjs ops. */
  dense?(dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, opts?: DenseOptions): Float32Array;
  /** Its gradients given dY [N, V] (a and w as passed to dense). */
  denseBackward?(dims: DenseDims, a: Float32Array, w: Float32Array, dy: Float32Array): DenseGrads;
  /** Mean softmax cross-entropy of logits [N, V] against labels [N] (native/src/dense_core.h
   * xent_rows). Optional: callers fall back to a TypeScript loop. */
  softmaxXent?(N: number, V: number, logits: Float32Array, labels: Int32Array): XentResult;
  /** Release threads/memory. The kernel must not be used afterwards. */
  dispose?(): void;
  /** nn.Embedding's lookup (native/src/embedding_core.h): out [n, E] = rows ids of table [V, E].
   * Optional: ./embedding-op.ts then runs the TypeScript version (./reference.ts), with a notice. */
  embeddingGather?(V: number, E: number, table: Float32Array, ids: Int32Array): Float32Array;
  /** Its gradient: dtable [V, E], zero but for the rows ids read, each the sum of its rows of dy [n, E]. */
  embeddingScatter?(V: number, E: number, ids: Int32Array, dy: Float32Array): Float32Array;
  /** The LM's output layer and mean softmax cross-entropy in one pass (native/src/lm_head_core.h),
   * with the gradients of A, W and b when `grads`. Optional: ./head-loss-op.ts then runs
   * dense + softmaxXent + denseBackward, with a notice. */
  headXent?(dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array, labels: Int32Array, grads: boolean): HeadXentResult;
  /** Global-norm clipping and one Adam step over every parameter (native/src/adam_core.h), in
   * place on params, m and v; returns the norm before clipping. The same bits as adam.ts's
   * TypeScript loops. Optional: ./adam.ts fusedAdamClip then runs those loops. A kernel may
   * replace params[k], m[k] and v[k] by arrays of the same contents that it keeps between calls
   * (the wasm path: views of its memory), so callers index the lists again after a call. */
  adamClip?(params: Float32Array[], grads: readonly Float32Array[], m: Float32Array[], v: Float32Array[], step: AdamStepArgs): number;
  /** A decoder step's scores (native/src/beam_core.h): each row's K largest logits and its
   * log-softmax pieces. Optional: src/core/translation/decoder-step.ts then loops in TypeScript. */
  beamRows?(n: number, V: number, K: number, logits: Float32Array): BeamRows;
  /** A decoder step's output layer: dense with fixed weights for a few rows, its columns split
   * across both threads (native/src/beam_core.h beam_dense_cols); equal to dense bit for bit.
   * Optional: callers use dense(…, { fixedWeights: true }). */
  decoderDense?(dims: DenseDims, a: Float32Array, w: Float32Array, b: Float32Array): Float32Array;
}

export interface HeadXentResult {
  /** [N, 2]: each row's max logit and Σ exp(logit − max) */
  stat: Float32Array;
  /** [N]: each row's logit at its label (loss = Σ (max + log Σexp − picked) / N) */
  picked: Float32Array;
  /** gradients of the mean loss; null when not asked for */
  grads: DenseGrads | null;
}


export interface DenseOptions {
  /** `w` never changes while it is referenced (an f32Weights array): a kernel may keep its packed copy between calls */
  fixedWeights?: boolean;
}

/** One Adam step's numbers as ./adam.ts derives them (a = lr / (1 − β₁ᵗ), ib2 = 1 / (1 − β₂ᵗ)). */
export interface AdamStepArgs {
  /** clipping threshold θ (≤ 0: no clipping) */
  theta: number;
  beta1: number;
  beta2: number;
  a: number;
  ib2: number;
  epsilon: number;
}
/** RecurrentKernel.beamRows: top [n·K] (indices, largest first, lower index on ties, -1 past V), max [n], sum [n] = Σ exp(logit − max). */
export interface BeamRows {
  top: Int32Array;
  max: Float32Array;
  sum: Float64Array;
}
/** The most candidates beamRows returns per row (native/src/beam_core.h BEAM_K_MAX). */
export const BEAM_K_MAX = 256;
