/**
 * Pure-TypeScript fused recurrent kernels: the readable reference and the fallback that
 * every other path (WASM, native) must match. Whole sequence forward, whole BPTT backward,
 * same equations and packed layout as described in ./types.ts.
 */
import { bufferPool } from './buffer-pool';
import { tsXent } from './xent-ts';
import { backwardShape, checkDense, checkEmbedding, checkRowBias, forwardShape } from './shape';
import type { CellWeights, ForwardCache, RecurrentKernel, SeqInput } from './types';

// ---------------------------------------------------------------- small dense helpers

/** C[M, n0:n1) += A[M, K] · Bm[K, n0:n1); all row-major with the given leading dims. */
export function gemmAcc(
  M: number, K: number,
  A: Float32Array, aOff: number, lda: number,
  Bm: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
  n: number,
): void {
  for (let m = 0; m < M; m++) {
    const ci = cOff + m * ldc;
    const ai = aOff + m * lda;
    for (let k = 0; k < K; k++) {
      const a = A[ai + k];
      if (a === 0) continue;
      const bi = bOff + k * ldb;
      for (let j = 0; j < n; j++) C[ci + j] += a * Bm[bi + j];
    }
  }
}

/** C[M, N] += A[M, n] · Bm[N, n]ᵀ (Bm rows of length ldb, columns bOff … bOff+n). */
export function gemmNTAcc(
  M: number, N: number, n: number,
  A: Float32Array, aOff: number, lda: number,
  Bm: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
): void {
  for (let m = 0; m < M; m++) {
    const ai = aOff + m * lda;
    const ci = cOff + m * ldc;
    for (let k = 0; k < N; k++) {
      const bi = bOff + k * ldb;
      let s = 0;
      for (let j = 0; j < n; j++) s += A[ai + j] * Bm[bi + j];
      C[ci + k] += s;
    }
  }
}

