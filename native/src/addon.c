/*
 * seqlab-native: N-API addon running the fused recurrent kernels of rnn_core.h.
 * The core is compiled three times (AVX-512, AVX2+FMA, portable) and the widest one the CPU
 * supports is chosen at load (SEQLAB_NATIVE_ISA=avx512|avx2|portable forces one). A second
 * pthread shares each phase: the recurrent phases as pieces (rows, weight-gradient panels)
 * both threads claim, so a late helper never holds the caller up (the dense layer too: rows,
 * backward parts). The helper spins while work is expected and sleeps on a condition
 * variable when idle.
 *
 * JS API: run(op, ints: Int32Array(8), bufs: (TypedArray|null)[35], threads) -> undefined, or
 *   a notice when the helper thread died during the call (the call still completed)
 *   bufs[0..33] = the pointer fields of the args struct in order, bufs[34] = wh (the layout:
 *   src/core/kernels/layout.json, native/src/layout.h generated from it; every argument checked)
 *   op 1 forward rows, 2 backward rows, 3 weight-gradient panels,
 *   4 pack forward (into the whp / wxp slots), 5 pack backward (whtp / whtp2 / wxtp slots)
 * dense(op, ints, bufs) -> undefined: the fused dense layer and softmax cross-entropy of
 *   dense_core.h (see below)
 * info() -> { isa, layout (hash of layout.json it was built from), helperDead }
 * test_hooks(delayUs, dieAfterPieces), stress(jobs, seed, threads): tests of the thread protocol
 */
#define NAPI_VERSION 8
#define SEQLAB_LAYOUT_TABLES 1
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
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
#include "embedding_core.h" /* row copies and sums: the portable build vectorises them well enough */
#include "lm_head_core.h"
#include "attention_core.h"
#include "adam_core.h"
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
#include "lm_head_core.h"
#include "attention_core.h"
#include "adam_core.h"
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
#include "lm_head_core.h"
#include "attention_core.h"
#include "adam_core.h"
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
  phase_fn fwd, bwd, wgr, xproj, dx;
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
    K.xproj = (phase_fn)xproj_rows_##sfx;           \
    K.dx = (phase_fn)dx_rows_##sfx;                 \
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

/*
 * Claim protocol (the same as src/core/kernels/wasm-helper.ts; this is its only C copy).
 *
 *   word = (pieces << 16) | next   the one word every claim goes through (0: no job)
 *   fn, args, n, chunk             the job's fields, plain memory
 *   finished, done[]               pieces that have run, and which (bitmap)
 *
 *   caller, per job:  (1) write the fields, finished = 0, done = 0   (2) store word, release
 *                     (3) ring door   (4) claim and run pieces   (5) wait finished == pieces
 *                         (acquire)
 *   anyone, a piece:  CAS word next -> next + 1 (acquire on success; only while next < pieces),
 *                     then read the fields, run piece c, set done bit c, finished += 1 (release)
 *
 * Why no thread can mix two jobs, and why there is no data race: fields are read only after a
 * successful claim, whose acquire CAS reads the word the caller stored with release in (2) or
 * a later CAS of the same release sequence, so the reads see this job's fields. The caller
 * writes the next job's fields only after (5): every piece was claimed (word says next ==
 * pieces, no further claim can succeed) and every claimer's release increment of finished,
 * made after its last field read, was read by the caller's acquire. A helper that stalls
 * between loading the word and its CAS either fails the CAS or, if the word holds an equal
 * value again (a later job with the same pieces and next), claims that piece of that later
 * job, legitimately, and reads that job's fields. No tag, no wrap-around. The door only wakes
 * the helper; it carries no job state.
 *
 * Liveness: the helper clears `alive` when its thread ends; the caller's wait checks it, re-runs
 * a dead helper's pieces (done bit unset; pieces write disjoint outputs from read-only inputs,
 * so a re-run gives the same bits), stops using the helper and reports it (run() returns the
 * notice). Test hooks (test_hooks()): random delays around each claim, death after n pieces.
 */

/* One helper per JavaScript environment (main thread or worker_thread): environments run
 * concurrently and exit independently, so none may share or stop another's helper. */
typedef struct {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_int door, sleeping, quit, started, alive, dead;
  atomic_uint word;
  phase_fn fn;
  args_t *args;
  int n, chunk;
  atomic_int finished;
  atomic_uint done[8];
  /* test hooks: max random delay (us) around claims, death after this many pieces (0: never) */
  int delay_us, die_after;
  const char *notice; /* set when the helper died during a job, read by run() */
} helper_t;

#define MAX_PIECES 255

/* Claims the next piece of the current job, or -1 when it is fully claimed. */
static int claim_piece(helper_t *W) {
  unsigned v = atomic_load_explicit(&W->word, memory_order_relaxed);
  for (;;) {
    unsigned next = v & 0xffff;
    if (next >= v >> 16) return -1;
    if (atomic_compare_exchange_weak_explicit(&W->word, &v, v + 1, memory_order_acquire, memory_order_relaxed)) return (int)next;
  }
}

static void piece_done(helper_t *W, int c) {
  atomic_fetch_or_explicit(&W->done[c >> 5], 1u << (c & 31), memory_order_relaxed);
  atomic_fetch_add_explicit(&W->finished, 1, memory_order_release);
}

