/*
 * Fused recurrent kernels (RNN / GRU / LSTM, d2l's equations), shared by the WASM SIMD
 * build (src/core/kernels/wasm/rnn_wasm.c) and the native N-API addon (native/src/addon.c).
 * Generic GCC/Clang vector extensions: the includer defines VW (floats per vector: 4 for
 * wasm SIMD128, 8 for AVX2, 16 for AVX-512), MR (rows per register tile), VFMA(a,b,c)
 * (a*b+c), and FN(name) (symbol decoration, one copy per instruction set).
 *
 * Layout (see src/core/kernels/types.ts): wx [I, N], wh [H, N], b [N], N = G*H, gate blocks
 * rnn [h], gru [z, r, h~], lstm [i, f, o, c~]; x [T, B, I] or token ids [T, B]; hs [T, B, H].
 * Optional xb [B, N]: a per-row input term added to every step's pre-activation (a decoder's
 * constant context, projected once per sequence instead of concatenated to every step's input);
 * with dxb the wgrad phase returns its gradient, each row's gate gradients summed over time.
 *
 * Work split: forward and the BPTT recurrence split the batch rows [b0, b1) (rows are
 * independent through the whole sequence, so threads meet only at phase ends); the weight
 * gradients split the packed column panels [p0, p1). The callers hand out these ranges as
 * pieces both threads claim (native/src/addon.c run_chunks, wasm-kernel.ts runPieces); every
 * piece writes disjoint outputs, so results do not depend on who ran which piece.
 *
 * Packed panels: a matrix with K rows and a group of columns is stored as panels of 16
 * columns, each panel K x 16 contiguous (weights zero-padded; the gate-gradient panels dApk
 * leave the padding columns unwritten: no product reads them). The GRU splits columns into
 * two groups ([0, 2H) and [2H, 3H)) because the candidate uses R.H instead of H.
 *
 * PyTorch's GRU (kind 3, torch.nn.GRU / cuDNN: h~ = tanh(x W_xh + b_h + R.(H W_hh + b_hn)), the
 * reset gate after the hidden product, its own bias bhn [H]): rh holds H W_hh + b_hn per step;
 * the gate-gradient panels get a third group, dHN = dA_h~ . R (the gradient at H W_hh + b_hn),
 * which feeds the recurrence through W_hh^T and gives dwh's candidate columns and dbhn.
 *
 * BPTT data flow: the element-wise step writes the gate gradients of time t straight into
 * dApk (rows t*B..), the recurrent products read them there (A_PANEL), and the weight
 * gradients multiply the hidden states, read in place (A_TRANS), by the same panels.
 */
#ifndef RNN_CORE_H_INCLUDED_ONCE_PER_ISA
/* (included once per instruction set; no include guard on purpose) */
#endif

#include "layout.h"

#define NR 16
#define NV (NR / VW)

typedef float FN(vf) __attribute__((vector_size(VW * 4)));
typedef float FN(vfu) __attribute__((vector_size(VW * 4), aligned(4), may_alias));
typedef int FN(vi) __attribute__((vector_size(VW * 4)));
#define vf FN(vf)
#define vfu FN(vfu)
#define vi FN(vi)

static inline vf FN(vload)(const float *p) { return *(const vfu *)p; }
static inline void FN(vstore)(float *p, vf v) { *(vfu *)p = v; }
/* broadcast: x - (+0) is exact for every x (also -0), so compilers fold it to a plain splat */
static inline vf FN(vsplat)(float x) { return x - (vf){0}; }
static inline vf FN(vload_n)(const float *p, int n) {
  if (n >= VW) return FN(vload)(p);
  vf v = {0};
  for (int i = 0; i < VW; i++)
    if (i < n) v[i] = p[i];
  return v;
}
static inline void FN(vstore_n)(float *p, vf v, int n) {
  if (n >= VW) { FN(vstore)(p, v); return; }
  for (int i = 0; i < VW; i++)
    if (i < n) p[i] = v[i];
}

/* exp(x), Cephes-style: range reduction by ln 2 and a degree-6 polynomial (rel err ~1e-7).
 * n = round(x / ln 2) by the 1.5 * 2^23 trick: adding it leaves n in the low mantissa bits. */
static inline vf FN(vexp)(vf x) {
  const vf hi = FN(vsplat)(88.3762626647949f), lo = FN(vsplat)(-87.3365447504f);
  vi m = (vi)(x > hi); /* lane masks: all ones where true */
  x = (vf)((m & (vi)hi) | (~m & (vi)x));
  m = (vi)(x < lo);
  x = (vf)((m & (vi)lo) | (~m & (vi)x));
  const vf magic = FN(vsplat)(12582912.0f);
  vf t = x * 1.44269504088896341f + magic;
  vf fn = t - magic;
  x = x - fn * 0.693359375f;
  x = x - fn * -2.12194440e-4f;
  vf y = FN(vsplat)(1.9875691500E-4f);
  y = y * x + 1.3981999507E-3f;
  y = y * x + 8.3334519073E-3f;
  y = y * x + 4.1665795894E-2f;
  y = y * x + 1.6666665459E-1f;
  y = y * x + 5.0000001201E-1f;
  y = y * (x * x) + x + 1.0f;
  vi e = ((vi)t - (0x4B400000 - 127)) << 23;
  vf scale;
  __builtin_memcpy(&scale, &e, sizeof scale);
  return y * scale;
}
static inline vf FN(vsigmoid)(vf x) { return 1.0f / (1.0f + FN(vexp)(-x)); }
/* tanh(x), Cephes tanhf: for |x| < 0.625 the odd polynomial x + x^3 P(x^2), else
 * 1 - 2 / (e^(2x) + 1) (|tanh| > 0.55 there, so the subtraction costs no accuracy); ~2e-7
 * relative over the whole range. (2 / (1 + e^(-2x)) - 1 cancels near 0: ~1e-4 relative at
 * |x| = 1e-4 in float32, where d2l's N(0, 0.01) initialisation starts.) */
