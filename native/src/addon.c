/*
 * seqlab-native: N-API addon running the fused recurrent kernels of rnn_core.h.
 * The core is compiled three times (AVX-512, AVX2+FMA, portable) and the widest one the CPU
 * supports is chosen at load (SEQLAB_NATIVE_ISA=avx512|avx2|portable forces one). A second
 * pthread shares each phase: the recurrent phases as pieces (rows, weight-gradient panels)
 * both threads claim, so a late helper never holds the caller up (the dense layer too: rows,
 * backward parts). The helper spins while work is expected and sleeps on a condition
 * variable when idle.
 *
 * JS API: run(op, ints: Int32Array(8), bufs: (TypedArray|null)[35], threads) -> undefined
 *   bufs[0..33] = the pointer fields of the args struct in order, bufs[34] = wh
 *   op 1 forward rows, 2 backward rows, 3 weight-gradient panels,
 *   4 pack forward (into the whp / wxp slots), 5 pack backward (whtp / whtp2 / wxtp slots)
 * dense(op, ints, bufs) -> undefined: the fused dense layer and softmax cross-entropy of
 *   dense_core.h (see below)
 * info() -> { isa, threads }
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- portable build (SSE2 on x86-64, NEON etc. elsewhere) ---- */
#define VW 4
#define MR 4
#define VFMA(a, b, c) ((a) * (b) + (c))
#define FN(name) name##_p
#include "rnn_core.h"
#include "dense_core.h"
#undef VW
#undef MR
#undef FN

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86 1
#include <immintrin.h>
#pragma GCC push_options
#pragma GCC target("avx2,fma")
/* explicit FMA in the register tiles: a row's products must not depend on where the compiler
 * chose to contract a*b+c (rows sit at different tile positions in different work splits) */
#undef VFMA
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VW 8
#define MR 4
#define FN(name) name##_a2
#include "rnn_core.h"
#include "dense_core.h"
#undef VW
#undef MR
#undef FN
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#undef VFMA
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VW 16
#define MR 8
#define FN(name) name##_a5
#include "rnn_core.h"
#include "dense_core.h"
#undef VW
#undef MR
#undef FN
#pragma GCC pop_options
#endif

/* The three args structs have the same layout; use the portable one as the common type. */
typedef args_p args_t;
typedef void (*phase_fn)(args_t *, int, int);
typedef void (*packf_fn)(args_t *, const float *, float *, float *);
typedef void (*packb_fn)(args_t *, const float *, float *, float *, float *);
typedef int (*panels_fn)(int, int);
typedef dargs_p dargs_t;
typedef void (*dprep_fn)(dargs_t *);

static struct {
  const char *isa;
  phase_fn fwd, bwd, wgr;
  packf_fn packf;
  packb_fn packb;
  panels_fn panels;
  dprep_fn dpack, dprep;
  phase_fn dfwd, dbwd, dxent; /* called with a dargs_t * (same calling convention as the phases) */
} K;

#define SET_ISA(sfx, name)                          \
  do {                                              \
    K.isa = name;                                   \
    K.fwd = (phase_fn)forward_rows_##sfx;           \
    K.bwd = (phase_fn)backward_rows_##sfx;          \
    K.wgr = (phase_fn)wgrad_panels_##sfx;           \
    K.packf = (packf_fn)pack_forward_##sfx;         \
    K.packb = (packb_fn)pack_backward_##sfx;        \
    K.panels = (panels_fn)panels_##sfx;             \
    K.dpack = (dprep_fn)dense_pack_##sfx;           \
    K.dprep = (dprep_fn)dense_backward_prep_##sfx;  \
    K.dfwd = (phase_fn)dense_forward_rows_##sfx;    \
    K.dbwd = (phase_fn)dense_backward_parts_##sfx;  \
    K.dxent = (phase_fn)xent_rows_##sfx;            \
  } while (0)