/** C[K, n] += A[M, K]ᵀ · Bm[M, n] (rows of A from aOff with lda; of Bm from bOff with ldb). */
export function gemmTNAcc(
  M: number, K: number, n: number,
  A: Float32Array, aOff: number, lda: number,
  Bm: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
): void {
  for (let m = 0; m < M; m++) {
    const ai = aOff + m * lda;
    const bi = bOff + m * ldb;
    for (let k = 0; k < K; k++) {
      const a = A[ai + k];
      if (a === 0) continue;
      const ci = cOff + k * ldc;
      for (let j = 0; j < n; j++) C[ci + j] += a * Bm[bi + j];
    }
  }
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

// ---------------------------------------------------------------- the kernel

interface TsCache extends ForwardCache {
  input: SeqInput;
  h0: Float32Array;
  c0: Float32Array | null;
  w: CellWeights;
  hs: Float32Array;
  /** post-activation gates [T, B, G·H] (GRU, LSTM) */
  acts: Float32Array | null;
  /** GRU: R⊙H_{t−1} [T, B, H]; PyTorch's variant: H_{t−1} W_hh + b_hn instead */
  rh: Float32Array | null;
  /** LSTM: cell states [T, B, H] and tanh of them */
  cs: Float32Array | null;
  tcs: Float32Array | null;
  /** forward had a per-row input term: backward returns its gradient */
  rowBias: boolean;
}

export const tsForward: RecurrentKernel['forward'] = (kind, dims, input, h0, c0, w, opts = {}) => {
  const { T, B, I, H, N } = forwardShape(kind, dims, input, h0, c0, w);
  const { rowBias } = opts;
  checkRowBias(rowBias, B, N);
  const BH = B * H;
  const BN = B * N;
  const hs = new Float32Array(T * BH);
  const acts = kind === 'rnn' ? null : new Float32Array(T * BN);
  const rh = kind === 'gru' ? new Float32Array(T * BH) : null;
  const cs = kind === 'lstm' ? new Float32Array(T * BH) : null;
  const tcs = kind === 'lstm' ? new Float32Array(T * BH) : null;
  const a = new Float32Array(BN);
  const { wx, wh, b, bhn } = w;

  for (let t = 0; t < T; t++) {
    // pre-activations: bias + input projection (gathered row of wx for token ids)
    for (let r = 0; r < B; r++) {
      const ar = r * N;
      if (input instanceof Int32Array) {
        const id = input[t * B + r];
        for (let j = 0; j < N; j++) a[ar + j] = b[j] + wx[id * N + j];
      } else {
        for (let j = 0; j < N; j++) a[ar + j] = b[j];
      }
      if (rowBias) for (let j = 0; j < N; j++) a[ar + j] += rowBias[ar + j];
    }
    if (!(input instanceof Int32Array)) gemmAcc(B, I, input, t * B * I, I, wx, 0, N, a, 0, N, N);
    const hp = t === 0 ? h0 : hs;
    const hpOff = t === 0 ? 0 : (t - 1) * BH;
    const ho = t * BH;

    if (kind === 'rnn') {
      gemmAcc(B, H, hp, hpOff, H, wh, 0, N, a, 0, N, N);
      for (let i = 0; i < BH; i++) hs[ho + i] = Math.tanh(a[i]);
    } else if (kind === 'gru' && bhn) {
      // PyTorch's variant: z, r as below; h̃ = tanh(a_h + r ⊙ (H W_hh + b_hn))
      gemmAcc(B, H, hp, hpOff, H, wh, 0, N, a, 0, N, 2 * H);
      const hn = rh!;
      for (let r = 0; r < B; r++) hn.set(bhn, ho + r * H);
      gemmAcc(B, H, hp, hpOff, H, wh, 2 * H, N, hn, ho, H, H);
      const act = acts!;
      const ao = t * BN;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < 2 * H; j++) act[ao + r * N + j] = sigmoid(a[r * N + j]);
        for (let j = 0; j < H; j++) {
          const ht = Math.tanh(a[r * N + 2 * H + j] + act[ao + r * N + H + j] * hn[ho + r * H + j]);
          act[ao + r * N + 2 * H + j] = ht;
          const z = act[ao + r * N + j];
          hs[ho + r * H + j] = z * hp[hpOff + r * H + j] + (1 - z) * ht;
        }
      }
    } else if (kind === 'gru') {
      // z, r from the full hidden state
      gemmAcc(B, H, hp, hpOff, H, wh, 0, N, a, 0, N, 2 * H);
      const act = acts!;
      const ao = t * BN;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < 2 * H; j++) act[ao + r * N + j] = sigmoid(a[r * N + j]);
        for (let j = 0; j < H; j++) rh![ho + r * H + j] = act[ao + r * N + H + j] * hp[hpOff + r * H + j];
      }
      // h̃ from the reset hidden state
      gemmAcc(B, H, rh!, ho, H, wh, 2 * H, N, a, 2 * H, N, H);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < H; j++) {
          const ht = Math.tanh(a[r * N + 2 * H + j]);
          act[ao + r * N + 2 * H + j] = ht;
          const z = act[ao + r * N + j];
          hs[ho + r * H + j] = z * hp[hpOff + r * H + j] + (1 - z) * ht;
        }
      }
    } else {
      gemmAcc(B, H, hp, hpOff, H, wh, 0, N, a, 0, N, N);
      const act = acts!;
      const ao = t * BN;
      const cp = t === 0 ? c0! : cs!;
      const cpOff = t === 0 ? 0 : (t - 1) * BH;
      for (let r = 0; r < B; r++) {
        const ar = r * N;
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(a[ar + j]);
          const fg = sigmoid(a[ar + H + j]);
          const og = sigmoid(a[ar + 2 * H + j]);
          const gg = Math.tanh(a[ar + 3 * H + j]);
          act[ao + ar + j] = ig;
          act[ao + ar + H + j] = fg;
          act[ao + ar + 2 * H + j] = og;
          act[ao + ar + 3 * H + j] = gg;
          const c = fg * cp[cpOff + r * H + j] + ig * gg;
          const tc = Math.tanh(c);
          cs![ho + r * H + j] = c;
          tcs![ho + r * H + j] = tc;
          hs[ho + r * H + j] = og * tc;
        }
      }
    }
  }
  const hT = hs.slice((T - 1) * BH, T * BH);
  const cT = cs ? cs.slice((T - 1) * BH, T * BH) : null;
  const cache: TsCache | null =
    opts.cache === false
      ? null
      : { kind, dims: { ...dims }, path: 'ts', input, h0, c0, w, hs, acts, rh, cs, tcs, rowBias: !!rowBias };
  return { hs, hT, cT, cache };
};