static inline vf FN(vtanh)(vf x) {
  const vf z = x * x;
  vf p = FN(vsplat)(-5.70498872745E-3f);
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  const vf small = p * z * x + x;
  const vf big = 1.0f - 2.0f / (FN(vexp)(2.0f * x) + 1.0f);
  const vi m = (vi)(z < 0.390625f);
  return (vf)((m & (vi)small) | (~m & (vi)big));
}

/* ------------------------------------------------------------------ packing */

/* Panels of B[K][n0 .. n0+w) (row-major, leading dim ldb) -> out, returns panels written. */
static int FN(pack_cols)(int K, int w, const float *Bm, int ldb, float *out) {
  int P = (w + NR - 1) / NR;
  for (int p = 0; p < P; p++) {
    int c0 = p * NR, nc = w - c0 < NR ? w - c0 : NR;
    float *o = out + (long)p * K * NR;
    for (int k = 0; k < K; k++) {
      const float *src = Bm + (long)k * ldb + c0;
      float *dst = o + (long)k * NR;
      if (nc == NR) { for (int j = 0; j < NR; j++) dst[j] = src[j]; }
      else { for (int j = 0; j < NR; j++) dst[j] = j < nc ? src[j] : 0.0f; }
    }
  }
  return P;
}

static inline void FN(vcopy16)(float *d, const float *s) {
#pragma GCC unroll 16
  for (int v = 0; v < NR / VW; v++) FN(vstore)(d + v * VW, FN(vload)(s + v * VW));
}

/* Panels of the transpose: out = panels of Bt[K][w] where Bt[k][j] = Bm[j][k0 + k] (Bm rows of ldb). */
static int FN(pack_trans)(int K, int w, const float *Bm, int ldb, float *out) {
  int P = (w + NR - 1) / NR;
  for (int p = 0; p < P; p++) {
    int c0 = p * NR, nc = w - c0 < NR ? w - c0 : NR;
    float *o = out + (long)p * K * NR;
    /* 16 x 16 blocks through a small buffer: each source line is read whole, once (the 16
     * source rows are often exactly 4 KiB apart and would evict each other column by column) */
    for (int k0 = 0; k0 < K; k0 += NR) {
      const int kn = K - k0 < NR ? K - k0 : NR;
      float blk[NR][NR];
      if (nc == NR && kn == NR) {
        for (int j = 0; j < NR; j++) FN(vcopy16)(blk[j], Bm + (long)(c0 + j) * ldb + k0);
      } else {
        for (int j = 0; j < NR; j++) {
          const float *src = Bm + (long)(c0 + (j < nc ? j : 0)) * ldb + k0;
          for (int k = 0; k < NR; k++) blk[j][k] = j < nc && k < kn ? src[k] : 0.0f;
        }
      }
      for (int k = 0; k < kn; k++) {
        float *d = o + (long)(k0 + k) * NR;
#pragma GCC unroll 16
        for (int j = 0; j < NR; j++) d[j] = blk[j][k];
      }
    }
  }
  return P;
}

/* ------------------------------------------------------------------ products */

/*
 * C[M, w] (= or +=) A[M, K] . Bp, where Bp holds ceil(w/16) packed panels of K rows, panel p
 * at Bp + p * bps. K is blocked so a panel block stays in L1. Register tile: MR rows x one
 * panel. A is read in one of three layouts (the element in row r, column k):
 *   A_ROW   A[r * lda + k]                      row-major
 *   A_TRANS A[k * lda + r]                      the transpose of a row-major matrix (the
 *                                               weight gradients read the states in place)
 *   A_PANEL A[(k / 16) * lda + r * 16 + k % 16] 16-column panels (the packed gate gradients)
 */
#define KBLK 256
#define MBLK 128
#define A_ROW 0
#define A_TRANS 1
#define A_PANEL 2

