/*
 * d2l's grad_clipping (global norm over every parameter) and Adam's update over all parameters
 * in two passes, the C twin of fusedAdamClip's TypeScript loops (src/core/kernels/adam.ts, which
 * documents the formula). Included once per instruction set with the FN macro like rnn_core.h
 * (portable, AVX2 and AVX-512 in native/src/addon.c; wasm SIMD128 in
 * src/core/kernels/wasm/rnn_wasm.c). The loops are written per element and left to the
 * compiler's vectoriser under each block's target: the update is element-wise, so its width
 * cannot change a result, and the sum of squares keeps its own fixed eight lanes.
 *
 * Work is cut into chunks of ADAM_CHUNK elements of one array (an array's last chunk shorter),
 * numbered in array order; both threads claim runs of chunks (the addon's run_chunks, the wasm
 * helper's runPieces). Pass 1 writes Σg² of chunk c into partial[c]; the caller then sums the
 * partials in chunk order (adam_norm_scale), so the norm does not depend on which thread ran
 * which chunk nor on the instruction set. Pass 2 is the clipped Adam step of each element.
 *
 * Same bits as the TypeScript version, on purpose:
 * - Σg²: each g² is exact in double (24-bit mantissas), the eight lanes take elements i mod 8 of
 *   the chunk in order and are added as ((0+1)+(2+3))+((4+5)+(6+7)); adam.ts sums the same way.
 * - the update is computed in double from the float32 values, rounded to float32 only when
 *   m, v and p are stored, as JavaScript does; no fused multiply-add (fp-contract off below and
 *   in the wasm build), sqrt and division are IEEE-exact in both.
 */
#ifndef SEQLAB_ADAM_SHARED
#define SEQLAB_ADAM_SHARED
#define ADAM_CHUNK 16384

/* One parameter array and its gradient and moments, all of n floats. */
typedef struct {
  float *p;
  const float *g;
  float *m, *v;
  int n;
} adam_array;

typedef struct {
  double scale, b1, b2, a, ib2, eps; /* a = lr / (1 − β₁ᵗ), ib2 = 1 / (1 − β₂ᵗ) (adam.ts) */
  const adam_array *arr;
  int *chunks;     /* [2 · nchunks]: array index, first element */
  double *partial; /* [nchunks]: Σg² of each chunk (pass 1) */
  int nchunks, phase;
} adam_job;

/* Chunks of arr[0 … narrays−1] (chunk table: at most adam_chunk_count entries). Returns their number. */
static int adam_chunk_count(const adam_array *arr, int narrays) {
  long c = 0;
  for (int k = 0; k < narrays; k++) c += (arr[k].n + ADAM_CHUNK - 1) / ADAM_CHUNK;
  return (int)c;
}

/* four doubles: the update's vectors (sqrt has no generic vector builtin in GCC: SQRT4 below) */
typedef double adam_d4 __attribute__((vector_size(32)));
typedef float adam_f4 __attribute__((vector_size(16)));
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

static int adam_job_init(adam_job *j, const adam_array *arr, int narrays, int *chunks, double *partial) {
  int c = 0;
  for (int k = 0; k < narrays; k++)
    for (int s = 0; s < arr[k].n; s += ADAM_CHUNK) {
      chunks[2 * c] = k;
      chunks[2 * c + 1] = s;
      c++;
    }
  j->arr = arr;
  j->chunks = chunks;
  j->partial = partial;
  j->nchunks = c;
  j->phase = 1;
  return c;
}

/* After pass 1: the global norm (partials summed in chunk order) and the clipping factor,
 * fround(θ / ‖g‖) when θ > 0 and the norm is finite and above θ, else 1 (a non-finite norm
 * leaves the gradients as they are: the caller reports the diverged loss). Sets phase 2. */