static void run_piece(phase_fn fn, args_t *a, int n, int chunk, int c) {
  int lo = c * chunk, hi = lo + chunk < n ? lo + chunk : n;
  fn(a, lo, hi);
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

/* test hook: with probability 1/4, busy-wait up to max_us */
static void test_delay(unsigned *rng, int max_us) {
  if (max_us <= 0) return;
  *rng = *rng * 1103515245u + 12345u;
  if ((*rng >> 16) & 3) return;
  double until = now_s() + ((*rng >> 8) % 1000) * 1e-9 * max_us;
  while (now_s() < until) {}
}

static void *helper_main(void *arg) {
  helper_t *W = (helper_t *)arg;
  int seen = 0, ran = 0;
  unsigned rng = 12345u + (unsigned)(size_t)W;
  for (;;) {
    double t0 = now_s();
    int s;
    unsigned n = 0;
    while ((s = atomic_load_explicit(&W->door, memory_order_acquire)) == seen) {
      if ((++n & 4095) == 0 && now_s() - t0 > 0.002) {
        pthread_mutex_lock(&W->mu);
        atomic_store(&W->sleeping, 1);
        while (atomic_load(&W->door) == seen) pthread_cond_wait(&W->cv, &W->mu);
        atomic_store(&W->sleeping, 0);
        pthread_mutex_unlock(&W->mu);
      }
      spin_pause(n);
    }
    seen = s;
    if (atomic_load(&W->quit)) break;
    for (;;) {
      test_delay(&rng, W->delay_us);
      int c = claim_piece(W);
      if (c < 0) break;
      test_delay(&rng, W->delay_us);
      if (W->die_after && ++ran >= W->die_after) goto out; /* test hook: dies holding a claim */
      run_piece(W->fn, W->args, W->n, W->chunk, c);
      piece_done(W, c);
    }
  }
out:
  atomic_store_explicit(&W->alive, 0, memory_order_release);
  return 0;
}

static int helper_start(helper_t *W) {
  if (atomic_load(&W->started)) return !atomic_load(&W->dead);
  if (atomic_load(&W->quit)) return 0;
  pthread_mutex_init(&W->mu, 0);
  pthread_cond_init(&W->cv, 0);
  atomic_store(&W->alive, 1);
  if (pthread_create(&W->th, 0, helper_main, W) != 0) {
    pthread_mutex_destroy(&W->mu);
    pthread_cond_destroy(&W->cv);
    atomic_store(&W->alive, 0);
    return 0;
  }
  atomic_store(&W->started, 1);
  return 1;
}

/*
 * Splits [0, n) into pieces of `chunk` that both threads claim until none is left (protocol
 * above): a helper that starts late (asleep, or its core busy with another process) costs
 * nothing, the caller just runs more pieces itself. Returns when every piece has run.
 */
static void run_chunks(helper_t *W, phase_fn fn, args_t *a, int n, int chunk, int threads) {
  if (chunk < 1) chunk = 1;
  if ((n + chunk - 1) / chunk > MAX_PIECES) chunk = (n + MAX_PIECES - 1) / MAX_PIECES;
  int pieces = (n + chunk - 1) / chunk;
  if (threads < 2 || pieces < 2 || !W || !helper_start(W)) { fn(a, 0, n); return; }
  W->fn = fn; W->args = a; W->n = n; W->chunk = chunk;
  for (int i = 0; i < 8; i++) atomic_store_explicit(&W->done[i], 0, memory_order_relaxed);
  atomic_store_explicit(&W->finished, 0, memory_order_relaxed);
  atomic_store_explicit(&W->word, (unsigned)pieces << 16, memory_order_release);
  pthread_mutex_lock(&W->mu);
  atomic_fetch_add_explicit(&W->door, 1, memory_order_release);
  if (atomic_load(&W->sleeping)) pthread_cond_signal(&W->cv);
  pthread_mutex_unlock(&W->mu);
  for (int c; (c = claim_piece(W)) >= 0;) {
    run_piece(fn, a, n, chunk, c);
    piece_done(W, c);
  }
  unsigned k = 0;
  while (atomic_load_explicit(&W->finished, memory_order_acquire) != pieces) {
    spin_pause(++k);
    if ((k & 1023) == 0 && !atomic_load_explicit(&W->alive, memory_order_acquire)) {
      /* the helper died holding pieces: run them here (its thread is gone, so nothing else
       * writes these outputs) and stop using it */
      for (int c = 0; c < pieces; c++)
        if (!(atomic_load_explicit(&W->done[c >> 5], memory_order_acquire) & (1u << (c & 31)))) run_piece(fn, a, n, chunk, c);
      atomic_store(&W->dead, 1);
      W->notice = "the native helper thread died during a job; the native kernels continue on one thread";
      break;
    }
  }
}

/* Rows per piece of the recurrent phases (both threads stream all of W_hh per piece, so
 * pieces stay large: two per thread at most), panels per piece of the weight gradients. */
/* Rows of all T*B per piece of xproj_rows / dx_rows: about four pieces, at least 128 rows (each
 * piece streams the packed W_x once per 128 rows, rnn_core.h MBLK). */
static int seq_row_chunk(int TB) {
  int c = ((TB + 3) / 4 + 7) / 8 * 8;
  return c < 128 ? 128 : c;
}
static int row_chunk(int B) {
  int c = B <= 32 ? (B + 1) / 2 : (B + 3) / 4;
  return c < 8 ? 8 : c;
}

/* Stops and joins this environment's helper (it may be started again). */
static void helper_stop(helper_t *W) {
  if (atomic_load(&W->started)) {
    pthread_mutex_lock(&W->mu);
    atomic_store(&W->quit, 1);
    atomic_fetch_add(&W->door, 1);
    pthread_cond_signal(&W->cv);
    pthread_mutex_unlock(&W->mu);
    pthread_join(W->th, 0);
    pthread_mutex_destroy(&W->mu);
    pthread_cond_destroy(&W->cv);
  }
  atomic_store(&W->started, 0);
  atomic_store(&W->dead, 0);
  atomic_store(&W->quit, 0);
  atomic_store(&W->door, 0);
  atomic_store(&W->word, 0);
  W->notice = 0;
}

/* Runs when this environment exits: stop and join its own helper, then free it. */
static void cleanup(void *arg) {
  helper_t *W = (helper_t *)arg;
  helper_stop(W);
  free(W);
}

/* ---------------------------------------------------------------- N-API glue */

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, 0, "seqlab-native: N-API call failed: " #call); return 0; } } while (0)

static helper_t *env_helper(napi_env env) {
  helper_t *W = 0;
  napi_get_instance_data(env, (void **)&W);
  return W;
}

/* Returns the notice of a helper that died during this call (as a JS string), else undefined. */
static napi_value take_notice(napi_env env, helper_t *W) {
  napi_value r;
  if (W && W->notice) {
    napi_create_string_utf8(env, W->notice, NAPI_AUTO_LENGTH, &r);
    W->notice = 0;
    return r;
  }
  napi_get_undefined(env, &r);
  return r;
}

static int throw_msg(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int throw_msg(napi_env env, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  napi_throw_type_error(env, 0, msg);
  return 0;
}

/* An Int32Array of exactly `want` elements -> its data, else a thrown error and null. */
static int *int_args(napi_env env, napi_value v, size_t want, const char *fn) {
  bool is_ta = false;
  napi_typedarray_type tt;
  size_t len = 0, off;
  void *data = 0;
  napi_value ab;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta || napi_get_typedarray_info(env, v, &tt, &len, &data, &ab, &off) != napi_ok ||
      tt != napi_int32_array || len != want) {
    throw_msg(env, "seqlab-native %s: ints must be an Int32Array of %zu elements.", fn, want);
    return 0;
  }
  return (int *)data;
}

/*
 * Reads bufs[i] (null, undefined or a typed array of the layout's element type) into p[i] and
 * its element count into len[i]; throws (returns 0) on anything else.
 */
static int read_bufs(napi_env env, napi_value arr, int nbufs, const char *fn, int (*is_i32)(int), const char *(*name)(int), void **p, size_t *len) {
  bool is_arr = false;
  uint32_t alen = 0;
  if (napi_is_array(env, arr, &is_arr) != napi_ok || !is_arr || napi_get_array_length(env, arr, &alen) != napi_ok || (int)alen > nbufs)
    return throw_msg(env, "seqlab-native %s: bufs must be an array of at most %d typed arrays or nulls.", fn, nbufs);
  for (int i = 0; i < nbufs; i++) {
    p[i] = 0;
    len[i] = 0;
    if (i >= (int)alen) continue;
    napi_value e;
    napi_valuetype t;
    if (napi_get_element(env, arr, (uint32_t)i, &e) != napi_ok || napi_typeof(env, e, &t) != napi_ok) return throw_msg(env, "seqlab-native %s: cannot read bufs[%d].", fn, i);
    if (t == napi_null || t == napi_undefined) continue;
    bool is_ta = false;
    napi_typedarray_type tt;
    size_t n, off;
    void *data;
    napi_value ab;
    if (napi_is_typedarray(env, e, &is_ta) != napi_ok || !is_ta || napi_get_typedarray_info(env, e, &tt, &n, &data, &ab, &off) != napi_ok)
      return throw_msg(env, "seqlab-native %s: buffer %s must be a typed array or null.", fn, name(i));
    int want_i32 = is_i32(i);
    if (tt != (want_i32 ? napi_int32_array : napi_float32_array))
      return throw_msg(env, "seqlab-native %s: buffer %s must be %s.", fn, name(i), want_i32 ? "an Int32Array" : "a Float32Array");
    p[i] = data ? data : (void *)"";
    len[i] = n;
  }
  return 1;
}

static int args_is_i32(int i) { return seqlab_args_bufs[i].i32; }
static const char *args_name(int i) { return seqlab_args_bufs[i].name; }
static int dargs_is_i32(int i) { return seqlab_dargs_bufs[i].i32; }
static const char *dargs_name(int i) { return seqlab_dargs_bufs[i].name; }

#define PANEL_PAD(n) ((((long)(n) + 15) / 16) * 16)
#define DIM_MAX (1 << 24)

/* run(op, ints: Int32Array(8), bufs: (Float32Array|Int32Array|null)[35], threads) -> undefined
 * or the notice of a helper that died during the call. Every buffer is checked against the
 * layout (src/core/kernels/layout.json): element type, least length for the shapes, present
 * when the op needs it. */
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 4) { napi_throw_type_error(env, 0, "seqlab-native run: expected (op, ints, bufs, threads)."); return 0; }
  int op, threads;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < 1 || op > 5) { throw_msg(env, "seqlab-native run: op must be 1 to 5."); return 0; }
  if (napi_get_value_int32(env, argv[3], &threads) != napi_ok) { throw_msg(env, "seqlab-native run: threads must be a number."); return 0; }
  int *ints = int_args(env, argv[1], SEQLAB_ARGS_NINTS, "run");
  if (!ints) return 0;
  args_t a;
  memset(&a, 0, sizeof a);
  a.kind = ints[0]; a.T = ints[1]; a.B = ints[2]; a.I = ints[3]; a.H = ints[4]; a.ids = ints[5]; a.need_cache = ints[6];
  if (a.kind < 0 || a.kind > 3) { throw_msg(env, "seqlab-native run: kind must be 0 (rnn), 1 (gru), 2 (lstm) or 3 (PyTorch's gru), not %d.", a.kind); return 0; }
  if (a.T < 1 || a.B < 1 || a.I < 1 || a.H < 1 || a.T > DIM_MAX || a.B > DIM_MAX || a.I > DIM_MAX || a.H > DIM_MAX) {
    throw_msg(env, "seqlab-native run: sizes T=%d B=%d I=%d H=%d must be between 1 and %d.", a.T, a.B, a.I, a.H, DIM_MAX);
    return 0;
  }
  void *p[SEQLAB_ARGS_NBUFS];
  size_t len[SEQLAB_ARGS_NBUFS];
  if (!read_bufs(env, argv[2], SEQLAB_ARGS_NBUFS, "run", args_is_i32, args_name, p, len)) return 0;
  const int rnn = a.kind == 0, gru = a.kind == 1 || a.kind == 3, lstm = a.kind == 2, ids = a.ids != 0;
  const long N = (long)(rnn ? 1 : gru ? 3 : 4) * a.H, P = K.panels(a.kind, a.H), Hp = PANEL_PAD(a.H), Ip = PANEL_PAD(a.I), Np = PANEL_PAD(N), GH = gru ? 2L * a.H : N;
  for (int i = 0; i < SEQLAB_ARGS_NBUFS; i++) {
    long want = seqlab_args_size(i, a.T, a.B, a.I, a.H, N, P, Hp, Ip, Np, GH);
    if (!p[i]) {
      if (seqlab_args_need(i, op, rnn, gru, lstm, ids)) { throw_msg(env, "seqlab-native run: op %d needs buffer %s (%s = %ld elements) but got null.", op, args_name(i), seqlab_args_size_expr[i], want); return 0; }
      continue;
    }
    if (seqlab_args_bufs[i].unused) { throw_msg(env, "seqlab-native run: buffer slot %s is unused and must be null.", args_name(i)); return 0; }
    if ((long)len[i] < want) {
      throw_msg(env, "seqlab-native run: buffer %s has %zu elements but needs %ld (%s with T=%d B=%d I=%d H=%d).", args_name(i), len[i], want, seqlab_args_size_expr[i], a.T, a.B, a.I, a.H);
      return 0;
    }
  }
  void **fields = (void **)&a.x;
  for (int i = 0; i < SEQLAB_ARGS_NPTRS; i++) fields[i] = p[i];
  /* PyTorch's GRU reads b_hn in the forward and writes its gradient in the weight gradients */
  if (a.kind == 3 && ((op == 1 && !a.bhn) || (op == 3 && !a.dbhn))) { throw_msg(env, "seqlab-native run: kind 3 (PyTorch's gru) op %d needs buffer %s [H].", op, op == 1 ? "bhn" : "dbhn"); return 0; }
  float *wh = (float *)p[SEQLAB_ARGS_NBUFS - 1];
  helper_t *W = env_helper(env);
  switch (op) {
    /* the input's products over every step at once (xproj_rows before the recurrence, dx_rows
     * after it), in pieces of whole-sequence rows both threads claim */
    case 1:
      a.xproj = a.acts != 0 && !a.ids; /* token ids: a gathered row per step, no product to hoist */
      if (a.xproj) run_chunks(W, K.xproj, &a, a.T * a.B, seq_row_chunk(a.T * a.B), threads);
      run_chunks(W, K.fwd, &a, a.B, row_chunk(a.B), threads);
      break;
    case 2:
      a.xproj = 1;
      run_chunks(W, K.bwd, &a, a.B, row_chunk(a.B), threads);
      if (!a.ids) run_chunks(W, K.dx, &a, a.T * a.B, seq_row_chunk(a.T * a.B), threads);
      break;
    case 3: run_chunks(W, K.wgr, &a, (int)P, 4, threads); break;
    case 4: K.packf(&a, wh, (float *)a.whp, (float *)a.wxp); break;
    case 5: K.packb(&a, wh, (float *)a.whtp, (float *)a.whtp2, (float *)a.wxtp); break;
  }
  return take_notice(env, W);
}

