/*
 * Fused recurrent kernels (RNN / GRU / LSTM, d2l's equations), shared by the WASM SIMD
 * build (src/core/kernels/wasm/rnn_wasm.c) and the native N-API addon (native/src/addon.c).
 * Generic GCC/Clang vector extensions: the includer defines VW (floats per vector: 4 for
 * wasm SIMD128, 8 for AVX2, 16 for AVX-512), MR (rows per register tile), VFMA(a,b,c)
 * (a*b+c), and FN(name) (symbol decoration, one copy per instruction set).
 *
 * Layout (see src/core/kernels/types.ts): wx [I, N], wh [H, N], b [N], N = G*H, gate blocks
 * rnn [h], gru [z, r, h~], lstm [i, f, o, c~]; x [T, B, I] or token ids [T, B]; hs [T, B, H].
 *
 * Work split: forward and the BPTT recurrence split the batch rows [b0, b1) (rows are
 * independent through the whole sequence, so threads meet only at phase ends); the weight
 * gradients split the packed column panels [p0, p1).
 *
 * Packed panels: a matrix with K rows and a group of columns is stored as panels of 16
 * columns, each panel K x 16 contiguous, zero-padded. The GRU splits columns into two groups
 * ([0, 2H) and [2H, 3H)) because the candidate uses R.H instead of H.
 */
#ifndef RNN_CORE_H_INCLUDED_ONCE_PER_ISA
/* (included once per instruction set; no include guard on purpose) */
#endif

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
  for (int i = 0; i < n; i++) v[i] = p[i];
  return v;
}
static inline void FN(vstore_n)(float *p, vf v, int n) {
  if (n >= VW) { FN(vstore)(p, v); return; }
  for (int i = 0; i < n; i++) p[i] = v[i];
}

/* exp(x), Cephes-style: range reduction by ln 2 and a degree-6 polynomial (rel err ~1e-7). */
static inline vf FN(vexp)(vf x) {
  const vf hi = FN(vsplat)(88.3762626647949f), lo = FN(vsplat)(-87.3365447504f);
  vi m = (vi)(x > hi); /* lane masks: all ones where true */
  x = (vf)((m & (vi)hi) | (~m & (vi)x));
  m = (vi)(x < lo);
  x = (vf)((m & (vi)lo) | (~m & (vi)x));
  vf fx = x * 1.44269504088896341f;
  /* + copysign(0.5, fx), then truncate: round half away from zero */
  fx = fx + (vf)(((vi)fx & (int)0x80000000) | (vi)FN(vsplat)(0.5f));
  vi n = __builtin_convertvector(fx, vi); /* truncation after +-0.5: round half away */
  vf fn = __builtin_convertvector(n, vf);
  x = x - fn * 0.693359375f;
  x = x - fn * -2.12194440e-4f;
  vf y = FN(vsplat)(1.9875691500E-4f);
  y = y * x + 1.3981999507E-3f;
  y = y * x + 8.3334519073E-3f;
  y = y * x + 4.1665795894E-2f;
  y = y * x + 1.6666665459E-1f;
  y = y * x + 5.0000001201E-1f;
  y = y * (x * x) + x + 1.0f;
  vi e = (n + 127) << 23;
  vf scale;
  __builtin_memcpy(&scale, &e, sizeof scale);
  return y * scale;
}
static inline vf FN(vsigmoid)(vf x) { return 1.0f / (1.0f + FN(vexp)(-x)); }
static inline vf FN(vtanh)(vf x) { return 2.0f / (1.0f + FN(vexp)(-2.0f * x)) - 1.0f; }

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

/* Panels of the transpose: out = panels of Bt[K][w] where Bt[k][j] = Bm[j][k0 + k] (Bm rows of ldb). */
static int FN(pack_trans)(int K, int w, const float *Bm, int ldb, float *out) {
  int P = (w + NR - 1) / NR;
  for (int p = 0; p < P; p++) {
    int c0 = p * NR, nc = w - c0 < NR ? w - c0 : NR;
    float *o = out + (long)p * K * NR;
    for (int k = 0; k < K; k++)
      for (int j = 0; j < NR; j++) o[(long)k * NR + j] = j < nc ? Bm[(long)(c0 + j) * ldb + k] : 0.0f;
  }
  return P;
}

/* ------------------------------------------------------------------ products */

