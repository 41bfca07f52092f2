/*
 * nn.Embedding's lookup and its gradient (src/core/kernels/embedding-op.ts), included once per
 * instruction set with the FN macro like rnn_core.h / dense_core.h (wasm SIMD128 in
 * src/core/kernels/wasm/rnn_wasm.c; portable, AVX2 and AVX-512 in native/src/addon.c). Row
 * copies and row sums over E: the compiler vectorises them, no intrinsics needed.
 *
 *   gather:  out[r, :] = table[ids[r], :]                      r < n
 *   scatter: dtable = 0; dtable[ids[r], :] += dy[r, :]         in order r = 0 … n−1, float32,
 *            so a repeated id sums its rows in the order they were read (as tfjs's
 *            UnsortedSegmentSum and PyTorch's CPU embedding_backward do)
 *
 * Both check every id first and write nothing when one is outside [0, V): they return the
 * position of the first such id (the caller names the id and V), else -1. The caller checks
 * ids too; this keeps the C memory-safe on its own.
 */

static int FN(embedding_bad_id)(int n, int V, const int *ids) {
  for (int r = 0; r < n; r++)
    if (ids[r] < 0 || ids[r] >= V) return r;
  return -1;
}

static int FN(embedding_gather)(int n, int E, int V, const float *table, const int *ids, float *out) {
  int bad = FN(embedding_bad_id)(n, V, ids);
  if (bad >= 0) return bad;
  for (int r = 0; r < n; r++) {
    const float *s = table + (long)ids[r] * E;
    float *o = out + (long)r * E;
    for (int j = 0; j < E; j++) o[j] = s[j];
  }
  return -1;
}

static int FN(embedding_scatter)(int n, int E, int V, const int *ids, const float *dy, float *dtable) {
  int bad = FN(embedding_bad_id)(n, V, ids);
  if (bad >= 0) return bad;
  const long VE = (long)V * E;
  for (long i = 0; i < VE; i++) dtable[i] = 0.0f;
  for (int r = 0; r < n; r++) {
    const float *s = dy + (long)r * E;
    float *o = dtable + (long)ids[r] * E;
    for (int j = 0; j < E; j++) o[j] += s[j];
  }
  return -1;
}