static inline __attribute__((always_inline)) void FN(tile)(const int mode, const int full, int mr, int kn, const float *A, long lda,
                                                          const float *bp, float *C, long ldc, int nc, int acc_in) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) acc[r][v] = (vf){0};
  if (mode == A_PANEL) {
    for (int q = 0; q < kn; q += NR) {
      const int qn = kn - q < NR ? kn - q : NR;
      const float *a0 = A + (long)(q / NR) * lda;
      const float *b = bp + (long)q * NR;
      for (int k = 0; k < qn; k++) {
        vf bv[NV];
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) bv[v] = FN(vload)(b + k * NR + v * VW);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
          const int rr = full ? r : (r < mr ? r : mr - 1);
          vf av = FN(vsplat)(a0[rr * NR + k]);
#pragma GCC unroll 16
          for (int v = 0; v < NV; v++) acc[r][v] = VFMA(av, bv[v], acc[r][v]);
        }
      }
    }
  } else {
    const float *ar[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const int rr = full ? r : (r < mr ? r : mr - 1);
      ar[r] = mode == A_ROW ? A + (long)rr * lda : A + rr;
    }
    const long ks = mode == A_ROW ? 1 : lda;
    for (int k = 0; k < kn; k++) {
      vf bv[NV];
#pragma GCC unroll 16
      for (int v = 0; v < NV; v++) bv[v] = FN(vload)(bp + k * NR + v * VW);
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++) {
        vf av = FN(vsplat)(ar[r][k * ks]);
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) acc[r][v] = VFMA(av, bv[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    if (!full && r >= mr) break;
    float *c = C + (long)r * ldc;
#pragma GCC unroll 16
    for (int v = 0; v < NV; v++) {
      int n = nc - v * VW;
      if (n <= 0) break;
      vf cur = acc[r][v];
      if (acc_in) cur += FN(vload_n)(c + v * VW, n);
      FN(vstore_n)(c + v * VW, cur, n);
    }
  }
}

static inline __attribute__((always_inline)) void FN(gemm_impl)(const int mode, int M, int w, int K, const float *A, long lda,
                                                               const float *Bp, long bps, float *C, long ldc, int accumulate) {
  const int P = (w + NR - 1) / NR;
  for (int k0 = 0; k0 < K; k0 += KBLK) {
    const int kn = K - k0 < KBLK ? K - k0 : KBLK;
    const int acc_in = accumulate || k0 > 0;
    const float *Ak = mode == A_ROW ? A + k0 : mode == A_TRANS ? A + (long)k0 * lda : A + (long)(k0 / NR) * lda;
    /* rows in blocks of MBLK, every panel per block: a block of A (MBLK x KBLK floats) stays in
     * L2 while the panels pass, instead of all of A streaming once per panel (the head's GEMMs
     * have hundreds of rows). The order of each element's sum is unchanged. */
    for (int mb = 0; mb < M; mb += MBLK)
    for (int p = 0; p < P; p++) {
      const int c0 = p * NR, nc = w - c0 < NR ? w - c0 : NR;
      const float *bp = Bp + (long)p * bps + (long)k0 * NR;
      const int me = M - mb < MBLK ? M : mb + MBLK;
      for (int m0 = mb; m0 < me; m0 += MR) {
        const int mr = me - m0 < MR ? me - m0 : MR; /* a block's last tile stops at the block's end */
        const float *Am = mode == A_ROW ? Ak + (long)m0 * lda : mode == A_TRANS ? Ak + m0 : Ak + (long)m0 * NR;
        float *Cm = C + (long)m0 * ldc + c0;
        if (mr == MR) FN(tile)(mode, 1, mr, kn, Am, lda, bp, Cm, ldc, nc, acc_in);
        else FN(tile)(mode, 0, mr, kn, Am, lda, bp, Cm, ldc, nc, acc_in);
      }
    }
  }
}

/* Row-major A; Bp panels of K rows each (the common case). */
static void FN(gemm)(int M, int w, int K, const float *A, int lda, const float *Bp, float *C, int ldc, int accumulate) {
  FN(gemm_impl)(A_ROW, M, w, K, A, lda, Bp, (long)K * NR, C, ldc, accumulate);
}
/* A read transposed: row r of A is column r of the row-major [K, lda] matrix at A. */
static void FN(gemm_t)(int M, int w, int K, const float *A, long lda, const float *Bp, long bps, float *C, long ldc, int accumulate) {
  FN(gemm_impl)(A_TRANS, M, w, K, A, lda, Bp, bps, C, ldc, accumulate);
}
/* A in 16-column panels, panel stride lda (floats), A pointing at row 0 of the first panel. */
static void FN(gemm_p)(int M, int w, int K, const float *A, long lda, const float *Bp, long bps, float *C, long ldc, int accumulate) {
  FN(gemm_impl)(A_PANEL, M, w, K, A, lda, Bp, bps, C, ldc, accumulate);
}

/* ------------------------------------------------------------------ argument block */

/* All pointers; in wasm they are 32-bit offsets written by JS. The fields come from the one
 * layout source, src/core/kernels/layout.json (layout.h is generated from it). */
typedef struct {
  SEQLAB_ARGS_FIELDS
} FN(args);
#define ARGS FN(args)

/* kind: 0 rnn, 1 gru (d2l's), 2 lstm, 3 gru (PyTorch's reset-after variant) */
#define IS_GRU(k) ((k) == 1 || (k) == 3)
static inline int FN(gates)(int kind) { return kind == 0 ? 1 : kind == 2 ? 4 : 3; }

/* ------------------------------------------------------------------ forward */

/*
 * Element-wise bodies, one vector of n (<= VW) hidden units at column j of one row. Always
 * inlined and called with n = VW in the main loop (full vectors, no branches) and once with
 * the remainder: EACH_VEC(H, j, n, body).
 */
#define AI static inline __attribute__((always_inline))
#define EACH_VEC(W_, j, n, body)                                 \
  do {                                                           \
    int j = 0;                                                   \
    for (; j + VW <= (W_); j += VW) { const int n = VW; body; } \
    if (j < (W_)) { const int n = (W_) - j; body; }              \
  } while (0)

AI void FN(gru_gates_vec)(const float *ar, float *acr, float *rh, const float *hp, int H, int j, int n) {
  vf z = FN(vsigmoid)(FN(vload_n)(ar + j, n)), r = FN(vsigmoid)(FN(vload_n)(ar + H + j, n));
  FN(vstore_n)(acr + j, z, n);
  FN(vstore_n)(acr + H + j, r, n);
  FN(vstore_n)(rh + j, r * FN(vload_n)(hp + j, n), n);
}
AI void FN(gru_out_vec)(const float *ar, float *acr, const float *hp, float *ho, int H, int j, int n) {
  vf ht = FN(vtanh)(FN(vload_n)(ar + 2 * H + j, n));
  vf z = FN(vload_n)(acr + j, n);
  FN(vstore_n)(acr + 2 * H + j, ht, n);
  FN(vstore_n)(ho + j, z * FN(vload_n)(hp + j, n) + (1.0f - z) * ht, n);
}
/* PyTorch's GRU: hn = H W_hh + b_hn of this row (computed by the caller) */
AI void FN(gru_ra_vec)(const float *ar, float *acr, const float *hn, const float *hp, float *ho, int H, int j, int n) {
  vf z = FN(vsigmoid)(FN(vload_n)(ar + j, n)), r = FN(vsigmoid)(FN(vload_n)(ar + H + j, n));
  vf ht = FN(vtanh)(FN(vload_n)(ar + 2 * H + j, n) + r * FN(vload_n)(hn + j, n));
  FN(vstore_n)(acr + j, z, n);
  FN(vstore_n)(acr + H + j, r, n);
  FN(vstore_n)(acr + 2 * H + j, ht, n);
  FN(vstore_n)(ho + j, z * FN(vload_n)(hp + j, n) + (1.0f - z) * ht, n);
}
AI void FN(lstm_vec)(const float *ar, float *acr, const float *cp, float *co, float *tco, float *ho, int H, int j, int n) {
  vf i = FN(vsigmoid)(FN(vload_n)(ar + j, n));
  vf f = FN(vsigmoid)(FN(vload_n)(ar + H + j, n));
  vf o = FN(vsigmoid)(FN(vload_n)(ar + 2 * H + j, n));
  vf cc = FN(vtanh)(FN(vload_n)(ar + 3 * H + j, n));
  FN(vstore_n)(acr + j, i, n);
  FN(vstore_n)(acr + H + j, f, n);
  FN(vstore_n)(acr + 2 * H + j, o, n);
  FN(vstore_n)(acr + 3 * H + j, cc, n);
  vf c = f * FN(vload_n)(cp + j, n) + i * cc;
  vf tc = FN(vtanh)(c);
  FN(vstore_n)(co + j, c, n);
  FN(vstore_n)(tco + j, tc, n);
  FN(vstore_n)(ho + j, o * tc, n);
}

/* Row m of the T*B (step m / B, sequence m % B) before its input product: ar = b (+ W_x's row of
 * the token for token ids) (+ xb of the row's sequence). */
AI void FN(bias_row)(ARGS *g, long m, float *ar, int N) {
  if (g->ids) {
    const float *wr = g->wx + (long)g->tok[m] * N;
    EACH_VEC(N, j, n, FN(vstore_n)(ar + j, FN(vload_n)(g->b + j, n) + FN(vload_n)(wr + j, n), n));
  } else {
    for (int j = 0; j < N; j++) ar[j] = g->b[j];
  }
  if (g->xb) {
    const float *xr = g->xb + (m % g->B) * N;
    EACH_VEC(N, j, n, FN(vstore_n)(ar + j, FN(vload_n)(ar + j, n) + FN(vload_n)(xr + j, n), n));
  }
}

/*
 * Every step's bias and input projection at once, rows [m0, m1) of the T*B (the addon's forward
 * with xproj set, before the recurrence): acts = b (+ xb of the row's sequence) + x . W_x (or
 * W_x's row of the token). One GEMM over hundreds of rows reuses each packed panel of W_x for
 * all of them; inside the recurrence a piece's 16-32 rows streamed all of W_x at every step
 * (at 2 x 512 hidden units W_x and W_h are 3 MB each: the time went to moving them). The
 * recurrence then adds H . W_h to these pre-activations in acts and turns them into the
 * activations in place. The same sums in the same order as the per-step form.
 */
static void FN(xproj_rows)(ARGS *g, int m0, int m1) {
  const int I = g->I, N = FN(gates)(g->kind) * g->H;
  if (m1 <= m0) return;
  for (int m = m0; m < m1; m++) FN(bias_row)(g, m, g->acts + (long)m * N, N);
  if (!g->ids) FN(gemm)(m1 - m0, N, I, g->x + (long)m0 * I, I, g->wxp, g->acts + (long)m0 * N, N, 1);
}

static void FN(forward_rows)(ARGS *g, int b0, int b1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const int rows = b1 - b0;
  if (rows <= 0) return;
  const long BH = (long)B * H, BN = (long)B * N;
  const int pre = g->xproj && g->acts; /* acts already hold bias + input projection (xproj_rows) */
  float *a = g->scratch ? g->scratch + (long)b0 * N : 0;
  const int Pg1 = IS_GRU(g->kind) ? (2 * H + NR - 1) / NR : 0;
  for (int t = 0; t < T; t++) {
    if (pre) a = g->acts + t * BN + (long)b0 * N;
    /* bias + input projection */
    for (int r = 0; r < rows && !pre; r++) FN(bias_row)(g, (long)t * B + b0 + r, a + (long)r * N, N);
    if (!g->ids && !pre) FN(gemm)(rows, N, I, g->x + ((long)t * B + b0) * I, I, g->wxp, a, N, 1);
    const float *hp = t == 0 ? g->h0 + (long)b0 * H : g->hs + (t - 1) * BH + (long)b0 * H;
    float *ho = g->hs + t * BH + (long)b0 * H;
    float *act = g->acts ? g->acts + t * BN + (long)b0 * N : 0;
    if (g->kind == 0) {
      FN(gemm)(rows, N, H, hp, H, g->whp, a, N, 1);
      for (int r = 0; r < rows; r++) {
        const float *ar = a + (long)r * N;
        float *hr = ho + (long)r * H;
        EACH_VEC(H, j, n, FN(vstore_n)(hr + j, FN(vtanh)(FN(vload_n)(ar + j, n)), n));
      }
    } else if (g->kind == 1) {
      float *rh = g->rh + t * BH + (long)b0 * H;
      FN(gemm)(rows, 2 * H, H, hp, H, g->whp, a, N, 1);
      for (int r = 0; r < rows; r++)
        EACH_VEC(H, j, n, FN(gru_gates_vec)(a + (long)r * N, act + (long)r * N, rh + (long)r * H, hp + (long)r * H, H, j, n));
      FN(gemm)(rows, H, H, rh, H, g->whp + (long)Pg1 * H * NR, a + 2 * H, N, 1);
      for (int r = 0; r < rows; r++)
        EACH_VEC(H, j, n, FN(gru_out_vec)(a + (long)r * N, act + (long)r * N, hp + (long)r * H, ho + (long)r * H, H, j, n));
    } else if (g->kind == 3) {
      float *hn = g->rh + t * BH + (long)b0 * H;
      FN(gemm)(rows, 2 * H, H, hp, H, g->whp, a, N, 1);
      for (int r = 0; r < rows; r++)
        EACH_VEC(H, j, n, FN(vstore_n)(hn + (long)r * H + j, FN(vload_n)(g->bhn + j, n), n));
      FN(gemm)(rows, H, H, hp, H, g->whp + (long)Pg1 * H * NR, hn, H, 1);
      for (int r = 0; r < rows; r++)
        EACH_VEC(H, j, n, FN(gru_ra_vec)(a + (long)r * N, act + (long)r * N, hn + (long)r * H, hp + (long)r * H, ho + (long)r * H, H, j, n));
    } else {
      FN(gemm)(rows, N, H, hp, H, g->whp, a, N, 1);
      const float *cp = t == 0 ? g->c0 + (long)b0 * H : g->cs + (t - 1) * BH + (long)b0 * H;
      float *co = g->cs + t * BH + (long)b0 * H, *tco = g->tcs + t * BH + (long)b0 * H;
      for (int r = 0; r < rows; r++) {
        const long o = (long)r * H;
        EACH_VEC(H, j, n, FN(lstm_vec)(a + (long)r * N, act + (long)r * N, cp + o, co + o, tco + o, ho + o, H, j, n));
      }
    }
  }
}

/* ------------------------------------------------------------------ backward (BPTT) */

/*
 * The gate gradients dA (T*B rows, N columns) are written straight into grouped 16-column
 * panels (dApk, K = T*B rows per panel): the BPTT products read them as A_PANEL operands and
 * the weight gradients as packed B panels, so nothing is copied or transposed in between.
 */
static inline float *FN(dpk)(ARGS *g, long m, int c) {
  const int H = g->H;
  int base = 0;
  if (g->kind == 3 && c >= 3 * H) { base = (2 * H + NR - 1) / NR + (H + NR - 1) / NR; c -= 3 * H; }
  else if (IS_GRU(g->kind) && c >= 2 * H) { base = (2 * H + NR - 1) / NR; c -= 2 * H; }
  return g->dApk + ((long)(base + c / NR) * ((long)g->T * g->B) + m) * NR + c % NR;
}
/* Stores n (<= VW) gate gradients of row m, columns [c, c + n). */
static inline void FN(dstore)(ARGS *g, long m, int c, vf v, int n) {
  const int H = g->H;
  int cg = g->kind == 3 && c >= 3 * H ? c - 3 * H : IS_GRU(g->kind) && c >= 2 * H ? c - 2 * H : c;
  int o = cg % NR;
  if (o + (n < VW ? n : VW) <= NR) { FN(vstore_n)(FN(dpk)(g, m, c), v, n); return; }
  for (int i = 0; i < n && i < VW; i++) *FN(dpk)(g, m, c + i) = v[i];
}

static void FN(backward_rows)(ARGS *g, int b0, int b1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const int rows = b1 - b0;
  if (rows <= 0) return;
  const long BH = (long)B * H, BN = (long)B * N, TB = (long)T * B, PS = TB * NR;
  const int P1 = IS_GRU(g->kind) ? (2 * H + NR - 1) / NR : 0;
  const int P2 = P1 + (H + NR - 1) / NR; /* PyTorch's GRU: first panel of dHN */
  /* carried gradients dh (and dc) and the next step's, swapped every step */
  float *dh = g->dh + (long)b0 * H, *dhn = g->dhp + (long)b0 * H;
  float *dc = g->dc ? g->dc + (long)b0 * H : 0, *dcn = g->dcp ? g->dcp + (long)b0 * H : 0;
  for (long i = 0; i < (long)rows * H; i++) {
    dh[i] = g->dhT ? g->dhT[(long)b0 * H + i] : 0.0f;
    if (dc) dc[i] = g->dcT ? g->dcT[(long)b0 * H + i] : 0.0f;
  }
  for (int t = T - 1; t >= 0; t--) {
    const float *hp = t == 0 ? g->h0 + (long)b0 * H : g->hs + (t - 1) * BH + (long)b0 * H;
    const float *hcur = g->hs + t * BH + (long)b0 * H;
    const float *gd = g->dhs + t * BH + (long)b0 * H;
    const float *act = g->acts ? g->acts + t * BN + (long)b0 * N : 0;
    const long m0 = (long)t * B + b0;
    const float *dA = g->dApk + m0 * NR; /* A_PANEL view of these rows */
    if (g->kind == 0) {
      for (int r = 0; r < rows; r++)
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          long k = (long)r * H + j;
          vf h = FN(vload_n)(hcur + k, n);
          vf gg = FN(vload_n)(dh + k, n) + FN(vload_n)(gd + k, n);
          FN(dstore)(g, m0 + r, j, gg * (1.0f - h * h), n);
        }
      FN(gemm_p)(rows, H, N, dA, PS, g->whtp, (long)N * NR, dhn, H, 0);
    } else if (g->kind == 1) {
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          long k = (long)r * H + j;
          vf z = FN(vload_n)(ac + j, n), ht = FN(vload_n)(ac + 2 * H + j, n);
          vf gg = FN(vload_n)(dh + k, n) + FN(vload_n)(gd + k, n), hv = FN(vload_n)(hp + k, n);
          FN(dstore)(g, m0 + r, j, gg * (hv - ht) * z * (1.0f - z), n);
          FN(dstore)(g, m0 + r, 2 * H + j, gg * (1.0f - z) * (1.0f - ht * ht), n);
          FN(vstore_n)(dhn + k, gg * z, n);
        }
      }
      float *drh = g->drh + (long)b0 * H;
      FN(gemm_p)(rows, H, H, dA + P1 * PS, PS, g->whtp2, (long)H * NR, drh, H, 0);
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          long k = (long)r * H + j;
          vf rg = FN(vload_n)(ac + H + j, n), dd = FN(vload_n)(drh + k, n);
          FN(dstore)(g, m0 + r, H + j, dd * FN(vload_n)(hp + k, n) * rg * (1.0f - rg), n);
          FN(vstore_n)(dhn + k, FN(vload_n)(dhn + k, n) + dd * rg, n);
        }
      }
      FN(gemm_p)(rows, H, 2 * H, dA, PS, g->whtp, (long)2 * H * NR, dhn, H, 1);
    } else if (g->kind == 3) {
      const float *hn = g->rh + t * BH + (long)b0 * H;
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          long k = (long)r * H + j;
          vf z = FN(vload_n)(ac + j, n), rg = FN(vload_n)(ac + H + j, n), ht = FN(vload_n)(ac + 2 * H + j, n);
          vf gg = FN(vload_n)(dh + k, n) + FN(vload_n)(gd + k, n), hv = FN(vload_n)(hp + k, n);
          vf dn = gg * (1.0f - z) * (1.0f - ht * ht);
          FN(dstore)(g, m0 + r, j, gg * (hv - ht) * z * (1.0f - z), n);
          FN(dstore)(g, m0 + r, H + j, dn * FN(vload_n)(hn + k, n) * rg * (1.0f - rg), n);
          FN(dstore)(g, m0 + r, 2 * H + j, dn, n);
          FN(dstore)(g, m0 + r, 3 * H + j, dn * rg, n);
          FN(vstore_n)(dhn + k, gg * z, n);
        }
      }
      FN(gemm_p)(rows, H, 2 * H, dA, PS, g->whtp, (long)2 * H * NR, dhn, H, 1);
      FN(gemm_p)(rows, H, H, dA + P2 * PS, PS, g->whtp2, (long)H * NR, dhn, H, 1);
    } else {
      const float *cp = t == 0 ? g->c0 + (long)b0 * H : g->cs + (t - 1) * BH + (long)b0 * H;
      const float *tcs = g->tcs + t * BH + (long)b0 * H;
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          long k = (long)r * H + j;
          vf i = FN(vload_n)(ac + j, n), f = FN(vload_n)(ac + H + j, n), o = FN(vload_n)(ac + 2 * H + j, n), cc = FN(vload_n)(ac + 3 * H + j, n);
          vf tc = FN(vload_n)(tcs + k, n), gg = FN(vload_n)(dh + k, n) + FN(vload_n)(gd + k, n);
          vf dcc = FN(vload_n)(dc + k, n) + gg * o * (1.0f - tc * tc);
          FN(dstore)(g, m0 + r, j, dcc * cc * i * (1.0f - i), n);
          FN(dstore)(g, m0 + r, H + j, dcc * FN(vload_n)(cp + k, n) * f * (1.0f - f), n);
          FN(dstore)(g, m0 + r, 2 * H + j, gg * tc * o * (1.0f - o), n);
          FN(dstore)(g, m0 + r, 3 * H + j, dcc * i * (1.0f - cc * cc), n);
          FN(vstore_n)(dcn + k, dcc * f, n);
        }
      }
      FN(gemm_p)(rows, H, N, dA, PS, g->whtp, (long)N * NR, dhn, H, 0);
      float *s = dc; dc = dcn; dcn = s;
    }
    if (!g->ids && !g->xproj) {
      float *dx = g->dx + m0 * I;
      if (IS_GRU(g->kind)) {
        FN(gemm_p)(rows, I, 2 * H, dA, PS, g->wxtp, (long)N * NR, dx, I, 0);
        FN(gemm_p)(rows, I, H, dA + P1 * PS, PS, g->wxtp + 2 * H * NR, (long)N * NR, dx, I, 1);
      } else {
        FN(gemm_p)(rows, I, N, dA, PS, g->wxtp, (long)N * NR, dx, I, 0);
      }
    }
    float *s = dh; dh = dhn; dhn = s;
  }
  /* dh0 (and dc0) end in g->dh (g->dc) */
  if (dh != g->dh + (long)b0 * H)
    for (long i = 0; i < (long)rows * H; i++) dhn[i] = dh[i];
  if (dc && dc != g->dc + (long)b0 * H)
    for (long i = 0; i < (long)rows * H; i++) dcn[i] = dc[i];
}

