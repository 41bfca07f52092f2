/**
 * The seq2seq model behind the decoders' StepFn (d2l 9.7's decoder, one step at a time): the
 * encoder runs once per sentence on tfjs (its final states are the first hypothesis' state and
 * the top one the fixed context); each step then decodes a batch of hypotheses on raw arrays —
 * [embedding of the last token, context] through the GRU stack and the dense layer — with the
 * kernels' GRU and dense ops, the calls Seq2SeqDecoder.forward makes through tfjs (../decoder-step.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { StepFn } from '../../decoding/types';
import { bufferPool } from '../../kernels/buffer-pool';
import type { IncrementalDecoder } from '../encoder-decoder';
import { decoderArrays, embedRows, gruStep, outputScores, type HiddenState } from '../decoder-step';
import type { Seq2Seq } from './model';

export function seq2seqDecoderFor(model: Seq2Seq, srcIds: readonly number[]): IncrementalDecoder<HiddenState> {
  const { embedSize: E, numHiddens: H, numLayers: L } = model.config;
  const init = tf.tidy(() => {
    const enc = model.encoder.forward(tf.tensor2d([[...srcIds]], [1, srcIds.length], 'int32'), { training: false });
    return enc.state.map((s) => Float32Array.from(s.dataSync()));
  });
  const context = init[L - 1];
  const w = decoderArrays(model.decoder);
  let held: Float32Array | undefined;
  const step: StepFn<HiddenState> = (states, tokens, want) => {
    bufferPool.give(held);
    const n = states.length;
    // The context goes with every step's input, after the embedding (the book's torch.cat((X, context), 2)).
    const input = new Float32Array(n * (E + H));
    embedRows(w, tokens, input, E + H, 0);
    for (let i = 0; i < n; i++) input.set(context, i * (E + H) + E);
    const r = gruStep(w, input, states);
    const { logits, ...scores } = outputScores(w, r.top, n, want);
    held = logits;
    return { ...scores, states: r.states };
  };
  return { init, step, dispose: () => {} };
}