/* dense(op, ints: Int32Array(4) [N, D, V, threads], bufs: (TypedArray|null)[<= 17]) ->
 * undefined or a dead helper's notice.
 *   bufs = the pointer fields of dargs in order (layout.json: a, w, b, dy, wp, wtp, y, da, dyt,
 *   ap, dwt, dw, db, logits, lab, grad, stat); missing trailing entries are null, every one
 *   is checked as in run()
 *   op 1 forward (pack W, then rows of Y shared), 2 backward (prep, then parts shared),
 *   3 softmax cross-entropy (one thread: ~30 us at the textbook's shapes), 4 forward with wp
 *   already packed from this W by an earlier op 1 (the caller keeps one packed copy per fixed
 *   weight: a decoder's steps then skip re-packing [D, V] every call) */
static napi_value dense(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 3) { napi_throw_type_error(env, 0, "seqlab-native dense: expected (op, ints, bufs)."); return 0; }
  int op;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < 1 || op > 4) { throw_msg(env, "seqlab-native dense: op must be 1 to 4."); return 0; }
  const int prepacked = op == 4;
  if (prepacked) op = 1; /* the same buffers as op 1 */
  int *ints = int_args(env, argv[1], SEQLAB_DARGS_NINTS, "dense");
  if (!ints) return 0;
  dargs_t a;
  memset(&a, 0, sizeof a);
  a.N = ints[0]; a.D = ints[1]; a.V = ints[2];
  int threads = ints[3] > 1 ? 2 : 1;
  if (a.N < 0 || a.D < 0 || a.V < 1 || a.N > DIM_MAX || a.D > DIM_MAX || a.V > DIM_MAX || (op != 3 && (a.N < 1 || a.D < 1))) {
    throw_msg(env, "seqlab-native dense: sizes N=%d D=%d V=%d are out of range.", a.N, a.D, a.V);
    return 0;
  }
  void *p[SEQLAB_DARGS_NBUFS];
  size_t len[SEQLAB_DARGS_NBUFS];
  if (!read_bufs(env, argv[2], SEQLAB_DARGS_NBUFS, "dense", dargs_is_i32, dargs_name, p, len)) return 0;
  for (int i = 0; i < SEQLAB_DARGS_NBUFS; i++) {
    long want = seqlab_dargs_size(i, a.N, a.D, a.V, PANEL_PAD(a.V), PANEL_PAD(a.D));
    if (!p[i]) {
      if (seqlab_dargs_need(i, op, 0, 0, 0, 0)) { throw_msg(env, "seqlab-native dense: op %d needs buffer %s (%s = %ld elements) but got null.", op, dargs_name(i), seqlab_dargs_size_expr[i], want); return 0; }
      continue;
    }
    if ((long)len[i] < want) {
      throw_msg(env, "seqlab-native dense: buffer %s has %zu elements but needs %ld (%s with N=%d D=%d V=%d).", dargs_name(i), len[i], want, seqlab_dargs_size_expr[i], a.N, a.D, a.V);
      return 0;
    }
  }
  void **fields = (void **)&a.a;
  for (int i = 0; i < SEQLAB_DARGS_NPTRS; i++) fields[i] = p[i];
  helper_t *W = env_helper(env);
  /* pieces both threads claim (run_chunks): rows of Y; parts of the backward (rows of dA and
   * column panels of A for dW) */
  switch (op) {
    case 1:
      if (!prepacked) K.dpack(&a);
      run_chunks(W, K.dfwd, (args_t *)(void *)&a, a.N, 128, threads);
      break;
    case 2:
      a.nparts = threads > 1 ? 8 : 1;
      K.dprep(&a);
      run_chunks(W, K.dbwd, (args_t *)(void *)&a, a.nparts, 1, threads);
      break;
    case 3:
      K.dxent((args_t *)(void *)&a, 0, a.N);
      break;
  }
  return take_notice(env, W);
}

