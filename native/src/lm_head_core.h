/*
 * The language model's (and the translator's) output layer and its loss as one op
 * (src/core/kernels/head-loss-op.ts): logits = A[N, D] . W[D, V] + b, the mean softmax
 * cross-entropy against labels, and — when asked — its gradients dA = G . W^T, dW = A^T . G,
 * db = column sums of G, where G = (softmax(logits) - onehot) / N. Included after rnn_core.h and
 * dense_core.h, once per instruction set (FN macro), and built on their packed GEMM and pack_*.
 *
 * Why one op: at a word vocabulary (V = 4,580, N = T*B = 1,120) the logits and their gradient
 * are 20 MB each; as separate tfjs-facing ops they crossed into tensors and back four times.
 *
 * Why by vocabulary chunks: at a translator's target vocabulary (V = 17,851, D = 256, ~600 kept
 * rows) blocks of 64 rows (this file's first version) streamed all of W, W^T and dW (3 x 18 MB,
 * dW read and written) once per block: ~1 GB per call on a machine whose memory moves ~6 GB/s,
 * ~30 GFLOP/s on two threads. Here the loop goes over chunks of HC_COLS vocabulary columns,
 * every row at once, in two passes:
 *   1. logits of the chunk (the packed GEMM) into L, chunk after chunk (chunk c's [N, w] block at
 *      L + N*c*HC_COLS), the label's logit (picked), and per row a running max and sum of
 *      exp(logit - max), rescaled when the max grows (ps);
 *   (the pieces' running stats merge into stat [N, 2]: head_cols_merge)
 *   2. per chunk, G = softmax - onehot, scaled, in place; dA += G_c . W_c^T; dW's columns of the
 *      chunk = A^T . G_c, written once; db's = column sums.
 * W is read twice (as W and as W^T panels), dW written once, L written and read once: ~5x less
 * traffic at that size, and the scratch L is N x V. The addon's threads take fixed pieces of
 * chunks (addon.c HEAD_PIECES of them), each with its own stats, dA (added in piece order after
 * the pass) and panel scratch; dW and db columns are disjoint, so results do not depend on which
 * thread ran which piece. The loss is sum(max + log(sum) - picked) / N (the caller takes the
 * log: freestanding wasm has none).
 */

/* Packs W (and W^T for the gradients) into wp (ceil(V/16)*16*D) / wtp (V*ceil(D/16)*16): once per call. */
static void FN(head_xent_prep)(int D, int V, int grads, const float *W, float *wp, float *wtp) {
  FN(pack_cols)(D, V, W, V, wp);
  if (grads) FN(pack_trans)(V, D, W, V, wtp);
}

#define HC_COLS 256

static inline FN(vf) FN(vmaxv)(FN(vf) a, FN(vf) b) {
  FN(vi) m = (FN(vi))(a > b);
  return (FN(vf))((m & (FN(vi))a) | (~m & (FN(vi))b));
}
/* exp of one float (lane 0 of the vector exp: freestanding wasm has no libm) */
static inline float FN(expf1)(float x) { return FN(vexp)(FN(vsplat)(x))[0]; }

static inline int FN(hc_width)(int V, int c) { return V - c * HC_COLS < HC_COLS ? V - c * HC_COLS : HC_COLS; }

/* Pass 1 over chunks [c0, c1): L, picked (rows whose label is in these chunks) and ps [N, 2], this piece's (max, sum). */
static void FN(head_cols_fwd)(int N, int D, int V, int c0, int c1, const float *A, const float *wp, const float *b, const int *lab,
                              float *L, float *picked, float *ps) {
  for (int r = 0; r < N; r++) { ps[2 * r] = -3.0e38f; ps[2 * r + 1] = 0.0f; }
  for (int c = c0; c < c1; c++) {
    const int v0 = c * HC_COLS, w = FN(hc_width)(V, c);
    float *Lc = L + (long)N * v0;
    for (int r = 0; r < N; r++)
      for (int j = 0; j < w; j += VW) { int n = w - j; FN(vstore_n)(Lc + (long)r * w + j, FN(vload_n)(b + v0 + j, n), n); }
    FN(gemm)(N, w, D, A, D, wp + (long)(v0 / 16) * D * 16, Lc, w, 1);
    for (int r = 0; r < N; r++) {
      const float *l = Lc + (long)r * w;
      const int y = lab[r] - v0;
      if (y >= 0 && y < w) picked[r] = l[y];
      FN(vf) mv = FN(vsplat)(-3.0e38f);
      for (int j = 0; j < w; j += VW) {
        int n = w - j;
        FN(vf) x = FN(vload_n)(l + j, n);
        if (n < VW) for (int i = n; i < VW; i++) x[i] = -3.0e38f;
        mv = FN(vmaxv)(mv, x);
      }
      float mx = mv[0];
      for (int i = 1; i < VW; i++) mx = mv[i] > mx ? mv[i] : mx;
      float m = ps[2 * r], s = ps[2 * r + 1];
      if (mx > m) { s *= FN(expf1)(m - mx); m = mx; }
      const FN(vf) mm = FN(vsplat)(m);
      FN(vf) acc = (FN(vf)){0};
      for (int j = 0; j < w; j += VW) {
        int n = w - j;
        FN(vf) e = FN(vexp)(FN(vload_n)(l + j, n) - mm);
        if (n < VW) for (int i = n; i < VW; i++) e[i] = 0.0f;
        acc += e;
      }
      for (int i = 0; i < VW; i++) s += acc[i];
      ps[2 * r] = m;
      ps[2 * r + 1] = s;
    }
  }
}