/*
 * dx = dA . W_x^T for rows [m0, m1) of the T*B at once (the addon's backward with xproj set,
 * after the recurrence: dA is complete then). Per step, as above, a piece's rows streamed all of
 * W_x^T at every step; the same sums in the same order.
 */
static void FN(dx_rows)(ARGS *g, int m0, int m1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, N = FN(gates)(g->kind) * H;
  if (m1 <= m0 || g->ids) return;
  const long PS = (long)T * B * NR;
  const float *dA = g->dApk + (long)m0 * NR;
  float *dx = g->dx + (long)m0 * I;
  if (IS_GRU(g->kind)) {
    const int P1 = (2 * H + NR - 1) / NR;
    FN(gemm_p)(m1 - m0, I, 2 * H, dA, PS, g->wxtp, (long)N * NR, dx, I, 0);
    FN(gemm_p)(m1 - m0, I, H, dA + P1 * PS, PS, g->wxtp + 2 * H * NR, (long)N * NR, dx, I, 1);
  } else {
    FN(gemm_p)(m1 - m0, I, N, dA, PS, g->wxtp, (long)N * NR, dx, I, 0);
  }
}

/* Total column panels of the grouped layout. */
static int FN(panels)(int kind, int H) {
  int N = FN(gates)(kind) * H;
  if (kind == 1) return (2 * H + NR - 1) / NR + (H + NR - 1) / NR;
  if (kind == 3) return (2 * H + NR - 1) / NR + 2 * ((H + NR - 1) / NR);
  return (N + NR - 1) / NR;
}