export const tsBackward: RecurrentKernel['backward'] = (cacheIn, dhs, dhT, dcT) => {
  const c = cacheIn as TsCache;
  const { kind, input, h0, c0, w, hs, acts, rh, cs, tcs } = c;
  const { T, B, I, H, N } = backwardShape(c, dhs);
  const BH = B * H;
  const BN = B * N;
  const { wx, wh, bhn } = w;
  const dA = new Float32Array(T * BN);
  // PyTorch's GRU variant: gradient at H W_hh + b_hn, per step (its weight gradient is summed below)
  const dHN = kind === 'gru' && bhn ? new Float32Array(T * BH) : null;
  let dh = dhT ? Float32Array.from(dhT) : new Float32Array(BH);
  let dc = kind === 'lstm' ? (dcT ? Float32Array.from(dcT) : new Float32Array(BH)) : null;
  let dhp = new Float32Array(BH);
  let dcp = kind === 'lstm' ? new Float32Array(BH) : null;
  const drh = kind === 'gru' ? new Float32Array(BH) : null;

  for (let t = T - 1; t >= 0; t--) {
    const ho = t * BH;
    const ao = t * BN;
    const hp = t === 0 ? h0 : hs;
    const hpOff = t === 0 ? 0 : (t - 1) * BH;
    for (let i = 0; i < BH; i++) dh[i] += dhs[ho + i];
    dhp.fill(0);
    if (kind === 'rnn') {
      for (let i = 0; i < BH; i++) {
        const h = hs[ho + i];
        dA[ao + i] = dh[i] * (1 - h * h);
      }
      gemmNTAcc(B, H, N, dA, ao, N, wh, 0, N, dhp, 0, H);
    } else if (kind === 'gru' && dHN) {
      const act = acts!;
      const hn = rh!;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < H; j++) {
          const z = act[ao + r * N + j];
          const rg = act[ao + r * N + H + j];
          const ht = act[ao + r * N + 2 * H + j];
          const g = dh[r * H + j];
          const dn = g * (1 - z) * (1 - ht * ht);
          dA[ao + r * N + j] = g * (hp[hpOff + r * H + j] - ht) * z * (1 - z);
          dA[ao + r * N + H + j] = dn * hn[ho + r * H + j] * rg * (1 - rg);
          dA[ao + r * N + 2 * H + j] = dn;
          dHN[ho + r * H + j] = dn * rg;
          dhp[r * H + j] = g * z;
        }
      }
      gemmNTAcc(B, H, 2 * H, dA, ao, N, wh, 0, N, dhp, 0, H);
      gemmNTAcc(B, H, H, dHN, ho, H, wh, 2 * H, N, dhp, 0, H);
    } else if (kind === 'gru') {
      const act = acts!;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < H; j++) {
          const z = act[ao + r * N + j];
          const ht = act[ao + r * N + 2 * H + j];
          const g = dh[r * H + j];
          const hprev = hp[hpOff + r * H + j];
          dA[ao + r * N + j] = g * (hprev - ht) * z * (1 - z);
          dA[ao + r * N + 2 * H + j] = g * (1 - z) * (1 - ht * ht);
          dhp[r * H + j] = g * z;
        }
      }
      // through the reset-gated product: d(R⊙H) = dA_h̃ · W_hhᵀ
      drh!.fill(0);
      gemmNTAcc(B, H, H, dA, ao + 2 * H, N, wh, 2 * H, N, drh!, 0, H);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < H; j++) {
          const rg = act[ao + r * N + H + j];
          const d = drh![r * H + j];
          dA[ao + r * N + H + j] = d * hp[hpOff + r * H + j] * rg * (1 - rg);
          dhp[r * H + j] += d * rg;
        }
      }
      gemmNTAcc(B, H, 2 * H, dA, ao, N, wh, 0, N, dhp, 0, H);
    } else {
      const act = acts!;
      const cp = t === 0 ? c0! : cs!;
      const cpOff = t === 0 ? 0 : (t - 1) * BH;
      for (let r = 0; r < B; r++) {
        const ar = ao + r * N;
        for (let j = 0; j < H; j++) {
          const k = r * H + j;
          const ig = act[ar + j];
          const fg = act[ar + H + j];
          const og = act[ar + 2 * H + j];
          const gg = act[ar + 3 * H + j];
          const tc = tcs![ho + k];
          const g = dh[k];
          const dcc = dc![k] + g * og * (1 - tc * tc);
          dA[ar + j] = dcc * gg * ig * (1 - ig);
          dA[ar + H + j] = dcc * cp[cpOff + k] * fg * (1 - fg);
          dA[ar + 2 * H + j] = g * tc * og * (1 - og);
          dA[ar + 3 * H + j] = dcc * ig * (1 - gg * gg);
          dcp![k] = dcc * fg;
        }
      }
      gemmNTAcc(B, H, N, dA, ao, N, wh, 0, N, dhp, 0, H);
      const tmp = dc!;
      dc = dcp;
      dcp = tmp;
    }
    const tmp = dh;
    dh = dhp;
    dhp = tmp;
  }

  // weight gradients over all T·B rows at once
  const dwh = new Float32Array(H * N);
  const dwx = new Float32Array(I * N);
  const db = new Float32Array(N);
  // rows of the hidden state that fed step t: h0 for t = 0, hs[t−1] otherwise
  const nh = kind === 'gru' ? 2 * H : N;
  gemmTNAcc(B, H, nh, h0, 0, H, dA, 0, N, dwh, 0, N);
  if (T > 1) gemmTNAcc((T - 1) * B, H, nh, hs, 0, H, dA, BN, N, dwh, 0, N);
  let dbhn: Float32Array | undefined;
  if (dHN) {
    // h̃'s hidden product read the unreset H_{t−1}
    gemmTNAcc(B, H, H, h0, 0, H, dHN, 0, H, dwh, 2 * H, N);
    if (T > 1) gemmTNAcc((T - 1) * B, H, H, hs, 0, H, dHN, BH, H, dwh, 2 * H, N);
    dbhn = new Float32Array(H);
    for (let m = 0; m < T * B; m++) for (let j = 0; j < H; j++) dbhn[j] += dHN[m * H + j];
  } else if (kind === 'gru') gemmTNAcc(T * B, H, H, rh!, 0, H, dA, 2 * H, N, dwh, 2 * H, N);
  let dx: Float32Array | null = null;
  if (input instanceof Int32Array) {
    for (let m = 0; m < T * B; m++) {
      const id = input[m];
      for (let j = 0; j < N; j++) dwx[id * N + j] += dA[m * N + j];
    }
  } else {
    gemmTNAcc(T * B, I, N, input, 0, I, dA, 0, N, dwx, 0, N);
    dx = new Float32Array(T * B * I);
    gemmNTAcc(T * B, I, N, dA, 0, N, wx, 0, N, dx, 0, I);
  }
  for (let m = 0; m < T * B; m++) for (let j = 0; j < N; j++) db[j] += dA[m * N + j];
  let drowBias: Float32Array | undefined;
  if (c.rowBias) {
    drowBias = new Float32Array(BN);
    for (let m = 0; m < T * B; m++) for (let j = 0; j < N; j++) drowBias[(m % B) * N + j] += dA[m * N + j];
  }
  return { dx, dh0: dh, dc0: kind === 'lstm' ? dc : null, dwx, dwh, db, ...(dbhn ? { dbhn } : {}), ...(drowBias ? { drowBias } : {}) };
};

