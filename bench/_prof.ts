import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { selectKernelPath } from '../src/core/kernels';
import { Seq2SeqAttention } from '../src/core/translation/attention/model';
import { maskedSoftmaxCELoss } from '../src/core/translation/loss';
import { gradClipping } from '../src/core/training/grad-clipping';
import { setAttentionImpl } from '../src/core/translation/attention/decoder';
async function main() {
  await initBackend({ backend: 'wasm' });
  await selectKernelPath();
  const B = 128, T = 9, V = 214;
  const m = new Seq2SeqAttention({ srcVocabSize: 195, tgtVocabSize: V, embedSize: 256, numHiddens: 256, numLayers: 2, dropout: 0.2 }, 0);
  const X = tf.randomUniform([B, T], 0, 190, 'int32') as tf.Tensor2D;
  const Y = tf.randomUniform([B, T], 0, 210, 'int32') as tf.Tensor2D;
  const lens = Array(B).fill(7);
  let s = 1;
  const ctx = { training: true, nextSeed: () => s++ };
  const opt = tf.train.adam(0.005);
  for (const impl of ['fused', 'tfops'] as const) {
    setAttentionImpl(impl);
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      tf.tidy(() => { const o = m.forward(X, Y, ctx, lens).output; o.dataSync(); });
      const t1 = performance.now();
      tf.tidy(() => { const enc = m.encoder.forward(X, ctx); enc.outputs.dataSync(); });
      const t2 = performance.now();
      let clipMs = 0, optMs = 0;
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => maskedSoftmaxCELoss(m.forward(X, Y, ctx, lens).output, Y, lens).sum() as tf.Scalar, m.variables());
        const a = performance.now();
        const c = gradClipping(grads, 1);
        const b = performance.now();
        opt.applyGradients(c.grads as Record<string, tf.Variable>);
        m.variables()[0].dataSync();
        optMs = performance.now() - b; clipMs = b - a;
      });
      const t3 = performance.now();
      console.log(impl, `fwd ${(t1 - t0).toFixed(0)} enc ${(t2 - t1).toFixed(0)} step ${(t3 - t2).toFixed(0)} (clip ${clipMs.toFixed(0)} adam ${optMs.toFixed(0)})`);
    }
  }
}
void main();
