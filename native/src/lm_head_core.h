/*
 * The language model's output layer and its loss as one pass (src/core/kernels/head-loss-op.ts):
 * logits = A[N, D] . W[D, V] + b, the mean softmax cross-entropy against labels, and — when
 * asked — its gradients dA = G . W^T, dW = A^T . G, db = column sums of G, where
 * G = (softmax(logits) - onehot) / N. Included after rnn_core.h and dense_core.h, once per
 * instruction set (FN macro), and built on their packed GEMM, pack_* and xent_rows.
 *
 * Why one pass: at a word vocabulary (V = 4,580, N = T*B = 1,120) the logits and their gradient
 * are 20 MB each. Separately (fusedDense, then fusedCrossEntropy, then the dense backward) they
 * crossed into tfjs tensors and back four times and the dense backward transposed all of G;
 * the GEMMs then streamed 20 MB operands once per 16-column panel (memory-bound: 280 ms of a
 * 390 ms step). Here rows go in blocks of HB_ROWS: a block's logits are computed, turned into
 * its gradient in place and consumed by dA and dW while they are in cache; nothing of size
 * N x V leaves the kernel.
 *
 * Numbers: logits, the per-row softmax and dA are summed exactly as dense_forward_rows,
 * xent_rows and dense_backward_parts sum them (same GEMM, same K blocks: row blocks do not
 * change a row's sums); dW and db are summed block by block (float), so they differ from the
 * separate ops' by rounding (~1e-7 relative).
 */
#define HB_ROWS 64

/*
 * stat [N, 2] (row max, sum of exp(logit - max)) and picked [N] (the label's logit): the loss
 * is sum(max + log(sum) - picked) / N (the caller takes the log: freestanding wasm has none).
 * grads = 0: loss only (dA, dW, db, wtp, gp unused). Scratch: wp (ceil(V/16)*16*D, packed W),
 * wtp (V*ceil(D/16)*16, packed W^T), yb (HB_ROWS*V, a block's logits / gradient), gp
 * (ceil(V/16)*16*HB_ROWS, the block's gradient in panels). Returns the position of the first
 * label outside [0, V) (nothing computed), else -1.
 */
/* Packs W (and W^T for the gradients) into wp / wtp: once per call, before the rows. */
static void FN(head_xent_prep)(int D, int V, int grads, const float *W, float *wp, float *wtp) {
  FN(pack_cols)(D, V, W, V, wp);
  if (grads) FN(pack_trans)(V, D, W, V, wtp);
}

/* Rows [r0, r1) (r0 a multiple of HB_ROWS) of N: their stat, picked and dA; their share of dW and
 * db written (not added) into dW / db. yb and gp are this caller's scratch. Labels checked. */
static void FN(head_xent_rows)(int N, int D, int V, int grads, int r0, int r1, const float *A, const float *b, const int *lab,
                               float *stat, float *picked, float *dA, float *dW, float *db, const float *wp, const float *wtp, float *yb, float *gp) {
  if (grads)
    for (int v = 0; v < V; v++) db[v] = 0.0f;
  for (int q0 = r0; q0 < r1; q0 += HB_ROWS) {
    const int mb = r1 - q0 < HB_ROWS ? r1 - q0 : HB_ROWS;
    const float *Ab = A + (long)q0 * D;
    for (int r = 0; r < mb; r++) {
      float *y = yb + (long)r * V;
      for (int j = 0; j < V; j += VW) { int n = V - j; FN(vstore_n)(y + j, FN(vload_n)(b + j, n), n); }
    }
    FN(gemm)(mb, V, D, Ab, D, wp, yb, V, 1);
    for (int r = 0; r < mb; r++) picked[q0 + r] = yb[(long)r * V + lab[q0 + r]];
    /* softmax - onehot, / N, in place (xent_rows reads each logit before it writes its slot) */
    FN(dargs) g;
    g.N = N;
    g.V = V;
    g.logits = yb;
    g.grad = yb;
    g.lab = lab + q0;
    g.stat = stat + 2L * q0;
    FN(xent_rows)(&g, 0, mb);
    if (!grads) continue;
    FN(gemm)(mb, D, V, yb, V, wtp, dA + (long)q0 * D, D, 0);
    FN(pack_cols)(mb, V, yb, V, gp);
    FN(gemm_t)(D, V, mb, Ab, D, gp, (long)mb * 16 /* rnn_core.h NR */, dW, V, q0 > r0);
    for (int r = 0; r < mb; r++) {
      const float *s = yb + (long)r * V;
      for (int v = 0; v < V; v++) db[v] += s[v];
    }
  }
}

static int FN(head_xent)(int N, int D, int V, int grads, const float *A, const float *W, const float *b, const int *lab,
                         float *stat, float *picked, float *dA, float *dW, float *db, float *wp, float *wtp, float *yb, float *gp) {
  for (int r = 0; r < N; r++)
    if (lab[r] < 0 || lab[r] >= V) return r;
  FN(head_xent_prep)(D, V, grads, W, wp, wtp);
  FN(head_xent_rows)(N, D, V, grads, 0, N, A, b, lab, stat, picked, dA, dW, db, wp, wtp, yb, gp);
  return -1;
}