// ---------------------------------------------------------------- fused dense layer

/** Y[N, V] = A[N, D]·W[D, V] + b; sums in float64, rounded once. */
export const tsDense: NonNullable<RecurrentKernel['dense']> = (dims, a, w, b) => {
  checkDense(dims, a, w, b);
  const { N, D, V } = dims;
  const y = new Float32Array(N * V);
  const acc = new Float64Array(V);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < V; j++) acc[j] = b[j];
    const ai = n * D;
    for (let k = 0; k < D; k++) {
      const x = a[ai + k];
      if (x === 0) continue;
      const wi = k * V;
      for (let j = 0; j < V; j++) acc[j] += x * w[wi + j];
    }
    y.set(acc, n * V);
  }
  return y;
};

/** dA = dY·Wᵀ, dW = Aᵀ·dY, db = column sums of dY; sums in float64, rounded once. */
export const tsDenseBackward: NonNullable<RecurrentKernel['denseBackward']> = (dims, a, w, dy) => {
  checkDense(dims, a, w, dy, true);
  const { N, D, V } = dims;
  const da = new Float32Array(N * D);
  const dw = new Float64Array(D * V);
  const db = new Float64Array(V);
  for (let n = 0; n < N; n++) {
    const yi = n * V;
    const ai = n * D;
    for (let k = 0; k < D; k++) {
      const wi = k * V;
      let s = 0;
      for (let j = 0; j < V; j++) s += dy[yi + j] * w[wi + j];
      da[ai + k] = s;
      const x = a[ai + k];
      if (x === 0) continue;
      for (let j = 0; j < V; j++) dw[wi + j] += x * dy[yi + j];
    }
    for (let j = 0; j < V; j++) db[j] += dy[yi + j];
  }
  return { da, dw: Float32Array.from(dw), db: Float32Array.from(db) };
};

