/*
 * WASM SIMD128 build of the fused recurrent kernels (the core is native/src/rnn_core.h) and of
 * the fused dense output layer (native/src/dense_core.h).
 * Built by scripts in src/core/kernels/wasm/build.mjs (npm run build:kernels) into
 * rnn_simd.wasm (plain SIMD128) and rnn_relaxed.wasm (relaxed-SIMD FMA, -DRELAXED).
 * Shared, imported memory so two threads (worker_threads) run the same instance layout.
 * No static data, and each thread's instance runs on its own stack (__stack_pointer is per
 * instance; wasm-kernel.ts gives the worker's a region of its own), so they share the memory.
 */
#define VW 4
#define MR 2
#ifdef RELAXED
#define VFMA(a, b, c) __builtin_wasm_relaxed_madd_f32x4((a), (b), (c))
#else
#define VFMA(a, b, c) ((a) * (b) + (c))
#endif
#define FN(name) name##_w
#include "../../../../native/src/rnn_core.h"
#include "../../../../native/src/dense_core.h"
#include "../../../../native/src/embedding_core.h"
#include "../../../../native/src/lm_head_core.h"

#define EXPORT(name) __attribute__((export_name(#name)))

extern unsigned char __heap_base;

EXPORT(heap_base) unsigned heap_base(void) { return (unsigned)(unsigned long)&__heap_base; }
EXPORT(panels) int panels(int kind, int H) { return panels_w(kind, H); }
EXPORT(forward) void forward(args_w *g, int b0, int b1) { forward_rows_w(g, b0, b1); }
EXPORT(backward) void backward(args_w *g, int b0, int b1) { backward_rows_w(g, b0, b1); }
EXPORT(wgrad) void wgrad(args_w *g, int p0, int p1) { wgrad_panels_w(g, p0, p1); }
EXPORT(xproj) void xproj(args_w *g, int m0, int m1) { xproj_rows_w(g, m0, m1); }
EXPORT(dx) void dx(args_w *g, int m0, int m1) { dx_rows_w(g, m0, m1); }
EXPORT(pack_forward) void pack_forward(args_w *g, const float *wh, float *whp, float *wxp) { pack_forward_w(g, wh, whp, wxp); }
EXPORT(pack_backward) void pack_backward(args_w *g, const float *wh, float *whtp, float *whtp2, float *wxtp) {
  pack_backward_w(g, wh, whtp, whtp2, wxtp);
}
EXPORT(dense_pack) void dense_pack(dargs_w *g) { dense_pack_w(g); }
EXPORT(dense_forward) void dense_forward(dargs_w *g, int r0, int r1) { dense_forward_rows_w(g, r0, r1); }
EXPORT(dense_backward_prep) void dense_backward_prep(dargs_w *g) { dense_backward_prep_w(g); }
EXPORT(dense_backward) void dense_backward(dargs_w *g, int lo, int hi) { dense_backward_parts_w(g, lo, hi); }
EXPORT(dense_xent) void dense_xent(dargs_w *g, int r0, int r1) { xent_rows_w(g, r0, r1); }

/* The Bahdanau decoder loop (native/src/attention_core.h): one thread. */
#include "../../../../native/src/attention_core.h"
EXPORT(attn_sizes) void attn_sizes_x(const attn_args *g, long *out) { attn_sizes(g, out); }
EXPORT(attn_forward) void attn_forward_x(attn_args *g) { attn_forward_w(g); }
EXPORT(attn_backward) void attn_backward_x(attn_args *g) { attn_backward_w(g); }
EXPORT(attn_wts) long attn_wts_x(const attn_args *g) { return attn_wts_floats(g); }
EXPORT(embedding_gather) int embedding_gather(int n, int E, int V, const float *table, const int *ids, float *out) { return embedding_gather_w(n, E, V, table, ids, out); }
EXPORT(embedding_scatter) int embedding_scatter(int n, int E, int V, const int *ids, const float *dy, float *dtable) { return embedding_scatter_w(n, E, V, ids, dy, dtable); }
EXPORT(head_xent) int head_xent(int N, int D, int V, int grads, const float *A, const float *W, const float *b, const int *lab, float *stat, float *picked,
                                float *dA, float *dW, float *db, float *wp, float *wtp, float *L, float *gp, float *ps) {
  return head_xent_w(N, D, V, grads, A, W, b, lab, stat, picked, dA, dW, db, wp, wtp, L, gp, ps);
}

/* Global-norm clipping and Adam over every parameter (native/src/adam_core.h): wasm-kernel.ts
 * fills the array table (adam_set_array), adam_init numbers the chunks, then pass 1 (pieces on
 * both threads), adam_norm, pass 2. The structs' sizes come from here, never from the JS side. */
#include "../../../../native/src/adam_core.h"
EXPORT(adam_sizes) void adam_sizes(int *out) { out[0] = (int)sizeof(adam_job); out[1] = (int)sizeof(adam_array); }
EXPORT(adam_set_array) void adam_set_array(adam_array *arr, int k, float *p, const float *g, float *m, float *v, int n) {
  arr[k] = (adam_array){p, g, m, v, n};
}
EXPORT(adam_chunks) int adam_chunks(const adam_array *arr, int narrays) { return adam_chunk_count(arr, narrays); }
EXPORT(adam_init) int adam_init(adam_job *j, const adam_array *arr, int narrays, int *chunks, double *partial, double b1, double b2, double a, double ib2, double eps) {
  j->b1 = b1; j->b2 = b2; j->a = a; j->ib2 = ib2; j->eps = eps;
  return adam_job_init(j, arr, narrays, chunks, partial);
}
EXPORT(adam_pieces) void adam_pieces(adam_job *j, int lo, int hi) { adam_pieces_w(j, lo, hi); }
EXPORT(adam_norm) double adam_norm(adam_job *j, double theta) { return adam_norm_scale(j, theta); }
/* A decoder step's log-softmax pieces and top-k per row (native/src/beam_core.h). */
#include "../../../../native/src/beam_core.h"
EXPORT(beam_rows) void beam_rows(int n, int V, int K, const float *L, int *top, float *mx, double *sum) { beam_rows_w(n, V, K, L, top, mx, sum); }