/* stat [N, 2] = the pieces' (max, sum) merged in piece order. */
static void FN(head_cols_merge)(int N, int pieces, float *const *ps, float *stat) {
  for (int r = 0; r < N; r++) {
    float m = ps[0][2 * r];
    for (int p = 1; p < pieces; p++) m = ps[p][2 * r] > m ? ps[p][2 * r] : m;
    float s = 0.0f;
    for (int p = 0; p < pieces; p++) s += ps[p][2 * r + 1] * FN(expf1)(ps[p][2 * r] - m);
    stat[2 * r] = m;
    stat[2 * r + 1] = s;
  }
}

/* Pass 2 over chunks [c0, c1): G in place in L, dA (this piece's, written), dW's and db's columns of the chunks. gp: N*HC_COLS scratch. */
static void FN(head_cols_bwd)(int N, int D, int V, int c0, int c1, const float *A, const float *wtp, const int *lab, const float *stat,
                              float *L, float *gp, float *dA, float *dW, float *db) {
  const float scale = 1.0f / (float)N;
  for (int c = c0; c < c1; c++) {
    const int v0 = c * HC_COLS, w = FN(hc_width)(V, c);
    float *Lc = L + (long)N * v0;
    for (int r = 0; r < N; r++) {
      float *l = Lc + (long)r * w;
      const FN(vf) m = FN(vsplat)(stat[2 * r]), k = FN(vsplat)((float)(1.0 / ((double)stat[2 * r + 1] * N)));
      for (int j = 0; j < w; j += VW) { int n = w - j; FN(vstore_n)(l + j, FN(vexp)(FN(vload_n)(l + j, n) - m) * k, n); }
      const int y = lab[r] - v0;
      if (y >= 0 && y < w) l[y] -= scale;
    }
    /* dA += G_c . W_c^T: W^T's panels (K = V rows each, panel stride V*16) from row v0 on */
    FN(gemm_impl)(0 /* A_ROW */, N, D, w, Lc, w, wtp + (long)v0 * 16, (long)V * 16, dA, D, c > c0);
    FN(pack_cols)(N, w, Lc, w, gp);
    FN(gemm_t)(D, w, N, A, D, gp, (long)N * 16, dW + v0, V, 0);
    for (int j = 0; j < w; j += VW) {
      int n = w - j;
      FN(vf) s = (FN(vf)){0};
      for (int r = 0; r < N; r++) s += FN(vload_n)(Lc + (long)r * w + j, n);
      FN(vstore_n)(db + v0 + j, s, n);
    }
  }
}

/* The whole op on one thread (the WASM module's; the addon runs the pieces on both threads).
 * ps: [N, 2] scratch. Returns the position of the first label outside [0, V) (nothing computed), else -1. */
static int FN(head_xent)(int N, int D, int V, int grads, const float *A, const float *W, const float *b, const int *lab,
                         float *stat, float *picked, float *dA, float *dW, float *db, float *wp, float *wtp, float *L, float *gp, float *ps) {
  for (int r = 0; r < N; r++)
    if (lab[r] < 0 || lab[r] >= V) return r;
  const int chunks = (V + HC_COLS - 1) / HC_COLS;
  FN(head_xent_prep)(D, V, grads, W, wp, wtp);
  FN(head_cols_fwd)(N, D, V, 0, chunks, A, wp, b, lab, L, picked, ps);
  FN(head_cols_merge)(N, 1, &ps, stat);
  if (grads) FN(head_cols_bwd)(N, D, V, 0, chunks, A, wtp, lab, stat, L, gp, dA, dW, db);
  return -1;
}
