/*
 * d2l 10.4's Bahdanau decoder time loop as one kernel call forward and one backward: at every
 * step t the query (the previous top-layer state) is projected by W_q, additive attention
 * scores every valid source position (w_v . tanh(W_q q + W_k k)), a masked softmax gives the
 * weights, dropout multiplies them (masks made by the caller, the same numbers tf.dropout
 * draws), the context (weighted values) concatenated to the embedded input ([context,
 * embedding], the book's order) feeds layer 0 of the d2l GRU, each further layer reads the
 * previous one's output times its dropout mask. The per-op path (src/core/attention,
 * src/core/translation/attention/decoder.ts) is the reference it equals.
 *
 * Why one call: the per-op path issues ~25 tfjs ops per step forward and ~40 backward at
 * ~0.1 ms dispatch each, plus tfjs-wasm's slow element-wise kernels; here the products run on
 * rnn_core.h's packed GEMM and everything else is a loop over contiguous rows.
 *
 * Included after rnn_core.h (its gemm, pack_cols, pack_trans, vexp, vtanh, vsigmoid), once per
 * instruction set with the same VW / MR / VFMA / FN macros. One thread.
 *
 * Layout (all row-major): emb [T, B, E] time-major decoder embeddings; enc [B, Tk, H] keys =
 * values; pk [B, Tk, H] = enc . W_k (computed by the caller once per source); vlen [B]; h0
 * [L, B, H]; wq [H, H]; wv [H]; wts = per layer l: wx [I_l, 3H] (I_0 = H + E, else H), wh
 * [H, 3H], b [3H], gate order [z, r, h~]; att_mask [T, B, Tk] and layer_mask [T, L-1, B, H]
 * dropout multipliers or null. Outputs hs [T, B, H] (top layer), hT [L, B, H], attw [T, B, Tk]
 * (before dropout). The gradient of attw is not taken (the weights are shown, not trained on).
 *
 * A row whose valid length is <= 0 attends uniformly to every position with no gradient to
 * its scores, as the book's masked_softmax does when all scores are -1e6.
 */
#ifndef SEQLAB_ATTN_ARGS_DEFINED
#define SEQLAB_ATTN_ARGS_DEFINED
/* Pointers are 32-bit offsets in wasm, written by JS in this order (attention-kernel.ts). */
typedef struct {
  int T, B, Tk, E, H, L, pad0_, pad1_;
  const float *emb, *enc, *pk;
  const int *vlen;
  const float *h0, *wq, *wv, *wts, *att_mask, *layer_mask;
  float *hs, *hT, *attw, *cache, *scratch;
  const float *dhs, *dhT;
  float *demb, *denc, *dpk, *dh0, *dwq, *dwv, *dwts;
} attn_args;
#define ATTN_P(w) (((long)(w) + 15) / 16)
#define ATTN_IN(g, l) ((l) == 0 ? (g)->H + (g)->E : (g)->H)
/* floats of layer l's wx, wh, b in wts */
static long attn_layer_floats(const attn_args *g, int l) { return (long)ATTN_IN(g, l) * 3 * g->H + 3L * g->H * g->H + 3L * g->H; }
static long attn_wts_floats(const attn_args *g) {
  long n = 0;
  for (int l = 0; l < g->L; l++) n += attn_layer_floats(g, l);
  return n;
}
/* The cache (kept from forward to backward) and scratch regions, carved in one fixed order.
 * With base == 0 only the sizes are computed (attn_sizes). */