static void choose_isa(void) {
  const char *force = getenv("SEQLAB_NATIVE_ISA");
  SET_ISA(p, "portable");
#ifdef HAVE_X86
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  if (force && !strcmp(force, "portable")) return;
  if (avx512 && !(force && !strcmp(force, "avx2"))) { SET_ISA(a5, "avx512"); return; }
  if (avx2) { SET_ISA(a2, "avx2+fma"); return; }
#else
  (void)force;
#endif
}

/* ---------------------------------------------------------------- helper thread */

/* One helper per JavaScript environment (main thread or worker_thread): environments run
 * concurrently and exit independently, so none may share or stop another's helper. */
typedef struct {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_int seq, sleeping, quit, started;
  phase_fn fn;
  args_t *args;
  /* jobs (run_chunks): [0, n) in pieces of `chunk`; claim = (job seq << 32) | next piece */
  int n, chunk, pieces;
  atomic_llong claim;
  atomic_int finished;
} helper_t;

/* Claims the next piece of job s (of `pieces`), or -1 when job s is over or fully claimed. */
static int claim_piece(helper_t *W, int s, int pieces) {
  long long v = atomic_load_explicit(&W->claim, memory_order_acquire);
  for (;;) {
    if ((int)(v >> 32) != s || (int)(v & 0xffffffff) >= pieces) return -1;
    if (atomic_compare_exchange_weak_explicit(&W->claim, &v, v + 1, memory_order_acq_rel, memory_order_acquire)) return (int)(v & 0xffffffff);
  }
}

/* Runs the pieces of job s this thread can still claim; returns how many. */
static int run_pieces(helper_t *W, int s, phase_fn fn, args_t *a, int n, int chunk, int pieces) {
  int c, ran = 0;
  while ((c = claim_piece(W, s, pieces)) >= 0) {
    int lo = c * chunk, hi = lo + chunk < n ? lo + chunk : n;
    fn(a, lo, hi);
    atomic_fetch_add_explicit(&W->finished, 1, memory_order_acq_rel);
    ran++;
  }
  return ran;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One step of a spin-wait: pause; after a few thousand steps also yield the core, so a
 * waiter sharing its core with the thread it waits for (a loaded machine) does not starve it. */
static inline void spin_pause(unsigned n) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
  if (n > 4096) sched_yield();
}

static void *helper_main(void *arg) {
  helper_t *W = (helper_t *)arg;
  int seen = 0;
  for (;;) {
    double t0 = now_s();
    int s;
    unsigned n = 0;
    while ((s = atomic_load_explicit(&W->seq, memory_order_acquire)) == seen) {
      if ((++n & 4095) == 0 && now_s() - t0 > 0.002) {
        pthread_mutex_lock(&W->mu);
        atomic_store(&W->sleeping, 1);
        while (atomic_load(&W->seq) == seen) pthread_cond_wait(&W->cv, &W->mu);
        atomic_store(&W->sleeping, 0);
        pthread_mutex_unlock(&W->mu);
      }
      spin_pause(n);
    }
    seen = s;
    if (atomic_load(&W->quit)) break;
    /* A job's fields are read before claiming it: a claim succeeds only while job s is still
     * open, so fields read too late (a newer job's) are never used. */
    phase_fn fn = W->fn;
    args_t *a = W->args;
    run_pieces(W, s, fn, a, W->n, W->chunk, W->pieces);
  }
  return 0;
}

static int helper_start(helper_t *W) {
  if (atomic_load(&W->started)) return 1;
  if (atomic_load(&W->quit)) return 0;
  pthread_mutex_init(&W->mu, 0);
  pthread_cond_init(&W->cv, 0);
  if (pthread_create(&W->th, 0, helper_main, W) != 0) {
    pthread_mutex_destroy(&W->mu);
    pthread_cond_destroy(&W->cv);
    return 0;
  }
  atomic_store(&W->started, 1);
  return 1;
}

/*
 * Splits [0, n) into pieces of `chunk` that both threads claim until none is left: a helper
 * that starts late (asleep, or its core busy with another process) costs nothing, the caller
 * just runs more pieces itself. Returns when every piece has run.
 */
