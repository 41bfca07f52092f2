/*
 * Fused dense layer (the language model's output layer), built on the packed GEMM of
 * rnn_core.h and included right after it, once per instruction set, with the same VW / MR /
 * VFMA / FN macros (wasm SIMD128 in src/core/kernels/wasm/rnn_wasm.c, AVX-512 / AVX2 /
 * portable in native/src/addon.c).
 *
 *   forward:  Y[N, V] = A[N, D] . W[D, V] + b[V]
 *   backward: dA[N, D] = dY . W^T;  dW[D, V] = A^T . dY;  db[V] = column sums of dY
 *   xent:     the mean softmax cross-entropy's gradient (softmax(L) - onehot) / N and per-row
 *             max and sum of exponentials, from which the caller forms the loss (the
 *             freestanding wasm build has no log)
 *
 * All row-major. dW is computed as its transpose dW^T[V, D] = dY^T[V, N] . A[N, D], so the
 * long reduction (K = N) runs over packed panels of A (columns of A, split between threads)
 * with the small dY^T as the row operand, and only the tiny V x D result is transposed back.
 * Sums are float, blocked by the GEMM (K blocks of 256, per-lane partial sums for db).
 *
 * Work split: the forward splits rows [r0, r1) of Y; the backward splits into parts
 * (part i of n: rows i/n of dA and column panels i/n of A for dW), after a one-thread prep
 * (pack W^T, transpose dY, db).
 */
#ifndef RNN_CORE_H_INCLUDED_ONCE_PER_ISA
/* (included once per instruction set, after rnn_core.h; no include guard on purpose) */
#endif

#define DNR 16 /* panel width: rnn_core.h's NR, which its gemm / pack_* use */
#define dvf FN(vf)

/* Pointers are 32-bit offsets in wasm, written by JS (wasm-kernel.ts DENSE_SLOTS). */
typedef struct {
  SEQLAB_DARGS_FIELDS /* src/core/kernels/layout.json */
} FN(dargs);

/* Forward prep (one thread): packs W. */
static void FN(dense_pack)(FN(dargs) *g) { FN(pack_cols)(g->D, g->V, g->w, g->V, g->wp); }

/* Forward rows [r0, r1): Y = b + A . W. */
static void FN(dense_forward_rows)(FN(dargs) *g, int r0, int r1) {
  const int D = g->D, V = g->V;
  if (r1 <= r0) return;
  for (int r = r0; r < r1; r++) {
    float *y = g->y + (long)r * V;
    for (int j = 0; j < V; j += VW) { int n = V - j; FN(vstore_n)(y + j, FN(vload_n)(g->b + j, n), n); }
  }
  FN(gemm)(r1 - r0, V, D, g->a + (long)r0 * D, D, g->wp, g->y + (long)r0 * V, V, 1);
}

/* Backward prep (one thread): packs W^T, transposes dY into dY^T, db = row sums of dY^T. */
static void FN(dense_backward_prep)(FN(dargs) *g) {
  const int N = g->N, D = g->D, V = g->V;
  FN(pack_trans)(V, D, g->w, V, g->wtp);
  /* transpose in blocks of 64 rows so the V output rows stream */
  for (int n0 = 0; n0 < N; n0 += 64) {
    int n1 = N - n0 < 64 ? N : n0 + 64;
    for (int v = 0; v < V; v++) {
      float *o = g->dyt + (long)v * N;
      for (int n = n0; n < n1; n++) o[n] = g->dy[(long)n * V + v];
    }
  }
  for (int v = 0; v < V; v++) {
    const float *s = g->dyt + (long)v * N;
    dvf acc = (dvf){0};
    int n = 0;
    for (; n + VW <= N; n += VW) acc += FN(vload)(s + n);
    float t = 0.0f;
    for (int i = 0; i < VW; i++) t += acc[i];
    for (; n < N; n++) t += s[n];
    g->db[v] = t;
  }
}

/* Backward parts [lo, hi) of g->nparts: rows of dA and column panels of A for dW. */
static void FN(dense_backward_parts)(FN(dargs) *g, int lo, int hi) {
  const int N = g->N, D = g->D, V = g->V, np = g->nparts > 0 ? g->nparts : 1;
  const int P = (D + DNR - 1) / DNR;
  for (int part = lo; part < hi; part++) {
    int r0 = (int)((long)N * part / np), r1 = (int)((long)N * (part + 1) / np);
    if (g->da && r1 > r0) FN(gemm)(r1 - r0, D, V, g->dy + (long)r0 * V, V, g->wtp, g->da + (long)r0 * D, D, 0);
    int p0 = (int)((long)P * part / np), p1 = (int)((long)P * (part + 1) / np);
    for (int p = p0; p < p1; p++) {
      int c0 = p * DNR, w = D - c0 < DNR ? D - c0 : DNR;
      float *ap = g->ap + (long)p * N * DNR;
      FN(pack_cols)(N, w, g->a + c0, D, ap);
      FN(gemm)(V, w, N, g->dyt, N, ap, g->dwt + c0, D, 0);
      for (int j = 0; j < w; j++)
        for (int v = 0; v < V; v++) g->dw[(long)(c0 + j) * V + v] = g->dwt[(long)v * D + c0 + j];
    }
  }
}

/* Softmax cross-entropy rows [r0, r1) of logits L [N, V] with labels lab [N]:
 * grad = (exp(L - max) / sum - onehot) / N, stat = (max, sum). A label outside [0, V) gives a
 * zero row and stat (0, 0): that row adds nothing to the loss, as its all-zero one-hot row
 * does in the composite op. Sums in double, like the TypeScript version of this loop. */
static void FN(xent_rows)(FN(dargs) *g, int r0, int r1) {
  const int N = g->N, V = g->V;
  for (int r = r0; r < r1; r++) {
    const float *l = g->logits + (long)r * V;
    float *o = g->grad + (long)r * V;
    const int lab = g->lab[r];
    if (lab < 0 || lab >= V) {
      for (int j = 0; j < V; j++) o[j] = 0.0f;
      g->stat[2 * r] = 0.0f;
      g->stat[2 * r + 1] = 0.0f;
      continue;
    }
    float mx = l[0];
    for (int j = 1; j < V; j++) mx = l[j] > mx ? l[j] : mx;
    const dvf m = FN(vsplat)(mx);
    double sum = 0.0;
    for (int j = 0; j < V; j += VW) {
      int n = V - j;
      dvf e = FN(vexp)(FN(vload_n)(l + j, n) - m);
      FN(vstore_n)(o + j, e, n);
      for (int i = 0; i < VW && i < n; i++) sum += e[i];
    }
    const dvf scale = FN(vsplat)((float)(1.0 / (sum * N)));
    for (int j = 0; j < V; j += VW) {
      int n = V - j;
      FN(vstore_n)(o + j, FN(vload_n)(o + j, n) * scale, n);
    }
    o[lab] -= (float)(1.0 / N);
    g->stat[2 * r] = mx;
    g->stat[2 * r + 1] = (float)sum;
  }
}

#undef dvf
#undef DNR
