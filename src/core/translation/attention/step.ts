/**
 * The attention model behind the decoders' StepFn: the encoder runs once per sentence on tfjs,
 * its outputs (the keys and values) and W_k times them are read once into arrays, and each step
 * decodes a batch of hypotheses on raw arrays, returning the attention weights over the valid
 * source positions with the log-probabilities. Per step, as Seq2SeqAttentionDecoder.forward:
 * query = the previous top-layer state, q = query·W_q, scores_j = w_vᵀ tanh(q + k_j), masked
 * softmax over the valid positions (those past it get exactly 0, as exp(−10⁶ − max) does),
 * context = Σ_j weight_j v_j, then [context, embedding] through the GRU stack and the dense
 * layer on the kernels' ops (../decoder-step.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { StepFn } from '../../decoding/types';
import { bufferPool } from '../../kernels/buffer-pool';
import { f32Weights } from '../../kernels/tensor-io';
import { decoderArrays, denseRows, embedRows, gruStep, outputScores, type HiddenState } from '../decoder-step';
import type { Seq2SeqAttention } from './model';

export function attentionDecoderFor(model: Seq2SeqAttention, srcIds: number[], validLen: number): { init: HiddenState; step: StepFn<HiddenState>; dispose(): void } {
  const { embedSize: E, numHiddens: H, numLayers: L } = model.config;
  const Tk = srcIds.length;
  const enc = tf.tidy(() => {
    const out = model.encoder.forward(tf.tensor2d([srcIds], [1, Tk], 'int32'), { training: false });
    const st = model.decoder.initState(out, [validLen]);
    return { init: out.state.map((s) => Float32Array.from(s.dataSync())), values: Float32Array.from(st.encOutputs.dataSync()), keys: Float32Array.from(st.projectedKeys.dataSync()) };
  });
  const w = decoderArrays(model.decoder);
  const att = model.decoder.attention;
  const wq = f32Weights(att.wq);
  const wv = f32Weights(att.wv);
  const noBias = new Float32Array(H);
  const valid = Math.max(1, Math.min(validLen, Tk));
  let held: Float32Array | undefined;
  const step: StepFn<HiddenState> = (states, tokens, want) => {
    bufferPool.give(held);
    const n = states.length;
    const query = new Float32Array(n * H);
    states.forEach((s, i) => query.set(s[L - 1], i * H));
    const q = denseRows(w.kernel, n, H, H, query, wq, noBias);
    const input = new Float32Array(n * (H + E));
    const attention: Float32Array[] = [];
    const scores = new Float64Array(valid);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < valid; j++) {
        let s = 0;
        for (let h = 0; h < H; h++) s += wv[h] * Math.tanh(q[i * H + h] + enc.keys[j * H + h]);
        scores[j] = Math.fround(s);
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = 0; j < valid; j++) sum += (scores[j] = Math.exp(scores[j] - max));
      const weights = new Float32Array(valid);
      for (let j = 0; j < valid; j++) weights[j] = scores[j] / sum;
      // context first, then the embedding: the book's torch.cat((context, x), dim=-1)
      const o = i * (H + E);
      for (let j = 0; j < valid; j++) {
        const a = weights[j];
        for (let h = 0; h < H; h++) input[o + h] += a * enc.values[j * H + h];
      }
      attention.push(weights);
    }
    embedRows(w, tokens, input, H + E, H);
    const r = gruStep(w, input, states);
    const { logits, ...out } = outputScores(w, r.top, n, want);
    held = logits;
    bufferPool.give(q);
    return { ...out, states: r.states, attention };
  };
  return { init: enc.init, step, dispose: () => {} };
}