/*
 * C[M, w] (= or +=) A[M, K] . Bp, where Bp holds ceil(w/16) packed panels of K rows.
 * A row-major (lda), C row-major (ldc). K is blocked so a panel block stays in L1.
 */
#define KBLK 256
static void FN(gemm)(int M, int w, int K, const float *A, int lda, const float *Bp, float *C, int ldc, int accumulate) {
  int P = (w + NR - 1) / NR;
  for (int k0 = 0; k0 < K; k0 += KBLK) {
    int kn = K - k0 < KBLK ? K - k0 : KBLK;
    int acc_in = accumulate || k0 > 0;
    for (int p = 0; p < P; p++) {
      int c0 = p * NR, nc = w - c0 < NR ? w - c0 : NR;
      const float *bp = Bp + ((long)p * K + k0) * NR;
      for (int m0 = 0; m0 < M; m0 += MR) {
        int mr = M - m0 < MR ? M - m0 : MR;
        const float *a[MR];
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) a[r] = A + (long)(m0 + (r < mr ? r : mr - 1)) * lda + k0;
        vf acc[MR][NV];
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 16
          for (int v = 0; v < NV; v++) acc[r][v] = (vf){0};
        for (int k = 0; k < kn; k++) {
          vf bv[NV];
#pragma GCC unroll 16
          for (int v = 0; v < NV; v++) bv[v] = FN(vload)(bp + k * NR + v * VW);
#pragma GCC unroll 16
          for (int r = 0; r < MR; r++) {
            vf av = FN(vsplat)(a[r][k]);
#pragma GCC unroll 16
            for (int v = 0; v < NV; v++) acc[r][v] = VFMA(av, bv[v], acc[r][v]);
          }
        }
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
          if (r >= mr) break;
          float *c = C + (long)(m0 + r) * ldc + c0;
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
    }
  }
}

/* ------------------------------------------------------------------ argument block */

/* All pointers; in wasm they are 32-bit offsets written by JS (see wasm-kernel.ts ARG_*). */
typedef struct {
  int kind, T, B, I, H, ids, need_cache, pad_;
  const float *x;   const int *tok;
  const float *h0;  const float *c0;
  const float *wx;  const float *b;
  const float *wxp; const float *whp;          /* packed wx (dense input), packed wh (grouped) */
  float *hs; float *acts; float *rh; float *cs; float *tcs;
  float *scratch;                             /* [B, N] pre-activations */
  const float *dhs; const float *dhT; const float *dcT;
  float *dh; float *dc; float *dhp; float *dcp; float *drh; /* [B, H] each */
  float *dA;                                  /* [T, B, N] */
  float *dApk;                                /* grouped panels of dA, K = T*B */
  const float *whtp; const float *whtp2;      /* packed wh^T: K = N (gru: 2H), and gru's K = H */
  const float *wxtp;                          /* packed wx^T, K = N, columns I */
  float *dx;
  float *hpT; float *rhT; float *xT;          /* [H, T*B], [H, T*B], [I, T*B] */
  float *dwx; float *dwh; float *db;
} FN(args);
#define ARGS FN(args)

static inline int FN(gates)(int kind) { return kind == 0 ? 1 : kind == 1 ? 3 : 4; }

/* ------------------------------------------------------------------ forward */

