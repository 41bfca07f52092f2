/*
 * A decoder step's scores for greedy and beam search (src/core/translation/decoder-step.ts):
 * for each row of logits L [n, V] over the target vocabulary, the pieces of its log-softmax and
 * its K largest entries, in one pass for the selection and one for the exponentials, so the
 * decoders never run V-sized loops of Math.exp or a JavaScript top-k per hypothesis.
 *
 *   top[r*K ..]  the indices of the K largest logits of row r, largest first, the lower index
 *                first on ties, -1 past V; the same algorithm as topIndices in
 *                src/core/decoding/beam.ts (so NaN is handled identically), with a vector
 *                pre-test that skips whole vectors none of whose lanes can enter the list
 *   mx[r]        the row's largest logit (NaN never counts; -inf for a row of NaN)
 *   sum[r]       sum of exp(L - mx) in double (exp is vexp, ~1e-7 relative; the freestanding
 *                WASM build has no libm), from which the caller forms log-sum-exp = mx + log(sum)
 *
 * Included after rnn_core.h once per instruction set (the same VW / FN macros; its vload_n /
 * vsplat / vexp), by native/src/addon.c and src/core/kernels/wasm/rnn_wasm.c. K <= BEAM_K_MAX.
 */
#ifndef BEAM_K_MAX
#define BEAM_K_MAX 256
#endif
#define bvf FN(vf)
#define bvi FN(vi)

static void FN(beam_rows)(int n, int V, int K, const float *L, int *top, float *mx, double *sum) {
  for (int r = 0; r < n; r++) {
    const float *x = L + (long)r * V;
    int *idx = top + (long)r * K;
    int len = 0;
    float m = -__builtin_inff();
    for (int j0 = 0; j0 < V; j0 += VW) {
      const int nj = V - j0 < VW ? V - j0 : VW;
      if (len == K && nj == VW) {
        /* full list: a lane can enter only if it beats the last kept (as !(v > last) skips it) */
        const bvf v = FN(vload)(x + j0);
        const bvi gt = (bvi)(v > FN(vsplat)(x[idx[K - 1]])) | (bvi)(v > FN(vsplat)(m));
        int any = 0;
        for (int i = 0; i < VW; i++) any |= gt[i];
        if (!any) continue;
      }
      for (int j = j0; j < j0 + nj; j++) {
        const float v = x[j];
        if (v > m) m = v;
        if (len == K && !(v > x[idx[K - 1]])) continue;
        int i = len < K ? len : K - 1;
        if (len < K) idx[len++] = j;
        while (i > 0 && v > x[idx[i - 1]]) {
          idx[i] = idx[i - 1];
          i--;
        }
        idx[i] = j;
      }
    }
    for (int i = len; i < K; i++) idx[i] = -1;
    mx[r] = m;
    const bvf ms = FN(vsplat)(m);
    double s = 0.0;
    for (int j = 0; j < V; j += VW) {
      const int nj = V - j < VW ? V - j : VW;
      const bvf e = FN(vexp)(FN(vload_n)(x + j, nj) - ms);
      for (int i = 0; i < VW && i < nj; i++) s += e[i];
    }
    sum[r] = s;
  }
}

#undef bvf
#undef bvi

/*
 * A decoder step's output layer over column panels [p0, p1): Y[:, cols] = b + A . W for the N
 * hypotheses (A [N, D]), W packed as dense_pack packs it (panels of 16 columns, D rows each).
 * The rows-split dense_forward_rows makes both threads stream all of W for a few rows; by panels
 * each streams its share (18 MB at 17,851 words and 256 hidden: the step's memory-bound cost).
 * The same gemm over the same panels: every element is summed as in dense_forward_rows.
 */
/* (unused by the WASM build, whose decoders run the output layer through dense_forward) */
__attribute__((unused)) static void FN(beam_dense_cols)(int N, int D, int V, const float *A, const float *wp, const float *b, float *Y, int p0, int p1) {
  const int c0 = p0 * 16, c1 = p1 * 16 < V ? p1 * 16 : V;
  if (c1 <= c0) return;
  for (int r = 0; r < N; r++)
    for (int j = c0; j < c1; j++) Y[(long)r * V + j] = b[j];
  FN(gemm)(N, c1 - c0, D, A, D, wp + (long)p0 * D * 16, Y + c0, V, 1);
}
