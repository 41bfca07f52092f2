import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { selectKernelPath } from '../src/core/kernels';
import { Seq2SeqAttention } from '../src/core/translation/attention/model';
import { maskedSoftmaxCELoss } from '../src/core/translation/loss';
async function main() {
  await initBackend({ backend: 'wasm' });
  await selectKernelPath();
  const B = 64, T = 15, V = 1231;
  const m = new Seq2SeqAttention({ srcVocabSize: 875, tgtVocabSize: V, embedSize: 128, numHiddens: 256, numLayers: 2, dropout: 0.2 }, 0);
  const X = tf.randomUniform([B, T], 0, 870, 'int32') as tf.Tensor2D;
  const Y = tf.randomUniform([B, T], 0, 1200, 'int32') as tf.Tensor2D;
  const lens = Array(B).fill(9);
  let s = 1;
  const ctx = { training: true, nextSeed: () => s++ };
  const tm = (name: string, f: () => void) => { const t0 = performance.now(); tf.tidy(f); console.log(name, (performance.now() - t0).toFixed(0)); };
  for (let rep = 0; rep < 2; rep++) {
    tm('forward', () => { m.forward(X, Y, ctx, lens).output.dataSync(); });
    tm('forward+loss', () => { maskedSoftmaxCELoss(m.forward(X, Y, ctx, lens).output, Y, lens).dataSync(); });
    tm('grads', () => { const { grads } = tf.variableGrads(() => maskedSoftmaxCELoss(m.forward(X, Y, ctx, lens).output, Y, lens).sum() as tf.Scalar, m.variables()); Object.values(grads)[0].dataSync(); });
    tm('grads of top outputs only', () => { const { grads } = tf.variableGrads(() => { const e = m.encoder.forward(X, ctx); const st = m.decoder.initState(e, lens); return m.decoder.forward(Y, st, ctx).topOutputs.sum() as tf.Scalar; }, m.variables().filter((v) => v !== m.decoder.denseW && v !== m.decoder.denseB)); Object.values(grads)[0].dataSync(); });
    tm('grads of encoder only', () => { const { grads } = tf.variableGrads(() => m.encoder.forward(X, ctx).outputs.sum() as tf.Scalar, m.encoder.variables()); Object.values(grads)[0].dataSync(); });
    tm('grads, sum of logits', () => { const { grads } = tf.variableGrads(() => m.forward(X, Y, ctx, lens).output.sum() as tf.Scalar, m.variables()); Object.values(grads)[0].dataSync(); });
  }
}
void main();