typedef struct {
  float *xs[8], *st[8], *acts[8], *rhp[8], *feat, *alpha;
  float *wqp, *wxp[8], *whzrp[8], *whhp[8], *q, *pre;
  float *wqtp, *wxtp[8], *whzrtp[8], *whhtp[8], *dA[8], *dq, *dh, *dx, *drhp, *dctx, *dapk, *dapk2, *dal;
} attn_regions;
#define ATTN_MAX_LAYERS 8
static void attn_carve(const attn_args *g, float *cache, float *scratch, attn_regions *r) {
  const long T = g->T, B = g->B, Tk = g->Tk, H = g->H, N = 3 * H, TB = T * B;
  long c = 0, s = 0;
#define ATTN_TAKE(base, off, n) ((base) ? (base) + ((off) += (n)) - (n) : ((off) += (n), (float *)0))
  for (int l = 0; l < g->L; l++) {
    const long I = ATTN_IN(g, l);
    r->xs[l] = ATTN_TAKE(cache, c, TB * I);
    r->st[l] = ATTN_TAKE(cache, c, (T + 1) * B * H);
    r->acts[l] = ATTN_TAKE(cache, c, TB * N);
    r->rhp[l] = ATTN_TAKE(cache, c, TB * H);
  }
  r->feat = ATTN_TAKE(cache, c, TB * Tk * H);
  r->alpha = ATTN_TAKE(cache, c, TB * Tk);
  long I0 = H + g->E;
  r->wqp = ATTN_TAKE(scratch, s, ATTN_P(H) * 16 * H);
  r->wqtp = ATTN_TAKE(scratch, s, ATTN_P(H) * 16 * H);
  for (int l = 0; l < g->L; l++) {
    const long I = ATTN_IN(g, l);
    r->wxp[l] = ATTN_TAKE(scratch, s, ATTN_P(N) * 16 * I);
    r->whzrp[l] = ATTN_TAKE(scratch, s, ATTN_P(2 * H) * 16 * H);
    r->whhp[l] = ATTN_TAKE(scratch, s, ATTN_P(H) * 16 * H);
    r->wxtp[l] = ATTN_TAKE(scratch, s, ATTN_P(I) * 16 * N);
    r->whzrtp[l] = ATTN_TAKE(scratch, s, ATTN_P(H) * 16 * 2 * H);
    r->whhtp[l] = ATTN_TAKE(scratch, s, ATTN_P(H) * 16 * H);
    r->dA[l] = ATTN_TAKE(scratch, s, TB * N);
  }
  r->q = ATTN_TAKE(scratch, s, B * H);
  r->pre = ATTN_TAKE(scratch, s, B * N);
  r->dq = ATTN_TAKE(scratch, s, TB * H);
  r->dh = ATTN_TAKE(scratch, s, (long)g->L * B * H);
  r->dx = ATTN_TAKE(scratch, s, B * (I0 > H ? I0 : H));
  r->drhp = ATTN_TAKE(scratch, s, B * H);
  r->dctx = ATTN_TAKE(scratch, s, B * H);
  r->dapk = ATTN_TAKE(scratch, s, ATTN_P(2 * H) * 16 * TB);
  r->dapk2 = ATTN_TAKE(scratch, s, ATTN_P(H) * 16 * TB);
  r->dal = ATTN_TAKE(scratch, s, 2 * Tk);
#undef ATTN_TAKE
  (void)c; (void)s;
}
/* out[0] = cache floats, out[1] = scratch floats; 0 when the sizes are out of range. */
static void attn_sizes(const attn_args *g, long *out) {
  out[0] = out[1] = 0;
  if (g->L < 1 || g->L > ATTN_MAX_LAYERS || g->T < 1 || g->B < 1 || g->Tk < 1 || g->E < 1 || g->H < 1) return;
  long c = 0, s = 0;
  const long T = g->T, B = g->B, Tk = g->Tk, H = g->H, N = 3 * H, TB = T * B;
  for (int l = 0; l < g->L; l++) c += TB * ATTN_IN(g, l) + (T + 1) * B * H + TB * N + TB * H;
  c += TB * Tk * H + TB * Tk;
  long I0 = H + g->E;
  s += 2 * ATTN_P(H) * 16 * H;
  for (int l = 0; l < g->L; l++) {
    const long I = ATTN_IN(g, l);
    s += ATTN_P(N) * 16 * I + ATTN_P(2 * H) * 16 * H + ATTN_P(H) * 16 * H + ATTN_P(I) * 16 * N + ATTN_P(H) * 16 * 2 * H + ATTN_P(H) * 16 * H + TB * N;
  }
  s += B * H + B * N + TB * H + (long)g->L * B * H + B * (I0 > H ? I0 : H) + B * H + B * H + ATTN_P(2 * H) * 16 * TB + ATTN_P(H) * 16 * TB + 2 * Tk;
  out[0] = c;
  out[1] = s;
}
#endif

/* dst[i] = f(src[i]) over n floats, by vectors */
static inline void FN(attn_tanh_n)(float *dst, const float *src, long n) {
  for (long j = 0; j < n; j += VW) { int m = n - j < VW ? (int)(n - j) : VW; FN(vstore_n)(dst + j, FN(vtanh)(FN(vload_n)(src + j, m)), m); }
}
static inline void FN(attn_sigmoid_n)(float *dst, const float *src, long n) {
  for (long j = 0; j < n; j += VW) { int m = n - j < VW ? (int)(n - j) : VW; FN(vstore_n)(dst + j, FN(vsigmoid)(FN(vload_n)(src + j, m)), m); }
}