/* ---------------------------------------------------------------- test hooks */

/* test_hooks(delayUs, dieAfterPieces): restarts this environment's helper with random delays
 * of up to delayUs around each claim and death after dieAfterPieces pieces (0, 0: production). */
static napi_value test_hooks(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int delay = 0, die = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc > 0) napi_get_value_int32(env, argv[0], &delay);
  if (argc > 1) napi_get_value_int32(env, argv[1], &die);
  helper_t *W = env_helper(env);
  if (!W) return 0;
  helper_stop(W);
  W->delay_us = delay;
  W->die_after = die;
  return 0;
}

/* The protocol's stress test: on two alternating buffers, out[i] += salt + i per piece. */
typedef struct { int salt; int *out; int delay_us; pthread_t caller; atomic_long *by_helper; } tjob_t;
static __thread unsigned test_rng = 1;
static void test_piece(args_t *g, int lo, int hi) {
  tjob_t *t = (tjob_t *)(void *)g;
  test_delay(&test_rng, t->delay_us); /* the caller's pieces too, so the helper gets more */
  if (!pthread_equal(pthread_self(), t->caller)) atomic_fetch_add_explicit(t->by_helper, 1, memory_order_relaxed);
#ifdef SEQLAB_TSAN_SELFTEST
  static volatile int racy; /* bench/tsan.mjs --selftest: a deliberate race TSan must report */
  racy++;
#endif
  for (int i = lo; i < hi; i++) t->out[i] += t->salt + i;
}

/* stress(jobs, seed, threads) -> { jobs, pieces, helperPieces, errors, ms, firstError? }: jobs of 1-4000
 * elements in 1-255 pieces (mostly few), every element of both buffers checked after each. */
static napi_value stress(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], o, v;
  int jobs = 0, seed = 1, threads = 2;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc > 0) napi_get_value_int32(env, argv[0], &jobs);
  if (argc > 1) napi_get_value_int32(env, argv[1], &seed);
  if (argc > 2) napi_get_value_int32(env, argv[2], &threads);
  enum { MAXN = 4000 };
  int *buf[2] = {calloc(MAXN, sizeof(int)), calloc(MAXN, sizeof(int))};
  helper_t *W = env_helper(env);
  unsigned rng = (unsigned)seed * 2654435761u + 1;
  long pieces_total = 0, errors = 0;
  atomic_long by_helper = 0;
  char first[200] = "";
  double t0 = now_s();
  for (int j = 0; j < jobs && buf[0] && buf[1]; j++) {
    int which = j & 1;
    rng = rng * 1103515245u + 12345u;
    double u = (rng >> 8) / 16777216.0;
    int n = 1 + (int)(u * u * (MAXN - 1));
    rng = rng * 1103515245u + 12345u;
    double w = (rng >> 8) / 16777216.0, w8 = w * w * w * w * w * w * w * w;
    int want_pieces = 1 + (int)(w8 * (MAX_PIECES - 1));
    int chunk = (n + want_pieces - 1) / want_pieces;
    tjob_t t = {j * 7919 + 13, buf[which], W ? W->delay_us : 0, pthread_self(), &by_helper};
    pieces_total += (n + chunk - 1) / chunk;
    run_chunks(W, test_piece, (args_t *)(void *)&t, n, chunk, threads);
    for (int i = 0; i < MAXN; i++) {
      int want = i < n ? t.salt + i : 0;
      if (buf[which][i] != want || buf[1 - which][i] != 0) {
        if (!errors) snprintf(first, sizeof first, "job %d (n %d, chunk %d): element %d is %d (want %d), other buffer %d", j, n, chunk, i, buf[which][i], want, buf[1 - which][i]);
        errors++;
        break;
      }
    }
    memset(buf[which], 0, MAXN * sizeof(int));
  }
  double ms = (now_s() - t0) * 1e3;
  free(buf[0]);
  free(buf[1]);
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_int32(env, jobs, &v)); CHECK(napi_set_named_property(env, o, "jobs", v));
  CHECK(napi_create_double(env, (double)pieces_total, &v)); CHECK(napi_set_named_property(env, o, "pieces", v));
  CHECK(napi_create_double(env, (double)errors, &v)); CHECK(napi_set_named_property(env, o, "errors", v));
  CHECK(napi_create_double(env, (double)atomic_load(&by_helper), &v)); CHECK(napi_set_named_property(env, o, "helperPieces", v));
  CHECK(napi_create_double(env, ms, &v)); CHECK(napi_set_named_property(env, o, "ms", v));
  if (errors) { CHECK(napi_create_string_utf8(env, first, NAPI_AUTO_LENGTH, &v)); CHECK(napi_set_named_property(env, o, "firstError", v)); }
  return o;
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
  CHECK(napi_create_string_utf8(env, SEQLAB_LAYOUT_HASH, NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_named_property(env, o, "layout", s));
  helper_t *W = env_helper(env);
  CHECK(napi_get_boolean(env, W && atomic_load(&W->dead), &s));
  CHECK(napi_set_named_property(env, o, "helperDead", s));
  return o;
}