/*
 * Weight gradients for panels [p0, p1): the dwh, dwx and db columns of those panels.
 * dwh = Hprev^T . dA (GRU candidate columns: (R.H)^T . dA), read in place (A_TRANS): Hprev is
 * h0 for the first B rows, then hs.
 */
static void FN(wgrad_panels)(ARGS *g, int p0, int p1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const long TB = (long)T * B, PS = TB * NR;
  const int w1 = IS_GRU(g->kind) ? 2 * H : N;
  const int P1 = (w1 + NR - 1) / NR, P = FN(panels)(g->kind, H), P2 = P1 + (H + NR - 1) / NR;
  const int ra = g->kind == 3; /* PyTorch's GRU: group 2 is dHN (dwh's candidate columns, dbhn) */
  if (p1 > P) p1 = P;
  for (int grp = 0; grp < (ra ? 3 : 2); grp++) {
    const int gp = grp == 0 ? 0 : grp == 1 ? P1 : P2, gq = grp == 0 ? P1 : grp == 1 && ra ? P2 : P; /* the group's panels */
    const int gc = grp == 0 ? 0 : 2 * H, gw = grp == 0 ? w1 : H; /* its columns */
    const int q0 = (p0 > gp ? p0 : gp) - gp, q1 = (p1 < gq ? p1 : gq) - gp;
    if (q1 <= q0) continue;
    const int c0 = gc + q0 * NR, w = (q1 * NR < gw ? q1 * NR : gw) - q0 * NR;
    const float *bp = g->dApk + (long)(gp + q0) * PS;
    float *dwh = g->dwh + c0;
    if (grp == 0 || grp == 2) {
      FN(gemm_t)(H, w, B, g->h0, H, bp, PS, dwh, N, 0);
      if (T > 1) FN(gemm_t)(H, w, (int)(TB - B), g->hs, H, bp + (long)B * NR, PS, dwh, N, 1);
    } else if (!ra) {
      FN(gemm_t)(H, w, (int)TB, g->rh, H, bp, PS, dwh, N, 0);
    }
    if (!g->ids && grp < 2) FN(gemm_t)(I, w, (int)TB, g->x, I, bp, PS, g->dwx + c0, N, 0);
    for (int q = q0; q < q1; q++) {
      const int cq = gc + q * NR, wq = gw - q * NR < NR ? gw - q * NR : NR;
      const float *pq = g->dApk + (long)(gp + q) * PS;
      if (g->ids && grp < 2) {
        for (int i = 0; i < I; i++)
          for (int v = 0; v < NV; v++) { int n = wq - v * VW; if (n > 0) FN(vstore_n)(g->dwx + (long)i * N + cq + v * VW, (vf){0}, n); }
        for (long m = 0; m < TB; m++) {
          float *o = g->dwx + (long)g->tok[m] * N + cq;
          for (int v = 0; v < NV; v++) {
            int n = wq - v * VW;
            if (n > 0) FN(vstore_n)(o + v * VW, FN(vload_n)(o + v * VW, n) + FN(vload)(pq + m * NR + v * VW), n);
          }
        }
      }
      vf s[NV];
      for (int v = 0; v < NV; v++) s[v] = (vf){0};
      for (long m = 0; m < TB; m++)
        for (int v = 0; v < NV; v++) s[v] += FN(vload)(pq + m * NR + v * VW);
      float *dbq = grp == 2 ? g->dbhn + (cq - 2 * H) : g->db + cq;
      for (int v = 0; v < NV; v++) { int n = wq - v * VW; if (n > 0) FN(vstore_n)(dbq + v * VW, s[v], n); }
      if (g->dxb && grp < 2) /* the per-row input term's gradient: each row's gate gradients summed over t = 0..T-1 */
        for (int b = 0; b < B; b++) {
          vf u[NV];
          for (int v = 0; v < NV; v++) u[v] = (vf){0};
          for (int t = 0; t < T; t++)
            for (int v = 0; v < NV; v++) u[v] += FN(vload)(pq + ((long)t * B + b) * NR + v * VW);
          for (int v = 0; v < NV; v++) { int n = wq - v * VW; if (n > 0) FN(vstore_n)(g->dxb + (long)b * N + cq + v * VW, u[v], n); }
        }
    }
  }
}

