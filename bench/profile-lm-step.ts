/**
 * Profiles one training step of the textbook's char LM (bench/lm.ts shapes) phase by phase on
 * the tfjs backend and kernel path given: `tsx bench/profile-lm-step.ts --path wasm-simd --model rnn`.
 * Phases are timed separately (wasm and cpu backends run ops synchronously), medians of --reps.
 * The trainer-step phases run the output layer as RecurrentLM does: the fused dense op when the
 * kernel path has it (`--head ops` forces tf.matMul + add; `--dense-split` runs it on both
 * threads of the two-thread paths), and time its kernel calls apart.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { fusedRecurrent } from '../src/core/kernels/tfjs-op';
import { fusedDense, hasFusedDense } from '../src/core/kernels/dense-op';
import { disposeKernels, getKernel, selectKernelPath } from '../src/core/kernels/select';
import { GATES, type CellKind, type KernelPath, type RecurrentKernel } from '../src/core/kernels/types';
import { defaultFusedHead, RecurrentLM } from '../src/core/models/rnn-lm';
import { linear } from '../src/core/models/linear';
import { crossEntropy } from '../src/core/training/lm-trainer';
import { gradClipping } from '../src/core/training/grad-clipping';

const V = 28, B = 32, T = 35, H = 256;
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const kind = arg('model', 'rnn') as CellKind;
  const path = arg('path', 'wasm-simd') as KernelPath;
  const reps = Number(arg('reps', '30'));
  await initBackend({ backend: arg('backend', 'wasm') as 'wasm' });
  const kernel = (await getKernel(path))!;
  const fusedHead = arg('head', hasFusedDense(kernel) ? 'fused' : 'ops') === 'fused';
  // --dense-split: the two-thread paths share the fused head between both threads too
  const splittable = kernel as RecurrentKernel & { denseSplitMinWork?: number };
  if (process.argv.includes('--dense-split') && splittable.denseSplitMinWork !== undefined) splittable.denseSplitMinWork = 0;
  const G = GATES[kind];
  const time = (f: () => void) => {
    for (let i = 0; i < 5; i++) f();
    const ts: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      f();
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const rows: [string, number][] = [];
  const X = tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % V), [T, B], 'int32');
  const Y = tf.tensor2d(Array.from({ length: T * B }, (_, i) => (i * 11 + 5) % V), [T, B], 'int32');
  const Yf = tf.reshape(Y, [T * B]) as tf.Tensor1D;
  const wx = tf.variable(tf.randomNormal([V, G * H], 0, 0.01, 'float32', 1));
  const wh = tf.variable(tf.randomNormal([H, G * H], 0, 0.01, 'float32', 2));
  const b = tf.variable(tf.zeros([G * H]));
  const wq = tf.variable(tf.randomNormal([H, V], 0, 0.01, 'float32', 3));
  const bq = tf.variable(tf.zeros([V]));
  const h0 = tf.zeros([B, H]) as tf.Tensor2D;
  const c0 = kind === 'lstm' ? (tf.zeros([B, H]) as tf.Tensor2D) : null;

  // raw kernel
  const xi = Int32Array.from(X.dataSync());
  const w = { wx: wx.dataSync() as Float32Array, wh: wh.dataSync() as Float32Array, b: b.dataSync() as Float32Array };
  const h0a = new Float32Array(B * H);
  const c0a = c0 ? new Float32Array(B * H) : null;
  const dhs = new Float32Array(T * B * H).fill(1e-3);
  rows.push(['kernel forward (raw arrays, with cache)', time(() => void kernel.forward(kind, { T, B, I: V, H }, xi, h0a, c0a, w))]);
  rows.push(['kernel forward+backward (raw arrays)', time(() => {
    const r = kernel.forward(kind, { T, B, I: V, H }, xi, h0a, c0a, w);
    kernel.backward(r.cache!, dhs, null, null);
  })]);
  rows.push(['dataSync of wx, wh, b (weights read)', time(() => void [wx.dataSync(), wh.dataSync(), b.dataSync()])]);

  // fused op forward + backward through tfjs (grads of wx, wh, b with a dummy loss sum(hs·c))
  const hsConst = tf.randomNormal([T, B, H], 0, 0.1, 'float32', 4) as tf.Tensor3D;
  const flat = tf.reshape(hsConst, [T * B, H]) as tf.Tensor2D;
  rows.push(['head fwd: linear+bias (trainer linear)', time(() => tf.tidy(() => void tf.add(linear(flat, wq as tf.Tensor as tf.Tensor2D), bq)))]);
  if (hasFusedDense(kernel)) {
    const dd = { N: T * B, D: H, V };
    const fa = flat.dataSync() as Float32Array, fw = wq.dataSync() as Float32Array, fb = bq.dataSync() as Float32Array;
    const fdy = new Float32Array(T * B * V).fill(1e-3);
    rows.push(['head kernel dense forward (raw arrays)', time(() => void kernel.dense!(dd, fa, fw, fb))]);
    rows.push(['head kernel dense backward (raw arrays)', time(() => void kernel.denseBackward!(dd, fa, fw, fdy))]);
    rows.push(['head fwd: fusedDense op', time(() => tf.tidy(() => void fusedDense(flat, wq as tf.Tensor as tf.Tensor2D, bq, { kernel }).dataSync()))]);
    rows.push(['head fwd+loss+grads wq,bq,hs (fusedDense + crossEntropy)', time(() => tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, q: tf.Tensor, bb: tf.Tensor) => crossEntropy(fusedDense(a as tf.Tensor2D, q as tf.Tensor2D, bb, { kernel }), Yf));
      g([flat, wq, bq]).forEach((t) => t.dataSync());
    }))]);
  }
  rows.push(['head fwd: tf.matMul+bias (previous bench)', time(() => tf.tidy(() => void tf.add(tf.matMul(flat, wq), bq)))]);
  rows.push(['head fwd+loss (trainer crossEntropy)', time(() => tf.tidy(() => void crossEntropy(tf.add(linear(flat, wq as tf.Tensor as tf.Tensor2D), bq) as tf.Tensor2D, Yf).dataSync()))]);
  rows.push(['head fwd+loss (previous bench softmaxCrossEntropy)', time(() => tf.tidy(() => void tf.losses.softmaxCrossEntropy(tf.oneHot(Yf, V), tf.add(tf.matMul(flat, wq), bq)).dataSync()))]);
  rows.push(['head fwd+loss+grads wq,bq,hs (trainer)', time(() => tf.tidy(() => {
    const g = tf.grads((a: tf.Tensor, q: tf.Tensor, bb: tf.Tensor) => crossEntropy(tf.add(linear(a as tf.Tensor2D, q as tf.Tensor2D), bb) as tf.Tensor2D, Yf));
    g([flat, wq, bq]).forEach((t) => t.dataSync());
  }))]);
  rows.push(['head fwd+loss+grads wq,bq,hs (previous bench)', time(() => tf.tidy(() => {
    const g = tf.grads((a: tf.Tensor, q: tf.Tensor, bb: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(Yf, V), tf.add(tf.matMul(a, q), bb)) as tf.Scalar);
    g([flat, wq, bq]).forEach((t) => t.dataSync());
  }))]);
  rows.push(['fused op fwd+bwd via tfjs (variableGrads, loss sum(hs))', time(() => tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.sum(fusedRecurrent(kind, X, h0, c0, wx as tf.Tensor as tf.Tensor2D, wh as tf.Tensor as tf.Tensor2D, b, { kernel, inputSize: V }).hs), [wx, wh, b]);
    Object.values(grads).forEach((t) => t.dataSync());
  }))]);
  // clipping + update on gradient-sized tensors
  const fakeGrads = () => ({ [wx.name]: tf.randomNormal(wx.shape, 0, 1, 'float32', 5), [wh.name]: tf.randomNormal(wh.shape, 0, 1, 'float32', 6), [b.name]: tf.randomNormal(b.shape, 0, 1, 'float32', 7), [wq.name]: tf.randomNormal(wq.shape, 0, 1, 'float32', 8), [bq.name]: tf.randomNormal(bq.shape, 0, 1, 'float32', 9) });
  const gs = fakeGrads();
  rows.push(['clipping (norm + scale), tfjs ops', time(() => tf.tidy(() => {
    const copy = Object.fromEntries(Object.entries(gs).map(([k, v]) => [k, v.clone()]));
    const c = gradClipping(copy, 1);
    Object.values(c.grads).forEach((t) => t.dataSync());
  }))]);
  const opt = tf.train.sgd(1e-9);
  rows.push(['SGD applyGradients', time(() => tf.tidy(() => {
    opt.applyGradients(gs);
    wq.dataSync();
  }))]);
  // full steps
  const optb = tf.train.sgd(1);
  rows.push(['FULL step, previous bench/lm.ts head (tf.matMul + tf.losses.softmaxCrossEntropy)', time(() => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const { hs } = fusedRecurrent(kind, X, h0, c0, wx as tf.Tensor as tf.Tensor2D, wh as tf.Tensor as tf.Tensor2D, b, { kernel, inputSize: V });
      const logits = tf.add(tf.matMul(tf.reshape(hs, [T * B, H]), wq), bq);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(Y, [T * B]), V), logits) as tf.Scalar;
    });
    const names = Object.keys(grads);
    const norm = Math.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))).dataSync()[0]);
    const scale = norm > 1 ? 1 / norm : 1;
    const scaled: Record<string, tf.Tensor> = {};
    for (const n of names) scaled[n] = tf.mul(grads[n], scale);
    optb.applyGradients(scaled as tf.NamedTensorMap);
    value.dataSync();
  }))]);
  // LMTrainer.trainStep's code, phase by phase; the kernel's own time measured by wrapping it
  const acc = { kf: 0, kb: 0, df: 0, db: 0 };
  const fwd = kernel.forward.bind(kernel), bwd = kernel.backward.bind(kernel);
  const timed: RecurrentKernel = {
    path: kernel.path,
    forward: (...a: Parameters<typeof fwd>) => { const t = performance.now(); const r = fwd(...a); acc.kf += performance.now() - t; return r; },
    backward: (...a: Parameters<typeof bwd>) => { const t = performance.now(); const r = bwd(...a); acc.kb += performance.now() - t; return r; },
  };
  if (hasFusedDense(kernel)) {
    const dfw = kernel.dense!.bind(kernel), dbw = kernel.denseBackward!.bind(kernel);
    timed.dense = (...a: Parameters<typeof dfw>) => { const t = performance.now(); const r = dfw(...a); acc.df += performance.now() - t; return r; };
    timed.denseBackward = (...a: Parameters<typeof dbw>) => { const t = performance.now(); const r = dbw(...a); acc.db += performance.now() - t; return r; };
  }
  const phases: Record<string, number[]> = {};
  const model = new RecurrentLM({ kind, impl: 'fused', vocabSize: V, hidden: H, layers: 1, bidirectional: false, embedding: 0, seed: 1 });
  const vars = model.variables();
  const optt = tf.train.sgd(1);
  const rec = (k: string, v: number) => (phases[k] ??= []).push(v);
  for (let i = 0; i < reps + 5; i++) {
    acc.kf = acc.kb = acc.df = acc.db = 0;
    const t0 = performance.now();
    tf.tidy(() => {
      const st = model.beginState(B);
      let t = performance.now();
      const { value, grads } = tf.variableGrads(() => {
        const out = fusedRecurrent(kind, X, st.h[0], st.c[0], ...(Object.values(model.packedWeights(0)) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]), { kernel: timed, inputSize: V });
        const flatHs = tf.reshape(out.hs, [T * B, H]) as tf.Tensor2D;
        const wqm = model.wq as tf.Tensor as tf.Tensor2D;
        const logits = fusedHead ? fusedDense(flatHs, wqm, model.bq, { kernel: timed }) : (tf.add(linear(flatHs, wqm), model.bq) as tf.Tensor2D);
        return crossEntropy(logits, Yf);
      }, vars);
      const vg = performance.now() - t;
      t = performance.now();
      value.dataSync();
      const c = gradClipping(grads, 1);
      const clip = performance.now() - t;
      t = performance.now();
      optt.applyGradients(c.grads);
      vars[0].dataSync();
      const upd = performance.now() - t;
      if (i >= 5) {
        rec('trainer step: kernel forward', acc.kf);
        rec('trainer step: kernel backward', acc.kb);
        rec('trainer step: head kernel forward (fused dense)', acc.df);
        rec('trainer step: head kernel backward (fused dense)', acc.db);
        rec(`trainer step: rest of forward+backward (${fusedHead ? 'loss' : 'head, loss'}, copies, tape)`, vg - acc.kf - acc.kb - acc.df - acc.db);
        rec('trainer step: loss read + clipping', clip);
        rec('trainer step: SGD update', upd);
      }
    });
    if (i >= 5) {
      const total = performance.now() - t0;
      const parts = ['kernel forward', 'kernel backward', 'head kernel forward (fused dense)', 'head kernel backward (fused dense)', `rest of forward+backward (${fusedHead ? 'loss' : 'head, loss'}, copies, tape)`, 'loss read + clipping', 'SGD update'];
      rec('trainer step: beginState + end of tidy (disposals)', total - parts.reduce((a, k) => a + phases[`trainer step: ${k}`].at(-1)!, 0));
      rec('trainer step: TOTAL', total);
    }
  }
  for (const [k, v] of Object.entries(phases)) rows.push([k, median(v)]);
  await selectKernelPath({ force: path });
  // RecurrentLM's own choice unless --head is given
  const headOpt = process.argv.includes('--head') ? (fusedHead ? 'fused' : 'ops') : undefined;
  const headUsed = headOpt ?? (defaultFusedHead('fused') ? 'fused' : 'ops');
  const stepT = time(() => tf.tidy(() => {
    const st = model.beginState(B);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(X, st, { head: headOpt }).logits, Yf), vars);
    value.dataSync();
    optt.applyGradients(gradClipping(grads, 1).grads);
  }));
  rows.push([`LMTrainer.trainStep code via RecurrentLM.forward (head ${headUsed}): TOTAL (${Math.round((T * B) / stepT * 1000)} tokens/s)`, stepT]);
  console.log(`model ${kind}, path ${path}, backend ${tf.getBackend()}, trainer-step head ${fusedHead ? 'fused dense' : 'tfjs ops'}; medians of ${reps}, ms`);
  for (const [k, v] of rows) console.log(`| ${k} | ${v.toFixed(2)} |`);
  disposeKernels();
  process.exit(0);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