static napi_value attention_fn(napi_env env, napi_callback_info info); /* below: attention_core.h */
static napi_value adam_clip_fn(napi_env env, napi_callback_info info); /* below: adam_core.h */
static napi_value beam_rows_fn(napi_env env, napi_callback_info info); /* at the end: beam_core.h */
static napi_value beam_dense_fn(napi_env env, napi_callback_info info);
/* embedding(op, ints: Int32Array(3) [n, E, V], bufs: [src, ids, dst]) -> undefined
 * (embedding_core.h): op 1 gather (src = table [V, E], dst = out [n, E]), op 2 scatter-add
 * (src = dy [n, E], dst = dtable [V, E], zeroed first). An id outside [0, V) is a RangeError
 * naming it and V, and nothing is written. One thread: a row copy per id. */
static int emb_is_i32(int i) { return i == 1; }
static const char *emb_name(int i) { return i == 0 ? "src" : i == 1 ? "ids" : "dst"; }
static napi_value embedding(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 3) { napi_throw_type_error(env, 0, "seqlab-native embedding: expected (op, ints, bufs)."); return 0; }
  int op;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < 1 || op > 2) { throw_msg(env, "seqlab-native embedding: op must be 1 (gather) or 2 (scatter-add)."); return 0; }
  int *ints = int_args(env, argv[1], 3, "embedding");
  if (!ints) return 0;
  const int n = ints[0], E = ints[1], V = ints[2];
  if (n < 0 || E < 1 || V < 1 || n > DIM_MAX || E > DIM_MAX || V > DIM_MAX) { throw_msg(env, "seqlab-native embedding: sizes n=%d E=%d V=%d are out of range.", n, E, V); return 0; }
  void *p[3];
  size_t len[3];
  if (!read_bufs(env, argv[2], 3, "embedding", emb_is_i32, emb_name, p, len)) return 0;
  const long want[3] = {op == 1 ? (long)V * E : (long)n * E, n, op == 1 ? (long)n * E : (long)V * E};
  for (int i = 0; i < 3; i++)
    if (!p[i] || (long)len[i] < want[i]) { throw_msg(env, "seqlab-native embedding: buffer %s needs %ld elements (n=%d E=%d V=%d), got %zu.", emb_name(i), want[i], n, E, V, p[i] ? len[i] : 0); return 0; }
  const int *ids = (const int *)p[1];
  int bad = op == 1 ? embedding_gather_p(n, E, V, (const float *)p[0], ids, (float *)p[2]) : embedding_scatter_p(n, E, V, ids, (const float *)p[0], (float *)p[2]);
  if (bad >= 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "Embedding: token id %d (position %d) is outside the vocabulary of size %d.", ids[bad], bad, V);
    napi_throw_range_error(env, 0, msg);
    return 0;
  }
  napi_get_undefined(env, &out);
  return out;
}

/* head_xent(ints: Int32Array(4) [N, D, V, flags (1: gradients, 2: on both threads)], bufs: [a, w, b, lab, stat,
 * picked, dA, dW, db, wp, wtp, L, gp, ps, dAp]) -> undefined or a dead helper's notice
 * (lm_head_core.h head_cols_*, by vocabulary chunks, on the widest instruction set). dA, dW, db,
 * wtp, gp, dAp may be null when grads = 0. On one thread the vocabulary is one piece; on two it is
 * HEAD_PIECES fixed pieces both threads claim (a helper that starts late, or shares its core,
 * costs a piece, not half the op), piece c with its own stats ps + 2N*c, panel scratch
 * gp + N*HC_COLS*c and partial dA (piece 0: dA, piece c > 0: dAp + N*D*(c - 1)), merged in piece
 * order. A label outside [0, V) is a RangeError. */
#define HEAD_PIECES 4
static int hx_is_i32(int i) { return i == 3; }
static const char *hx_name(int i) {
  static const char *names[15] = {"a", "w", "b", "lab", "stat", "picked", "dA", "dW", "db", "wp", "wtp", "L", "gp", "ps", "dAp"};
  return names[i];
}
typedef void (*head_prep_fn)(int, int, int, const float *, float *, float *);
typedef void (*head_fwd_fn)(int, int, int, int, int, const float *, const float *, const float *, const int *, float *, float *, float *);
typedef void (*head_merge_fn)(int, int, float *const *, float *);
typedef void (*head_bwd_fn)(int, int, int, int, int, const float *, const float *, const int *, const float *, float *, float *, float *, float *, float *);
/* Fixed pieces of vocabulary chunks for run_chunks: piece c takes chunks [cut[c], cut[c + 1]). */
typedef struct {
  head_fwd_fn fwd;
  head_bwd_fn bwd;
  int N, D, V, pass;
  int cut[HEAD_PIECES + 1];
  void **p;
  float *ps[HEAD_PIECES], *dA[HEAD_PIECES], *gp[HEAD_PIECES];
} head_job_t;
static void head_piece(args_t *arg, int lo, int hi) {
  head_job_t *j = (head_job_t *)(void *)arg;
  for (int c = lo; c < hi; c++) {
    if (j->pass == 1) j->fwd(j->N, j->D, j->V, j->cut[c], j->cut[c + 1], j->p[0], j->p[9], j->p[2], j->p[3], j->p[11], j->p[5], j->ps[c]);
    else j->bwd(j->N, j->D, j->V, j->cut[c], j->cut[c + 1], j->p[0], j->p[10], j->p[3], j->p[4], j->p[11], j->gp[c], j->dA[c], j->p[7], j->p[8]);
  }
}
static napi_value head_xent(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 2) { napi_throw_type_error(env, 0, "seqlab-native head_xent: expected (ints, bufs)."); return 0; }
  int *ints = int_args(env, argv[0], 4, "head_xent");
  if (!ints) return 0;
  const int N = ints[0], D = ints[1], V = ints[2], grads = ints[3] & 1;
  if (N < 1 || D < 1 || V < 1 || N > DIM_MAX || D > DIM_MAX || V > DIM_MAX) { throw_msg(env, "seqlab-native head_xent: sizes N=%d D=%d V=%d are out of range.", N, D, V); return 0; }
  const int chunks = (V + HC_COLS - 1) / HC_COLS;
  const int pieces = (ints[3] & 2) && chunks >= 2 ? (chunks < HEAD_PIECES ? chunks : HEAD_PIECES) : 1;
  void *p[15];
  size_t len[15];
  if (!read_bufs(env, argv[1], 15, "head_xent", hx_is_i32, hx_name, p, len)) return 0;
  const long want[15] = {(long)N * D, (long)D * V, V, N, 2L * N, N, (long)N * D, (long)D * V, V, PANEL_PAD(V) * D, V * PANEL_PAD(D), (long)N * V,
                         (long)N * HC_COLS * pieces, 2L * N * pieces, (long)N * D * (pieces - 1)};
  for (int i = 0; i < 15; i++) {
    const int optional = (!grads && (i == 6 || i == 7 || i == 8 || i == 10 || i == 12)) || (i == 14 && (!grads || pieces == 1));
    if (optional && !p[i]) continue;
    if (!p[i] || (long)len[i] < want[i]) { throw_msg(env, "seqlab-native head_xent: buffer %s needs %ld elements (N=%d D=%d V=%d), got %zu.", hx_name(i), want[i], N, D, V, p[i] ? len[i] : 0); return 0; }
  }
  const int *lab = (const int *)p[3];
  for (int r = 0; r < N; r++)
    if (lab[r] < 0 || lab[r] >= V) {
      char msg[200];
      snprintf(msg, sizeof msg, "Label %d (row %d) is outside the vocabulary of size %d, so the cross-entropy loss is undefined.", lab[r], r, V);
      napi_throw_range_error(env, 0, msg);
      return 0;
    }
  head_prep_fn prep = head_xent_prep_p;
  head_fwd_fn fwd = head_cols_fwd_p;
  head_merge_fn merge = head_cols_merge_p;
  head_bwd_fn bwd = head_cols_bwd_p;
