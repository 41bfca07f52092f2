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
  const tm = (name: string, f: () => void) => { const t0 = performance.now(); tf.tidy(f); console.log(name, (performance.now() - t0).toFixed(0)); };
  for (let rep = 0; rep < 3; rep++) {
    tm('encoder', () => { m.encoder.forward(X, ctx).outputs.dataSync(); });
    tm('initState', () => { const e = m.encoder.forward(X, ctx); m.decoder.initState(e, lens).projectedKeys.dataSync(); });
    tm('enc+dec', () => { const e = m.encoder.forward(X, ctx); const st = m.decoder.initState(e, lens); m.decoder.forward(Y, st, ctx).topOutputs.dataSync(); });
    tm('enc+dec+logits', () => { const e = m.encoder.forward(X, ctx); const st = m.decoder.initState(e, lens); m.decoder.forward(Y, st, ctx).output.dataSync(); });
    tm('dense alone', () => { tf.matMul(tf.ones([960, 256]), m.decoder.denseW).dataSync(); });
  }
}
void main();
