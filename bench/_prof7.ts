import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend';
import { selectKernelPath } from '../src/core/kernels';
import { Seq2SeqAttention } from '../src/core/translation/attention/model';
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
  for (let rep = 0; rep < 4; rep++) {
    const t0 = performance.now();
    tf.tidy(() => { const { grads } = tf.variableGrads(() => m.forward(X, Y, ctx, lens).output.sum() as tf.Scalar, m.variables()); Object.values(grads)[0].dataSync(); });
    console.log((performance.now() - t0).toFixed(0));
  }
}
void main();
