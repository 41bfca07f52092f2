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