/* Layer l's weights inside wts. */
static void FN(attn_layer_w)(const attn_args *g, const float *wts, int l, const float **wx, const float **wh, const float **b) {
  const float *p = wts;
  for (int i = 0; i < l; i++) p += attn_layer_floats(g, i);
  *wx = p;
  *wh = p + (long)ATTN_IN(g, l) * 3 * g->H;
  *b = *wh + 3L * g->H * g->H;
}

static inline int FN(attn_valid)(const attn_args *g, int b) {
  const int v = g->vlen[b];
  return v <= 0 ? 0 : v > g->Tk ? g->Tk : v;
}

static void FN(attn_forward)(attn_args *g) {
  const int T = g->T, B = g->B, Tk = g->Tk, E = g->E, H = g->H, L = g->L, N = 3 * H;
  attn_regions R;
  attn_carve(g, g->cache, g->scratch, &R);
  FN(pack_cols)(H, H, g->wq, H, R.wqp);
  for (int l = 0; l < L; l++) {
    const float *wx, *wh, *bb;
    FN(attn_layer_w)(g, g->wts, l, &wx, &wh, &bb);
    FN(pack_cols)(ATTN_IN(g, l), N, wx, N, R.wxp[l]);
    FN(pack_cols)(H, 2 * H, wh, N, R.whzrp[l]);
    FN(pack_cols)(H, H, wh + 2 * H, N, R.whhp[l]);
    for (long i = 0; i < (long)B * H; i++) R.st[l][i] = g->h0[(long)l * B * H + i];
  }
  for (int t = 0; t < T; t++) {
    /* attention: the query is the top layer's state before this step */
    const float *query = R.st[L - 1] + (long)t * B * H;
    FN(gemm)(B, H, H, query, H, R.wqp, R.q, H, 0);
    const int I0 = H + E;
    for (int b = 0; b < B; b++) {
      const long tb = (long)t * B + b;
      float *al = R.alpha + tb * Tk;
      const int n = FN(attn_valid)(g, b);
      const float *qb = R.q + (long)b * H;
      for (int k = 0; k < n; k++) {
        float *f = R.feat + (tb * Tk + k) * H;
        const float *pkk = g->pk + ((long)b * Tk + k) * H;
        for (int j = 0; j < H; j++) f[j] = qb[j] + pkk[j];
        FN(attn_tanh_n)(f, f, H);
        float sc = 0.0f;
        for (int j = 0; j < H; j++) sc += f[j] * g->wv[j];
        al[k] = sc;
      }
      if (n == 0) {
        for (int k = 0; k < Tk; k++) al[k] = 1.0f / (float)Tk;
      } else {
        float mx = al[0];
        for (int k = 1; k < n; k++) mx = al[k] > mx ? al[k] : mx;
        for (int k = 0; k < n; k++) al[k] -= mx;
        for (int k = 0; k < n; k += VW) { int m = n - k < VW ? n - k : VW; FN(vstore_n)(al + k, FN(vexp)(FN(vload_n)(al + k, m)), m); }
        float sum = 0.0f;
        for (int k = 0; k < n; k++) sum += al[k];
        for (int k = 0; k < n; k++) al[k] /= sum;
        for (int k = n; k < Tk; k++) al[k] = 0.0f;
      }
      float *ao = g->attw + tb * Tk;
      for (int k = 0; k < Tk; k++) ao[k] = al[k];
      /* layer 0's input [context, embedding] */
      float *x0 = R.xs[0] + tb * I0;
      for (int j = 0; j < H; j++) x0[j] = 0.0f;
      const float *am = g->att_mask ? g->att_mask + tb * Tk : 0;
      const int kn = n == 0 ? Tk : n;
      for (int k = 0; k < kn; k++) {
        const float w = am ? al[k] * am[k] : al[k];
        const float *v = g->enc + ((long)b * Tk + k) * H;
        for (int j = 0; j < H; j++) x0[j] += w * v[j];
      }
      const float *e = g->emb + tb * E;
      for (int j = 0; j < E; j++) x0[H + j] = e[j];
    }
    for (int l = 0; l < L; l++) {
      const int I = ATTN_IN(g, l);
      const float *wx, *wh, *bb;
      FN(attn_layer_w)(g, g->wts, l, &wx, &wh, &bb);
      float *x = R.xs[l] + (long)t * B * I;
      if (l > 0) {
        const float *hb = R.st[l - 1] + (long)(t + 1) * B * H;
        const float *m = g->layer_mask ? g->layer_mask + ((long)t * (L - 1) + (l - 1)) * B * H : 0;
        for (long i = 0; i < (long)B * H; i++) x[i] = m ? hb[i] * m[i] : hb[i];
      }
      const float *hp = R.st[l] + (long)t * B * H;
      float *ho = R.st[l] + (long)(t + 1) * B * H;
      float *ac = R.acts[l] + (long)t * B * N;
      float *rh = R.rhp[l] + (long)t * B * H;
      float *a = R.pre;
      for (int b = 0; b < B; b++)
        for (int j = 0; j < N; j++) a[(long)b * N + j] = bb[j];
      FN(gemm)(B, N, I, x, I, R.wxp[l], a, N, 1);
      FN(gemm)(B, 2 * H, H, hp, H, R.whzrp[l], a, N, 1);
      for (int b = 0; b < B; b++) {
        FN(attn_sigmoid_n)(ac + (long)b * N, a + (long)b * N, 2 * H);
        for (int j = 0; j < H; j++) rh[(long)b * H + j] = ac[(long)b * N + H + j] * hp[(long)b * H + j];
      }
      FN(gemm)(B, H, H, rh, H, R.whhp[l], a + 2 * H, N, 1);
      for (int b = 0; b < B; b++) {
        float *acb = ac + (long)b * N;
        FN(attn_tanh_n)(acb + 2 * H, a + (long)b * N + 2 * H, H);
        for (int j = 0; j < H; j++) {
          const float z = acb[j];
          ho[(long)b * H + j] = z * hp[(long)b * H + j] + (1.0f - z) * acb[2 * H + j];
        }
      }
    }
    const float *top = R.st[L - 1] + (long)(t + 1) * B * H;
    for (long i = 0; i < (long)B * H; i++) g->hs[(long)t * B * H + i] = top[i];
  }
  for (int l = 0; l < L; l++)
    for (long i = 0; i < (long)B * H; i++) g->hT[(long)l * B * H + i] = R.st[l][(long)T * B * H + i];
}