#ifdef HAVE_X86
  if (!strcmp(K.isa, "avx512")) { prep = head_xent_prep_a5; fwd = head_cols_fwd_a5; merge = head_cols_merge_a5; bwd = head_cols_bwd_a5; }
  else if (!strcmp(K.isa, "avx2+fma")) { prep = head_xent_prep_a2; fwd = head_cols_fwd_a2; merge = head_cols_merge_a2; bwd = head_cols_bwd_a2; }
#endif
  prep(D, V, grads, p[1], p[9], p[10]);
  head_job_t j;
  memset(&j, 0, sizeof j);
  j.fwd = fwd; j.bwd = bwd; j.N = N; j.D = D; j.V = V; j.pass = 1; j.p = p;
  for (int c = 0; c <= pieces; c++) j.cut[c] = (int)((long)chunks * c / pieces);
  for (int c = 0; c < pieces; c++) {
    j.ps[c] = (float *)p[13] + 2L * N * c;
    j.gp[c] = p[12] ? (float *)p[12] + (long)N * HC_COLS * c : 0;
    j.dA[c] = c == 0 ? (float *)p[6] : (float *)p[14] + (long)N * D * (c - 1);
  }
  helper_t *W = env_helper(env);
  const int threads = pieces > 1 ? 2 : 1;
  run_chunks(W, head_piece, (args_t *)(void *)&j, pieces, 1, threads);
  merge(N, pieces, j.ps, p[4]);
  if (grads) {
    j.pass = 2;
    run_chunks(W, head_piece, (args_t *)(void *)&j, pieces, 1, threads);
    float *dA = p[6];
    for (int c = 1; c < pieces; c++) {
      const float *d = j.dA[c];
      for (long i = 0; i < (long)N * D; i++) dA[i] += d[i];
    }
  }
  return take_notice(env, W);
}