static double adam_norm_scale(adam_job *j, double theta) {
  double s = 0;
  for (int c = 0; c < j->nchunks; c++) s += j->partial[c];
  const double norm = __builtin_sqrt(s);
  j->scale = theta > 0 && norm > theta && norm <= 1.7976931348623157e308 ? (double)(float)(theta / norm) : 1.0;
  j->phase = 2;
  return norm;
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
/* a·b + c must round twice, as in JavaScript; sqrt without errno so the loop vectorises */
#pragma GCC optimize("fp-contract=off", "no-math-errno")
#endif

/* Σ g² of n floats in eight fixed lanes (see the top of this file). */
static double FN(adam_sumsq)(const float *g, int n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) {
      const double x = g[i + l];
      s[l] += x * x;
    }
  for (int l = 0; i < n; i++, l++) {
    const double x = g[i];
    s[l] += x * x;
  }
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* √x per lane, IEEE-exact on every instruction set (the block's own: GCC defines __AVX__ inside
 * addon.c's target pragmas); a scalar __builtin_sqrt in a loop would keep errno and not vectorise.
 * A macro: a function taking adam_d4 would change its ABI between the blocks. */
#undef ADAM_SQRT4
#if defined(__clang__)
#define ADAM_SQRT4(x) __builtin_elementwise_sqrt(x)
#elif defined(__AVX__)
#define ADAM_SQRT4(x) ((adam_d4)_mm256_sqrt_pd((__m256d)(x)))
#elif defined(__x86_64__)
#define ADAM_SQRT4(x) ({ const adam_d4 x_ = (x); const __m128d lo_ = _mm_sqrt_pd(_mm_setr_pd(x_[0], x_[1])), hi_ = _mm_sqrt_pd(_mm_setr_pd(x_[2], x_[3])); (adam_d4){lo_[0], lo_[1], hi_[0], hi_[1]}; })
#else
#define ADAM_SQRT4(x) ({ const adam_d4 x_ = (x); (adam_d4){__builtin_sqrt(x_[0]), __builtin_sqrt(x_[1]), __builtin_sqrt(x_[2]), __builtin_sqrt(x_[3])}; })
#endif

/* One element's step; the same expression as adam.ts adamArray, in double. */
#undef ADAM_STEP
#define ADAM_STEP(G, M, V, P, SQRT)                 \
  do {                                              \
    const TY gi = (G) * scale;                      \
    const TY mi = (M) * b1 + gi * c1;               \
    const TY vi = (V) * b2 + gi * gi * c2;          \
    mo = mi;                                        \
    vo = vi;                                        \
    po = (P) - (a * mi) / (SQRT(vi * ib2) + eps);   \
  } while (0)

static void FN(adam_update)(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int n, const adam_job *j) {
  const double scale = j->scale, b1 = j->b1, b2 = j->b2, c1 = 1 - b1, c2 = 1 - b2, a = j->a, ib2 = j->ib2, eps = j->eps;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    adam_f4 gf, mf, vf, pf;
    __builtin_memcpy(&gf, g + i, 16);
    __builtin_memcpy(&mf, m + i, 16);
    __builtin_memcpy(&vf, v + i, 16);
    __builtin_memcpy(&pf, p + i, 16);
    adam_d4 mo, vo, po;
#define TY adam_d4
    ADAM_STEP(__builtin_convertvector(gf, adam_d4), __builtin_convertvector(mf, adam_d4), __builtin_convertvector(vf, adam_d4), __builtin_convertvector(pf, adam_d4), ADAM_SQRT4);
#undef TY
    mf = __builtin_convertvector(mo, adam_f4);
    vf = __builtin_convertvector(vo, adam_f4);
    pf = __builtin_convertvector(po, adam_f4);
    __builtin_memcpy(m + i, &mf, 16);
    __builtin_memcpy(v + i, &vf, 16);
    __builtin_memcpy(p + i, &pf, 16);
  }
  for (; i < n; i++) {
    double mo, vo, po;
#define TY double
    ADAM_STEP((double)g[i], (double)m[i], (double)v[i], (double)p[i], __builtin_sqrt);
#undef TY
    m[i] = (float)mo;
    v[i] = (float)vo;
    p[i] = (float)po;
  }
}

/* Chunks [lo, hi) of the job's current pass (the run_chunks / runPieces calling convention). */
static void FN(adam_pieces)(adam_job *j, int lo, int hi) {
  for (int c = lo; c < hi; c++) {
    const adam_array *x = &j->arr[j->chunks[2 * c]];
    const int s = j->chunks[2 * c + 1], n = x->n - s < ADAM_CHUNK ? x->n - s : ADAM_CHUNK;
    if (j->phase == 1) j->partial[c] = FN(adam_sumsq)(x->g + s, n);
    else FN(adam_update)(x->p + s, x->g + s, x->m + s, x->v + s, n, j);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