/* Packs the weights for the forward: wh grouped panels (K = H), wx panels (K = I, dense only). */
static void FN(pack_forward)(ARGS *g, const float *wh, float *whp, float *wxp) {
  const int H = g->H, G = FN(gates)(g->kind), N = G * H;
  if (IS_GRU(g->kind)) {
    int P1 = FN(pack_cols)(H, 2 * H, wh, N, whp);
    FN(pack_cols)(H, H, wh + 2 * H, N, whp + (long)P1 * H * NR);
  } else {
    FN(pack_cols)(H, N, wh, N, whp);
  }
  if (!g->ids) FN(pack_cols)(g->I, N, g->wx, N, wxp);
}

/* Packs wh^T (K = N, or 2H and H for the GRU) and wx^T (dense input) for the backward. */
static void FN(pack_backward)(ARGS *g, const float *wh, float *whtp, float *whtp2, float *wxtp) {
  const int H = g->H, G = FN(gates)(g->kind), N = G * H;
  if (IS_GRU(g->kind)) {
    FN(pack_trans)(2 * H, H, wh, N, whtp);
    FN(pack_trans)(H, H, wh + 2 * H, N, whtp2);
  } else {
    FN(pack_trans)(N, H, wh, N, whtp);
  }
  if (!g->ids) FN(pack_trans)(N, g->I, g->wx, N, wxtp);
}

#undef vf
#undef vfu
#undef vi
#undef ARGS
#undef NV
#undef NR
#undef KBLK
#undef MBLK
#undef A_ROW
#undef A_TRANS
#undef A_PANEL
#undef AI
#undef EACH_VEC
#undef IS_GRU