static void run_chunks(helper_t *W, phase_fn fn, args_t *a, int n, int chunk, int threads) {
  if (chunk < 1) chunk = 1;
  int pieces = (n + chunk - 1) / chunk;
  if (threads < 2 || pieces < 2 || !W || !helper_start(W)) { fn(a, 0, n); return; }
  W->fn = fn; W->args = a; W->n = n; W->chunk = chunk; W->pieces = pieces;
  atomic_store_explicit(&W->finished, 0, memory_order_relaxed);
  int s = atomic_load(&W->seq) + 1;
  atomic_store_explicit(&W->claim, (long long)s << 32, memory_order_release);
  pthread_mutex_lock(&W->mu);
  atomic_store_explicit(&W->seq, s, memory_order_release);
  if (atomic_load(&W->sleeping)) pthread_cond_signal(&W->cv);
  pthread_mutex_unlock(&W->mu);
  run_pieces(W, s, fn, a, n, chunk, pieces);
  unsigned k = 0;
  while (atomic_load_explicit(&W->finished, memory_order_acquire) != pieces) spin_pause(++k);
}

/* Rows per piece of the recurrent phases (both threads stream all of W_hh per piece, so
 * pieces stay large: two per thread at most), panels per piece of the weight gradients. */
static int row_chunk(int B) {
  int c = B <= 32 ? (B + 1) / 2 : (B + 3) / 4;
  return c < 8 ? 8 : c;
}

/* Runs when this environment exits: stop and join its own helper, then free it. */
static void cleanup(void *arg) {
  helper_t *W = (helper_t *)arg;
  if (atomic_load(&W->started)) {
    pthread_mutex_lock(&W->mu);
    atomic_store(&W->quit, 1);
    atomic_fetch_add(&W->seq, 1);
    pthread_cond_signal(&W->cv);
    pthread_mutex_unlock(&W->mu);
    pthread_join(W->th, 0);
    pthread_mutex_destroy(&W->mu);
    pthread_cond_destroy(&W->cv);
  }
  free(W);
}

/* ---------------------------------------------------------------- N-API glue */

#define NBUF 35 /* 34 struct pointer fields + wh */
#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, 0, "seqlab-native: N-API call failed: " #call); return 0; } } while (0)

static void *buf_ptr(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t == napi_null || t == napi_undefined) return 0;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return 0;
  napi_typedarray_type tt;
  size_t len, off;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &tt, &len, &data, &ab, &off) != napi_ok) return 0;
  return data;
}

static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 4) { napi_throw_type_error(env, 0, "run(op, ints, bufs, threads)"); return 0; }
  int op, threads;
  CHECK(napi_get_value_int32(env, argv[0], &op));
  CHECK(napi_get_value_int32(env, argv[3], &threads));
  int *ints = (int *)buf_ptr(env, argv[1]);
  if (!ints) { napi_throw_type_error(env, 0, "ints must be an Int32Array(8)"); return 0; }
  void *p[NBUF];
  for (uint32_t i = 0; i < NBUF; i++) {
    napi_value e;
    CHECK(napi_get_element(env, argv[2], i, &e));
    p[i] = buf_ptr(env, e);
  }
  args_t a;
  memset(&a, 0, sizeof a);
  a.kind = ints[0]; a.T = ints[1]; a.B = ints[2]; a.I = ints[3]; a.H = ints[4]; a.ids = ints[5]; a.need_cache = ints[6];
  /* pointer fields in declaration order (slots 8.. of the wasm layout, minus 8) */
  void **fields = (void **)&a.x;
  for (int i = 0; i < NBUF - 1; i++) fields[i] = p[i];
  float *wh = (float *)p[NBUF - 1];
  helper_t *W = 0;
  napi_get_instance_data(env, (void **)&W);
  switch (op) {
    case 1: run_chunks(W, K.fwd, &a, a.B, row_chunk(a.B), threads); break;
    case 2: run_chunks(W, K.bwd, &a, a.B, row_chunk(a.B), threads); break;
    case 3: run_chunks(W, K.wgr, &a, K.panels(a.kind, a.H), 4, threads); break;
    case 4: K.packf(&a, wh, (float *)a.whp, (float *)a.wxp); break;
    case 5: K.packb(&a, wh, (float *)a.whtp, (float *)a.whtp2, (float *)a.wxtp); break;
    default: napi_throw_range_error(env, 0, "unknown op"); return 0;
  }
  return 0;
}