/* Column sums of dA [M, N] into db[N]. */
static void FN(attn_colsum)(const float *dA, long M, int N, float *db) {
  for (int j = 0; j < N; j++) db[j] = 0.0f;
  for (long m = 0; m < M; m++)
    for (int j = 0; j < N; j++) db[j] += dA[m * N + j];
}

static void FN(attn_backward)(attn_args *g) {
  const int T = g->T, B = g->B, Tk = g->Tk, E = g->E, H = g->H, L = g->L, N = 3 * H;
  const long BH = (long)B * H, TB = (long)T * B;
  attn_regions R;
  attn_carve(g, g->cache, g->scratch, &R);
  FN(pack_trans)(H, H, g->wq, H, R.wqtp);
  for (int l = 0; l < L; l++) {
    const float *wx, *wh, *bb;
    FN(attn_layer_w)(g, g->wts, l, &wx, &wh, &bb);
    FN(pack_trans)(N, ATTN_IN(g, l), wx, N, R.wxtp[l]);
    FN(pack_trans)(2 * H, H, wh, N, R.whzrtp[l]);
    FN(pack_trans)(H, H, wh + 2 * H, N, R.whhtp[l]);
  }
  for (long i = 0; i < (long)L * BH; i++) R.dh[i] = g->dhT ? g->dhT[i] : 0.0f;
  for (int j = 0; j < H; j++) g->dwv[j] = 0.0f;
  for (long i = 0; i < (long)B * Tk * H; i++) { g->denc[i] = 0.0f; g->dpk[i] = 0.0f; }
  const int I0 = H + E;
  for (int t = T - 1; t >= 0; t--) {
    float *dtop = R.dh + (long)(L - 1) * BH;
    for (long i = 0; i < BH; i++) dtop[i] += g->dhs[(long)t * BH + i];
    for (int l = L - 1; l >= 0; l--) {
      const int I = ATTN_IN(g, l);
      float *dh = R.dh + (long)l * BH;
      const float *hp = R.st[l] + (long)t * BH;
      const float *ac = R.acts[l] + (long)t * B * N;
      float *dA = R.dA[l] + (long)t * B * N;
      for (long b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
          const float gr = dh[b * H + j], z = ac[b * N + j], ht = ac[b * N + 2 * H + j], h = hp[b * H + j];
          dA[b * N + j] = gr * (h - ht) * z * (1.0f - z);
          dA[b * N + 2 * H + j] = gr * (1.0f - z) * (1.0f - ht * ht);
          dh[b * H + j] = gr * z;
        }
      FN(gemm)(B, H, H, dA + 2 * H, N, R.whhtp[l], R.drhp, H, 0);
      for (long b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
          const float r = ac[b * N + H + j], d = R.drhp[b * H + j];
          dA[b * N + H + j] = d * hp[b * H + j] * r * (1.0f - r);
          dh[b * H + j] += d * r;
        }
      FN(gemm)(B, H, 2 * H, dA, N, R.whzrtp[l], dh, H, 1);
      FN(gemm)(B, I, N, dA, N, R.wxtp[l], R.dx, I, 0);
      if (l > 0) {
        float *dlow = R.dh + (long)(l - 1) * BH;
        const float *m = g->layer_mask ? g->layer_mask + ((long)t * (L - 1) + (l - 1)) * BH : 0;
        for (long i = 0; i < BH; i++) dlow[i] += m ? R.dx[i] * m[i] : R.dx[i];
      } else {
        for (long b = 0; b < B; b++) {
          for (int j = 0; j < H; j++) R.dctx[b * H + j] = R.dx[b * I0 + j];
          for (int j = 0; j < E; j++) g->demb[((long)t * B + b) * E + j] = R.dx[b * I0 + H + j];
        }
      }
    }
    /* attention backward: context → weights → scores → features → query, keys, values */
    float *dq = R.dq + (long)t * BH;
    for (long i = 0; i < BH; i++) dq[i] = 0.0f;
    for (int b = 0; b < B; b++) {
      const long tb = (long)t * B + b;
      const float *al = R.alpha + tb * Tk;
      const float *am = g->att_mask ? g->att_mask + tb * Tk : 0;
      const float *dc = R.dctx + (long)b * H;
      const int n = FN(attn_valid)(g, b), kn = n == 0 ? Tk : n;
      float *dal = R.dal;
      for (int k = 0; k < kn; k++) {
        const float *v = g->enc + ((long)b * Tk + k) * H;
        float *dv = g->denc + ((long)b * Tk + k) * H;
        const float m = am ? am[k] : 1.0f, w = al[k] * m;
        float s = 0.0f;
        for (int j = 0; j < H; j++) { s += dc[j] * v[j]; dv[j] += w * dc[j]; }
        dal[k] = s * m;
      }
      if (n == 0) continue; /* every score masked: no gradient reaches them */
      float dot = 0.0f;
      for (int k = 0; k < n; k++) dot += al[k] * dal[k];
      for (int k = 0; k < n; k++) {
        const float ds = al[k] * (dal[k] - dot);
        const float *f = R.feat + (tb * Tk + k) * H;
        float *dp = g->dpk + ((long)b * Tk + k) * H;
        float *dqb = dq + (long)b * H;
        for (int j = 0; j < H; j++) {
          const float d = ds * g->wv[j] * (1.0f - f[j] * f[j]);
          dp[j] += d;
          dqb[j] += d;
          g->dwv[j] += ds * f[j];
        }
      }
    }
    FN(gemm)(B, H, H, dq, H, R.wqtp, dtop, H, 1);
  }
  for (long i = 0; i < (long)L * BH; i++) g->dh0[i] = R.dh[i];
  /* weight gradients over all T·B rows at once */
  float *dw = g->dwts;
  for (int l = 0; l < L; l++) {
    const int I = ATTN_IN(g, l);
    float *dwx = dw, *dwh = dw + (long)I * N, *db = dwh + (long)H * N;
    FN(pack_cols)((int)TB, 2 * H, R.dA[l], N, R.dapk);
    FN(pack_cols)((int)TB, H, R.dA[l] + 2 * H, N, R.dapk2);
    FN(gemm_t)(I, 2 * H, (int)TB, R.xs[l], I, R.dapk, TB * 16, dwx, N, 0);
    FN(gemm_t)(I, H, (int)TB, R.xs[l], I, R.dapk2, TB * 16, dwx + 2 * H, N, 0);
    FN(gemm_t)(H, 2 * H, (int)TB, R.st[l], H, R.dapk, TB * 16, dwh, N, 0);
    FN(gemm_t)(H, H, (int)TB, R.rhp[l], H, R.dapk2, TB * 16, dwh + 2 * H, N, 0);
    FN(attn_colsum)(R.dA[l], TB, N, db);
    dw += attn_layer_floats(g, l);
  }
  FN(pack_cols)((int)TB, H, R.dq, H, R.dapk2);
  FN(gemm_t)(H, H, (int)TB, R.st[L - 1], H, R.dapk2, TB * 16, g->dwq, H, 0);
}