// ---------------------------------------------------------------- embedding (nn.Embedding)

/** out [n, E] = table[ids[r]] (embedding_core.h embedding_gather); ids checked by the caller and here. */
export const tsEmbeddingGather: NonNullable<RecurrentKernel['embeddingGather']> = (V, E, table, ids) => {
  checkEmbedding(V, E, table.length, ids);
  const out = bufferPool.take(ids.length * E);
  for (let r = 0; r < ids.length; r++) out.set(table.subarray(ids[r] * E, ids[r] * E + E), r * E);
  return out;
};

/** dtable [V, E] = Σ over r of dy[r] into row ids[r], in order r = 0 … n−1 (embedding_core.h embedding_scatter). */
export const tsEmbeddingScatter: NonNullable<RecurrentKernel['embeddingScatter']> = (V, E, ids, dy) => {
  checkEmbedding(V, E, V * E, ids, dy.length);
  const out = bufferPool.take(V * E).fill(0);
  for (let r = 0; r < ids.length; r++) {
    const o = ids[r] * E, s = r * E;
    for (let j = 0; j < E; j++) out[o + j] += dy[s + j];
  }
  return out;
};

// ---------------------------------------------------------------- output layer + loss in one call

/** lm_head_core.h head_xent in TypeScript: the dense layer, softmax cross-entropy and the dense backward. */
export const tsHeadXent: NonNullable<RecurrentKernel['headXent']> = (dims, a, w, b, labels, grads) => {
  const { N, V } = dims;
  const logits = tsDense(dims, a, w, b);
  const { grad, stat } = tsXent(N, V, logits, labels);
  const picked = Float32Array.from({ length: N }, (_, n) => logits[n * V + labels[n]]);
  return { stat, picked, grads: grads ? tsDenseBackward(dims, a, w, grad) : null };
};

export const tsKernel: RecurrentKernel = {
  path: 'ts',
  resetAfter: true,
  forward: tsForward,
  backward: tsBackward,
  dense: tsDense,
  denseBackward: tsDenseBackward,
  embeddingGather: tsEmbeddingGather,
  embeddingScatter: tsEmbeddingScatter,
  headXent: tsHeadXent,
};