/* dense(op, ints: Int32Array(4) [N, D, V, threads], bufs: (TypedArray|null)[13..17], _) -> undefined
 *   bufs = the pointer fields of dargs in order (a, w, b, dy, wp, wtp, y, da, dyt, ap, dwt, dw, db,
 *   logits, lab, grad, stat); missing trailing entries are null
 *   op 1 forward (pack W, then rows of Y shared), 2 backward (prep, then parts shared),
 *   3 softmax cross-entropy (one thread: ~30 us at the textbook's shapes) */
#define DBUF 17
static napi_value dense(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 3) { napi_throw_type_error(env, 0, "dense(op, ints, bufs)"); return 0; }
  int op;
  CHECK(napi_get_value_int32(env, argv[0], &op));
  int *ints = (int *)buf_ptr(env, argv[1]);
  if (!ints) { napi_throw_type_error(env, 0, "ints must be an Int32Array(4)"); return 0; }
  dargs_t a;
  memset(&a, 0, sizeof a);
  a.N = ints[0]; a.D = ints[1]; a.V = ints[2];
  int threads = ints[3] > 1 ? 2 : 1;
  void **fields = (void **)&a.a;
  for (uint32_t i = 0; i < DBUF; i++) {
    napi_value e;
    CHECK(napi_get_element(env, argv[2], i, &e));
    fields[i] = buf_ptr(env, e);
  }
  helper_t *W = 0;
  napi_get_instance_data(env, (void **)&W);
  /* pieces both threads claim (run_chunks): rows of Y; parts of the backward (rows of dA and
   * column panels of A for dW) */
  switch (op) {
    case 1:
      K.dpack(&a);
      run_chunks(W, K.dfwd, (args_t *)(void *)&a, a.N, 128, threads);
      break;
    case 2:
      a.nparts = threads > 1 ? 8 : 1;
      K.dprep(&a);
      run_chunks(W, K.dbwd, (args_t *)(void *)&a, a.nparts, 1, threads);
      break;
    case 3:
      if (!a.logits || !a.lab || !a.grad || !a.stat) { napi_throw_type_error(env, 0, "xent needs logits, lab, grad, stat"); return 0; }
      K.dxent((args_t *)(void *)&a, 0, a.N);
      break;
    default: napi_throw_range_error(env, 0, "unknown op"); return 0;
  }
  return 0;
}

static napi_value panels(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int kind, H;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  CHECK(napi_get_value_int32(env, argv[0], &kind));
  CHECK(napi_get_value_int32(env, argv[1], &H));
  CHECK(napi_create_int32(env, K.panels(kind, H), &out));
  return out;
}

static napi_value info_fn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, s;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_string_utf8(env, K.isa, NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_named_property(env, o, "isa", s));
  return o;
}

static napi_value init(napi_env env, napi_value exports) {
  choose_isa();
  napi_property_descriptor d[] = {
    {"run", 0, run, 0, 0, 0, napi_default, 0},
    {"panels", 0, panels, 0, 0, 0, napi_default, 0},
    {"dense", 0, dense, 0, 0, 0, napi_default, 0},
    {"info", 0, info_fn, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  helper_t *W = (helper_t *)calloc(1, sizeof *W);
  if (W && napi_set_instance_data(env, W, 0, 0) == napi_ok) napi_add_env_cleanup_hook(env, cleanup, W);
  else free(W);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
