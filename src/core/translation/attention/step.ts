/**
 * The attention model behind the decoders' StepFn: the encoder runs once per sentence, its
 * outputs (and W_k times them) stay as tensors for the decoder's lifetime, and each step
 * decodes a batch of hypotheses by their per-layer hidden states, returning the attention
 * weights over the valid source positions with the log-probabilities.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepFn } from '../../decoding/types';
import type { Seq2SeqAttention } from './model';
import { stackHidden } from '../seq2seq/model';

/** Decoder state per hypothesis: one hidden vector per layer. */
type HiddenState = Float32Array[];

export function attentionDecoderFor(model: Seq2SeqAttention, srcIds: number[], validLen: number): { init: HiddenState; step: StepFn<HiddenState>; dispose(): void } {
  const { numHiddens: H, numLayers: L } = model.config;
  const kept = tf.tidy(() => {
    const enc = model.encoder.forward(tf.tensor2d([srcIds], [1, srcIds.length], 'int32'), { training: false });
    const st = model.decoder.initState(enc, [validLen]);
    return { init: enc.state.map((s) => Float32Array.from(s.dataSync())), encOutputs: tf.keep(st.encOutputs), projectedKeys: tf.keep(st.projectedKeys) };
  });
  const step: StepFn<HiddenState> = (states, tokens) =>
    tf.tidy(() => {
      const n = states.length;
      const hidden = stackHidden(states, L, H);
      const X = tf.tensor2d(Int32Array.from(tokens), [n, 1], 'int32');
      const state = { encOutputs: tf.tile(kept.encOutputs, [n, 1, 1]) as tf.Tensor3D, projectedKeys: tf.tile(kept.projectedKeys, [n, 1, 1]) as tf.Tensor3D, hidden, validLens: Array(n).fill(validLen) };
      const r = model.decoder.forward(X, state, { training: false });
      const V = r.output.shape[2];
      const Tk = r.attentionWeights.shape[2];
      const logp = tf.logSoftmax(r.output.reshape([n, V])).dataSync() as Float32Array;
      const att = r.attentionWeights.dataSync() as Float32Array;
      const hs = r.state.hidden.map((h) => h.dataSync() as Float32Array);
      return {
        logProbs: Array.from({ length: n }, (_, i) => logp.subarray(i * V, (i + 1) * V)),
        states: Array.from({ length: n }, (_, i) => hs.map((h) => h.slice(i * H, (i + 1) * H))),
        // Past the valid length the weights are exactly 0; the panels show the valid columns only.
        attention: Array.from({ length: n }, (_, i) => att.slice(i * Tk, i * Tk + validLen)),
      };
    });
  return { init: kept.init, step, dispose: () => { kept.encOutputs.dispose(); kept.projectedKeys.dispose(); } };
}