static napi_value init(napi_env env, napi_value exports) {
  choose_isa();
  napi_property_descriptor d[] = {
    {"run", 0, run, 0, 0, 0, napi_default, 0},
    {"panels", 0, panels, 0, 0, 0, napi_default, 0},
    {"dense", 0, dense, 0, 0, 0, napi_default, 0},
    {"info", 0, info_fn, 0, 0, 0, napi_default, 0},
    {"test_hooks", 0, test_hooks, 0, 0, 0, napi_default, 0},
    {"stress", 0, stress, 0, 0, 0, napi_default, 0},
    {"attention", 0, attention_fn, 0, 0, 0, napi_default, 0},
    {"embedding", 0, embedding, 0, 0, 0, napi_default, 0},
    {"head_xent", 0, head_xent, 0, 0, 0, napi_default, 0},
    {"adam_clip", 0, adam_clip_fn, 0, 0, 0, napi_default, 0},
    {"beam_rows", 0, beam_rows_fn, 0, 0, 0, napi_default, 0},
    {"beam_dense", 0, beam_dense_fn, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  helper_t *W = (helper_t *)calloc(1, sizeof *W);
  if (W && napi_set_instance_data(env, W, 0, 0) == napi_ok) napi_add_env_cleanup_hook(env, cleanup, W);
  else free(W);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

/* ---- the Bahdanau decoder loop (attention_core.h, included beside rnn_core.h per instruction set above) ---- */
#define ATTN_NBUFS 24
static const char *attn_buf_names[ATTN_NBUFS] = {"emb", "enc", "pk", "vlen", "h0", "wq", "wv", "wts", "att_mask", "layer_mask", "hs", "hT",
                                                 "attw", "cache", "scratch", "dhs", "dhT", "demb", "denc", "dpk", "dh0", "dwq", "dwv", "dwts"};
static int attn_is_i32(int i) { return i == 3; }
static const char *attn_name(int i) { return attn_buf_names[i]; }
/* least element count of buffer i; 0 = optional (null allowed) */
static long attn_need(const attn_args *g, int op, int i, const long *sz) {
  const long T = g->T, B = g->B, Tk = g->Tk, E = g->E, H = g->H, L = g->L;
  const long fwd[] = {T * B * E, B * Tk * H, B * Tk * H, B, L * B * H, H * H, H, attn_wts_floats(g), 0, 0, T * B * H, L * B * H, T * B * Tk, sz[0], sz[1]};
  if (i < 15) return (op == 1 || i < 8 || i == 13 || i == 14) ? fwd[i] : 0;
  if (op != 2) return 0;
  const long bwd[] = {T * B * H, 0, T * B * E, B * Tk * H, B * Tk * H, L * B * H, H * H, H, attn_wts_floats(g)};
  return bwd[i - 15];
}
static long attn_optional_size(const attn_args *g, int i) {
  const long T = g->T, B = g->B, Tk = g->Tk, H = g->H, L = g->L;
  return i == 8 ? T * B * Tk : i == 9 ? T * (L - 1) * B * H : i == 16 ? L * B * H : 0;
}

/* attention(op, ints: Int32Array(8) [T, B, Tk, E, H, L, 0, 0], bufs: (TypedArray|null)[24])
 *   op 0: returns [cache floats, scratch floats]; 1 forward; 2 backward (the same cache and
 *   scratch as its forward). bufs in attn_args order (attention_core.h); each checked. */
static napi_value attention_fn(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 2) { napi_throw_type_error(env, 0, "seqlab-native attention: expected (op, ints, bufs)."); return 0; }
  int op;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < 0 || op > 2) { throw_msg(env, "seqlab-native attention: op must be 0 to 2."); return 0; }
  int *ints = int_args(env, argv[1], 8, "attention");
  if (!ints) return 0;
  attn_args a;
  memset(&a, 0, sizeof a);
  a.T = ints[0]; a.B = ints[1]; a.Tk = ints[2]; a.E = ints[3]; a.H = ints[4]; a.L = ints[5];
  long sz[2];
  attn_sizes(&a, sz);
  if (sz[0] <= 0 || a.T > DIM_MAX || a.B > DIM_MAX || a.Tk > DIM_MAX || a.E > DIM_MAX || a.H > DIM_MAX) {
    throw_msg(env, "seqlab-native attention: sizes T=%d B=%d Tk=%d E=%d H=%d L=%d are out of range (L at most %d).", a.T, a.B, a.Tk, a.E, a.H, a.L, ATTN_MAX_LAYERS);
    return 0;
  }
  if (op == 0) {
    napi_value out, v;
    CHECK(napi_create_array_with_length(env, 2, &out));
    for (uint32_t i = 0; i < 2; i++) { CHECK(napi_create_double(env, (double)sz[i], &v)); CHECK(napi_set_element(env, out, i, v)); }
    return out;
  }
  if (argc < 3) { napi_throw_type_error(env, 0, "seqlab-native attention: expected (op, ints, bufs)."); return 0; }
  void *p[ATTN_NBUFS];
  size_t len[ATTN_NBUFS];
  if (!read_bufs(env, argv[2], ATTN_NBUFS, "attention", attn_is_i32, attn_name, p, len)) return 0;
  for (int i = 0; i < ATTN_NBUFS; i++) {
    long want = attn_need(&a, op, i, sz);
    if (!want && p[i]) want = attn_optional_size(&a, i);
    if (!p[i] && want) { throw_msg(env, "seqlab-native attention: op %d needs buffer %s (%ld elements) but got null.", op, attn_name(i), want); return 0; }
    if (p[i] && (long)len[i] < want) { throw_msg(env, "seqlab-native attention: buffer %s has %zu elements but needs %ld.", attn_name(i), len[i], want); return 0; }
  }
  void **fields = (void **)&a.emb;
  for (int i = 0; i < ATTN_NBUFS; i++) fields[i] = p[i];
  const int isa = !strcmp(K.isa, "avx512") ? 2 : !strcmp(K.isa, "avx2+fma") ? 1 : 0; /* the names choose_isa gives */
#ifdef HAVE_X86
  if (isa == 2) { if (op == 1) attn_forward_a5(&a); else attn_backward_a5(&a); return 0; }
  if (isa == 1) { if (op == 1) attn_forward_a2(&a); else attn_backward_a2(&a); return 0; }
#endif
  (void)isa;
  if (op == 1) attn_forward_p(&a); else attn_backward_p(&a);
  return 0;
}

/* ---- global-norm clipping and Adam over every parameter (adam_core.h) ---- */

/* One Float32Array list of bufs: element k of `list` (n of them) into out[k], its length into len[k]. */
static int adam_list(napi_env env, napi_value list, uint32_t n, const char *name, float **out, size_t *len) {
  for (uint32_t k = 0; k < n; k++) {
    napi_value e;
    bool is_ta = false;
    napi_typedarray_type tt;
    size_t off;
    void *data = 0;
    napi_value ab;
    if (napi_get_element(env, list, k, &e) != napi_ok || napi_is_typedarray(env, e, &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, e, &tt, &len[k], &data, &ab, &off) != napi_ok || tt != napi_float32_array)
      return throw_msg(env, "seqlab-native adam_clip: %s[%u] must be a Float32Array.", name, k);
    out[k] = data ? (float *)data : (float *)(void *)"";
  }
  return 1;
}

/* adam_clip(params, grads, m, v: Float32Array[] (the same count, array k of one length in all
 * four), hyper: Float64Array(6) [θ, β₁, β₂, a, ib2, ε], threads) -> [norm, notice?]: ‖g‖ over
 * every gradient, then p, m, v updated in place (adam_core.h; adam.ts computes a and ib2). Chunks
 * of both passes are claimed by both threads when threads > 1. */
static napi_value adam_clip_fn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], out, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 6) { napi_throw_type_error(env, 0, "seqlab-native adam_clip: expected (params, grads, m, v, hyper, threads)."); return 0; }
  static const char *names[4] = {"params", "grads", "m", "v"};
  uint32_t n = 0;
  for (int i = 0; i < 4; i++) {
    bool is_arr = false;
    uint32_t len = 0;
    if (napi_is_array(env, argv[i], &is_arr) != napi_ok || !is_arr || napi_get_array_length(env, argv[i], &len) != napi_ok) { throw_msg(env, "seqlab-native adam_clip: %s must be an array of Float32Arrays.", names[i]); return 0; }
    if (i == 0) n = len;
    else if (len != n) { throw_msg(env, "seqlab-native adam_clip: %s has %u arrays but params has %u.", names[i], len, n); return 0; }
  }
  bool is_ta = false;
  napi_typedarray_type tt;
  size_t hlen = 0, off;
  void *hdata = 0;
  napi_value ab;
  if (napi_is_typedarray(env, argv[4], &is_ta) != napi_ok || !is_ta || napi_get_typedarray_info(env, argv[4], &tt, &hlen, &hdata, &ab, &off) != napi_ok || tt != napi_float64_array || hlen != 6) {
    throw_msg(env, "seqlab-native adam_clip: hyper must be a Float64Array of 6 elements [theta, beta1, beta2, a, ib2, eps].");
    return 0;
  }
  const double *h = (const double *)hdata;
  int threads = 1;
  napi_get_value_int32(env, argv[5], &threads);
  float **ptr = calloc(4 * (size_t)n + 1, sizeof *ptr);
  size_t *len = calloc(4 * (size_t)n + 1, sizeof *len);
  adam_array *arr = calloc((size_t)n + 1, sizeof *arr);
  int *chunks = 0;
  double *partial = 0;
  napi_value result = 0;
  if (!ptr || !len || !arr) { throw_msg(env, "seqlab-native adam_clip: out of memory."); goto done; }
  for (int i = 0; i < 4; i++)
    if (!adam_list(env, argv[i], n, names[i], ptr + (size_t)i * n, len + (size_t)i * n)) goto done;
  for (uint32_t k = 0; k < n; k++) {
    for (int i = 1; i < 4; i++)
      if (len[(size_t)i * n + k] != len[k]) { throw_msg(env, "seqlab-native adam_clip: %s[%u] has %zu elements but params[%u] has %zu.", names[i], k, len[(size_t)i * n + k], k, len[k]); goto done; }
    if (len[k] > (size_t)DIM_MAX * 64) { throw_msg(env, "seqlab-native adam_clip: params[%u] has %zu elements (at most %d).", k, len[k], DIM_MAX * 64); goto done; }
    arr[k] = (adam_array){ptr[k], ptr[n + k], ptr[2 * (size_t)n + k], ptr[3 * (size_t)n + k], (int)len[k]};
  }
  const int nchunks = adam_chunk_count(arr, (int)n);
  chunks = malloc(sizeof *chunks * (2 * (size_t)nchunks + 2));
  partial = malloc(sizeof *partial * ((size_t)nchunks + 1));
  if (!chunks || !partial) { throw_msg(env, "seqlab-native adam_clip: out of memory."); goto done; }
  adam_job j;
  memset(&j, 0, sizeof j);
  adam_job_init(&j, arr, (int)n, chunks, partial);
  j.b1 = h[1]; j.b2 = h[2]; j.a = h[3]; j.ib2 = h[4]; j.eps = h[5];
  phase_fn fn = (phase_fn)adam_pieces_p;