static void FN(forward_rows)(ARGS *g, int b0, int b1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const int rows = b1 - b0;
  if (rows <= 0) return;
  const long BH = (long)B * H, BN = (long)B * N;
  float *a = g->scratch + (long)b0 * N;
  const int Pg1 = g->kind == 1 ? (2 * H + NR - 1) / NR : 0;
  for (int t = 0; t < T; t++) {
    /* bias + input projection */
    for (int r = 0; r < rows; r++) {
      float *ar = a + (long)r * N;
      if (g->ids) {
        const float *wr = g->wx + (long)g->tok[(long)t * B + b0 + r] * N;
        for (int j = 0; j < N; j += VW) { int n = N - j; FN(vstore_n)(ar + j, FN(vload_n)(g->b + j, n) + FN(vload_n)(wr + j, n), n); }
      } else {
        for (int j = 0; j < N; j++) ar[j] = g->b[j];
      }
    }
    if (!g->ids) FN(gemm)(rows, N, I, g->x + ((long)t * B + b0) * I, I, g->wxp, a, N, 1);
    const float *hp = t == 0 ? g->h0 + (long)b0 * H : g->hs + (t - 1) * BH + (long)b0 * H;
    float *ho = g->hs + t * BH + (long)b0 * H;
    float *act = g->acts ? g->acts + t * BN + (long)b0 * N : 0;
    if (g->kind == 0) {
      FN(gemm)(rows, N, H, hp, H, g->whp, a, N, 1);
      for (int r = 0; r < rows; r++)
        for (int j = 0; j < H; j += VW) { int n = H - j; FN(vstore_n)(ho + (long)r * H + j, FN(vtanh)(FN(vload_n)(a + (long)r * N + j, n)), n); }
    } else if (g->kind == 1) {
      float *rh = g->rh + t * BH + (long)b0 * H;
      FN(gemm)(rows, 2 * H, H, hp, H, g->whp, a, N, 1);
      for (int r = 0; r < rows; r++) {
        float *ar = a + (long)r * N, *acr = act + (long)r * N;
        for (int j = 0; j < 2 * H; j += VW) { int n = 2 * H - j; FN(vstore_n)(acr + j, FN(vsigmoid)(FN(vload_n)(ar + j, n)), n); }
        for (int j = 0; j < H; j += VW) { int n = H - j; FN(vstore_n)(rh + (long)r * H + j, FN(vload_n)(acr + H + j, n) * FN(vload_n)(hp + (long)r * H + j, n), n); }
      }
      FN(gemm)(rows, H, H, rh, H, g->whp + (long)Pg1 * H * NR, a + 2 * H, N, 1);
      for (int r = 0; r < rows; r++) {
        float *ar = a + (long)r * N, *acr = act + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          vf ht = FN(vtanh)(FN(vload_n)(ar + 2 * H + j, n));
          vf z = FN(vload_n)(acr + j, n);
          FN(vstore_n)(acr + 2 * H + j, ht, n);
          FN(vstore_n)(ho + (long)r * H + j, z * FN(vload_n)(hp + (long)r * H + j, n) + (1.0f - z) * ht, n);
        }
      }
    } else {
      FN(gemm)(rows, N, H, hp, H, g->whp, a, N, 1);
      const float *cp = t == 0 ? g->c0 + (long)b0 * H : g->cs + (t - 1) * BH + (long)b0 * H;
      float *co = g->cs + t * BH + (long)b0 * H, *tco = g->tcs + t * BH + (long)b0 * H;
      for (int r = 0; r < rows; r++) {
        float *ar = a + (long)r * N, *acr = act + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          vf i = FN(vsigmoid)(FN(vload_n)(ar + j, n));
          vf f = FN(vsigmoid)(FN(vload_n)(ar + H + j, n));
          vf o = FN(vsigmoid)(FN(vload_n)(ar + 2 * H + j, n));
          vf cc = FN(vtanh)(FN(vload_n)(ar + 3 * H + j, n));
          FN(vstore_n)(acr + j, i, n);
          FN(vstore_n)(acr + H + j, f, n);
          FN(vstore_n)(acr + 2 * H + j, o, n);
          FN(vstore_n)(acr + 3 * H + j, cc, n);
          vf c = f * FN(vload_n)(cp + (long)r * H + j, n) + i * cc;
          vf tc = FN(vtanh)(c);
          FN(vstore_n)(co + (long)r * H + j, c, n);
          FN(vstore_n)(tco + (long)r * H + j, tc, n);
          FN(vstore_n)(ho + (long)r * H + j, o * tc, n);
        }
      }
    }
  }
}

/* ------------------------------------------------------------------ backward (BPTT) */