#ifdef HAVE_X86
  if (!strcmp(K.isa, "avx512")) fn = (phase_fn)adam_pieces_a5;
  else if (!strcmp(K.isa, "avx2+fma")) fn = (phase_fn)adam_pieces_a2;
#endif
  helper_t *W = env_helper(env);
  run_chunks(W, fn, (args_t *)(void *)&j, nchunks, 1, threads);
  const double norm = adam_norm_scale(&j, h[0]);
  run_chunks(W, fn, (args_t *)(void *)&j, nchunks, 1, threads);
  /* the result; a failed N-API call throws, after the frees below */
  if (napi_create_array_with_length(env, 2, &out) != napi_ok || napi_create_double(env, norm, &v) != napi_ok || napi_set_element(env, out, 0, v) != napi_ok ||
      napi_set_element(env, out, 1, take_notice(env, W)) != napi_ok)
    napi_throw_error(env, 0, "seqlab-native adam_clip: N-API call failed while returning the norm.");
  else result = out;
done:
  free(ptr);
  free(len);
  free(arr);
  free(chunks);
  free(partial);
  return result;
}

/* ---- a decoder step's log-softmax pieces and top-k per row (beam_core.h), per instruction set ---- */
#define VW 4
#define FN(name) name##_p
#include "beam_core.h"
#undef VW
#undef FN
#ifdef HAVE_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define VW 8
#define FN(name) name##_a2
#include "beam_core.h"
#undef VW
#undef FN
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#define VW 16
#define FN(name) name##_a5
#include "beam_core.h"
#undef VW
#undef FN
#pragma GCC pop_options
#endif

/* The typed arrays argv[0 .. n) of the beam functions: each of its type with at least want[i]
 * elements, else a thrown error naming it (returns 0). */
static int beam_arrays(napi_env env, napi_value *argv, int n, const napi_typedarray_type *types, const char **names, const long *want, const char *fn, void **p) {
  for (int i = 0; i < n; i++) {
    bool is_ta = false;
    napi_typedarray_type tt;
    size_t len = 0, off;
    napi_value ab;
    if (napi_is_typedarray(env, argv[i], &is_ta) != napi_ok || !is_ta || napi_get_typedarray_info(env, argv[i], &tt, &len, &p[i], &ab, &off) != napi_ok || tt != types[i] || (long)len < want[i])
      return throw_msg(env, "seqlab-native %s: %s needs at least %ld elements.", fn, names[i], want[i]);
  }
  return 1;
}

/* beam_rows(ints: Int32Array(3) [n, V, K], logits: Float32Array [n*V], top: Int32Array [n*K],
 *   mx: Float32Array [n], sum: Float64Array [n]) -> undefined; sizes and lengths checked. */
static napi_value beam_rows_fn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 5) { napi_throw_type_error(env, 0, "seqlab-native beam_rows: expected (ints, logits, top, mx, sum)."); return 0; }
  int *ints = int_args(env, argv[0], 3, "beam_rows");
  if (!ints) return 0;
  const int n = ints[0], V = ints[1], Kk = ints[2];
  if (n < 1 || V < 1 || Kk < 1 || n > DIM_MAX || V > DIM_MAX || Kk > BEAM_K_MAX) { throw_msg(env, "seqlab-native beam_rows: sizes n=%d V=%d K=%d are out of range (K at most %d).", n, V, Kk, BEAM_K_MAX); return 0; }
  static const napi_typedarray_type types[4] = {napi_float32_array, napi_int32_array, napi_float32_array, napi_float64_array};
  static const char *names[4] = {"logits (a Float32Array)", "top (an Int32Array)", "mx (a Float32Array)", "sum (a Float64Array)"};
  const long want[4] = {(long)n * V, (long)n * Kk, n, n};
  void *p[4];
  if (!beam_arrays(env, argv + 1, 4, types, names, want, "beam_rows", p)) return 0;
#ifdef HAVE_X86
  if (!strcmp(K.isa, "avx512")) beam_rows_a5(n, V, Kk, p[0], p[1], p[2], p[3]);
  else if (!strcmp(K.isa, "avx2+fma")) beam_rows_a2(n, V, Kk, p[0], p[1], p[2], p[3]);
  else
#endif
    beam_rows_p(n, V, Kk, p[0], p[1], p[2], p[3]);
  return 0;
}

/* beam_dense(ints: Int32Array(4) [N, D, V, threads], a [N*D], wp [panelPad(V)*D] (packed by
 * dense op 1), b [V], y [N*V]) -> undefined or a dead helper's notice: beam_dense_cols over
 * column panels both threads claim (pieces of 64 panels, ~1 MB of W each at D = 256). */
typedef void (*bd_cols_fn)(int, int, int, const float *, const float *, const float *, float *, int, int);
typedef struct {
  bd_cols_fn cols;
  int N, D, V;
  const float *a, *wp, *b;
  float *y;
} bd_job_t;
static void bd_piece(args_t *arg, int lo, int hi) {
  bd_job_t *j = (bd_job_t *)(void *)arg;
  j->cols(j->N, j->D, j->V, j->a, j->wp, j->b, j->y, lo, hi);
}
static napi_value beam_dense_fn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 5) { napi_throw_type_error(env, 0, "seqlab-native beam_dense: expected (ints, a, wp, b, y)."); return 0; }
  int *ints = int_args(env, argv[0], 4, "beam_dense");
  if (!ints) return 0;
  const int N = ints[0], D = ints[1], V = ints[2], threads = ints[3];
  if (N < 1 || D < 1 || V < 1 || N > DIM_MAX || D > DIM_MAX || V > DIM_MAX) { throw_msg(env, "seqlab-native beam_dense: sizes N=%d D=%d V=%d are out of range.", N, D, V); return 0; }
  static const napi_typedarray_type types[4] = {napi_float32_array, napi_float32_array, napi_float32_array, napi_float32_array};
  static const char *names[4] = {"a (a Float32Array)", "wp (a Float32Array)", "b (a Float32Array)", "y (a Float32Array)"};
  const long want[4] = {(long)N * D, PANEL_PAD(V) * D, V, (long)N * V};
  void *p[4];
  if (!beam_arrays(env, argv + 1, 4, types, names, want, "beam_dense", p)) return 0;
  bd_job_t j = {beam_dense_cols_p, N, D, V, p[0], p[1], p[2], p[3]};
#ifdef HAVE_X86
  if (!strcmp(K.isa, "avx512")) j.cols = beam_dense_cols_a5;
  else if (!strcmp(K.isa, "avx2+fma")) j.cols = beam_dense_cols_a2;
#endif
  helper_t *W = env_helper(env);
  run_chunks(W, bd_piece, (args_t *)(void *)&j, (int)(PANEL_PAD(V) / 16), 64, threads);
  return take_notice(env, W);
}