/* Writes rows [b0,b1) of dA_t into the grouped panels (K = T*B rows) and the transposed inputs. */
static void FN(stash_rows)(ARGS *g, int t, int b0, int b1) {
  const int T = g->T, B = g->B, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const long TB = (long)T * B;
  const int w1 = g->kind == 1 ? 2 * H : N;
  const int P1 = (w1 + NR - 1) / NR;
  for (int r = b0; r < b1; r++) {
    const float *d = g->dA + ((long)t * B + r) * N;
    long m = (long)t * B + r;
    for (int p = 0; p < P1; p++) {
      int c0 = p * NR, nc = w1 - c0 < NR ? w1 - c0 : NR;
      float *o = g->dApk + ((long)p * TB + m) * NR;
      for (int j = 0; j < NR; j++) o[j] = j < nc ? d[c0 + j] : 0.0f;
    }
    if (g->kind == 1) {
      int P2 = (H + NR - 1) / NR;
      for (int p = 0; p < P2; p++) {
        int c0 = p * NR, nc = H - c0 < NR ? H - c0 : NR;
        float *o = g->dApk + ((long)(P1 + p) * TB + m) * NR;
        for (int j = 0; j < NR; j++) o[j] = j < nc ? d[2 * H + c0 + j] : 0.0f;
      }
    }
  }
  /* transposed hidden inputs [H, T*B] (and R.H for the GRU, x for dense input) */
  for (int k = 0; k < H; k++) {
    float *o = g->hpT + (long)k * TB + (long)t * B;
    for (int r = b0; r < b1; r++) o[r] = t == 0 ? g->h0[(long)r * H + k] : g->hs[((long)(t - 1) * B + r) * H + k];
    if (g->kind == 1) {
      float *q = g->rhT + (long)k * TB + (long)t * B;
      for (int r = b0; r < b1; r++) q[r] = g->rh[((long)t * B + r) * H + k];
    }
  }
  if (!g->ids) {
    for (int k = 0; k < g->I; k++) {
      float *o = g->xT + (long)k * TB + (long)t * B;
      for (int r = b0; r < b1; r++) o[r] = g->x[((long)t * B + r) * g->I + k];
    }
  }
}

static void FN(backward_rows)(ARGS *g, int b0, int b1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const int rows = b1 - b0;
  if (rows <= 0) return;
  const long BH = (long)B * H, BN = (long)B * N;
  float *dh = g->dh + (long)b0 * H, *dhp = g->dhp + (long)b0 * H;
  float *dc = g->dc ? g->dc + (long)b0 * H : 0, *dcp = g->dcp ? g->dcp + (long)b0 * H : 0;
  for (long i = 0; i < (long)rows * H; i++) {
    dh[i] = g->dhT ? g->dhT[(long)b0 * H + i] : 0.0f;
    if (dc) dc[i] = g->dcT ? g->dcT[(long)b0 * H + i] : 0.0f;
  }
  for (int t = T - 1; t >= 0; t--) {
    const float *hp = t == 0 ? g->h0 + (long)b0 * H : g->hs + (t - 1) * BH + (long)b0 * H;
    const float *hcur = g->hs + t * BH + (long)b0 * H;
    const float *gd = g->dhs + t * BH + (long)b0 * H;
    float *dA = g->dA + t * BN + (long)b0 * N;
    const float *act = g->acts ? g->acts + t * BN + (long)b0 * N : 0;
    for (long i = 0; i < (long)rows * H; i++) dh[i] += gd[i];
    if (g->kind == 0) {
      for (int r = 0; r < rows; r++)
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          vf h = FN(vload_n)(hcur + (long)r * H + j, n);
          FN(vstore_n)(dA + (long)r * N + j, FN(vload_n)(dh + (long)r * H + j, n) * (1.0f - h * h), n);
        }
      FN(gemm)(rows, H, N, dA, N, g->whtp, dhp, H, 0);
    } else if (g->kind == 1) {
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        float *d = dA + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          vf z = FN(vload_n)(ac + j, n), ht = FN(vload_n)(ac + 2 * H + j, n);
          vf gg = FN(vload_n)(dh + (long)r * H + j, n), hv = FN(vload_n)(hp + (long)r * H + j, n);
          FN(vstore_n)(d + j, gg * (hv - ht) * z * (1.0f - z), n);
          FN(vstore_n)(d + 2 * H + j, gg * (1.0f - z) * (1.0f - ht * ht), n);
          FN(vstore_n)(dhp + (long)r * H + j, gg * z, n);
        }
      }
      float *drh = g->drh + (long)b0 * H;
      FN(gemm)(rows, H, H, dA + 2 * H, N, g->whtp2, drh, H, 0);
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        float *d = dA + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          vf rg = FN(vload_n)(ac + H + j, n), dd = FN(vload_n)(drh + (long)r * H + j, n);
          FN(vstore_n)(d + H + j, dd * FN(vload_n)(hp + (long)r * H + j, n) * rg * (1.0f - rg), n);
          FN(vstore_n)(dhp + (long)r * H + j, FN(vload_n)(dhp + (long)r * H + j, n) + dd * rg, n);
        }
      }
      FN(gemm)(rows, H, 2 * H, dA, N, g->whtp, dhp, H, 1);
    } else {
      const float *cp = t == 0 ? g->c0 + (long)b0 * H : g->cs + (t - 1) * BH + (long)b0 * H;
      const float *tcs = g->tcs + t * BH + (long)b0 * H;
      for (int r = 0; r < rows; r++) {
        const float *ac = act + (long)r * N;
        float *d = dA + (long)r * N;
        for (int j = 0; j < H; j += VW) {
          int n = H - j;
          long k = (long)r * H + j;
          vf i = FN(vload_n)(ac + j, n), f = FN(vload_n)(ac + H + j, n), o = FN(vload_n)(ac + 2 * H + j, n), cc = FN(vload_n)(ac + 3 * H + j, n);
          vf tc = FN(vload_n)(tcs + k, n), gg = FN(vload_n)(dh + k, n);
          vf dcc = FN(vload_n)(dc + k, n) + gg * o * (1.0f - tc * tc);
          FN(vstore_n)(d + j, dcc * cc * i * (1.0f - i), n);
          FN(vstore_n)(d + H + j, dcc * FN(vload_n)(cp + k, n) * f * (1.0f - f), n);
          FN(vstore_n)(d + 2 * H + j, gg * tc * o * (1.0f - o), n);
          FN(vstore_n)(d + 3 * H + j, dcc * i * (1.0f - cc * cc), n);
          FN(vstore_n)(dcp + k, dcc * f, n);
        }
      }
      FN(gemm)(rows, H, N, dA, N, g->whtp, dhp, H, 0);
      for (long i = 0; i < (long)rows * H; i++) dc[i] = dcp[i];
    }
    for (long i = 0; i < (long)rows * H; i++) dh[i] = dhp[i];
    if (!g->ids) FN(gemm)(rows, I, N, dA, N, g->wxtp, g->dx + ((long)t * B + b0) * I, I, 0);
    FN(stash_rows)(g, t, b0, b1);
  }
}

/* Total column panels of the grouped layout. */
static int FN(panels)(int kind, int H) {
  int N = FN(gates)(kind) * H;
  if (kind == 1) return (2 * H + NR - 1) / NR + (H + NR - 1) / NR;
  return (N + NR - 1) / NR;
}

/* Weight gradients for panels [p0, p1): dwh, dwx, db columns of those panels. */
static void FN(wgrad_panels)(ARGS *g, int p0, int p1) {
  const int T = g->T, B = g->B, I = g->I, H = g->H, G = FN(gates)(g->kind), N = G * H;
  const long TB = (long)T * B;
  const int w1 = g->kind == 1 ? 2 * H : N;
  const int P1 = (w1 + NR - 1) / NR;
  for (int p = p0; p < p1; p++) {
    int c0, w;
    const float *A;
    if (p < P1) { c0 = p * NR; w = w1 - c0 < NR ? w1 - c0 : NR; A = g->hpT; }
    else { int q = p - P1; c0 = 2 * H + q * NR; w = 2 * H + H - c0 < NR ? 3 * H - c0 : NR; A = g->rhT; }
    const float *bp = g->dApk + (long)p * TB * NR;
    FN(gemm)(H, w, (int)TB, A, (int)TB, bp, g->dwh + c0, N, 0);
    if (g->ids) {
      for (int i = 0; i < I; i++) for (int j = 0; j < w; j++) g->dwx[(long)i * N + c0 + j] = 0.0f;
      for (long m = 0; m < TB; m++) {
        float *o = g->dwx + (long)g->tok[m] * N + c0;
        const float *s = bp + m * NR;
        for (int j = 0; j < w; j++) o[j] += s[j];
      }
    } else {
      FN(gemm)(I, w, (int)TB, g->xT, (int)TB, bp, g->dwx + c0, N, 0);
    }
    vf s[NV];
    for (int v = 0; v < NV; v++) s[v] = (vf){0};
    for (long m = 0; m < TB; m++)
      for (int v = 0; v < NV; v++) s[v] += FN(vload)(bp + m * NR + v * VW);
    for (int v = 0; v < NV; v++) { int n = w - v * VW; if (n > 0) FN(vstore_n)(g->db + c0 + v * VW, s[v], n); }
  }
}

/* Packs the weights for the forward: wh grouped panels (K = H), wx panels (K = I, dense only). */
static void FN(pack_forward)(ARGS *g, const float *wh, float *whp, float *wxp) {
  const int H = g->H, G = FN(gates)(g->kind), N = G * H;
  if (g->kind == 1) {
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
  if (g->kind == 1) {
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
