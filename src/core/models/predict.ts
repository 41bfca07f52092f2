/**
 * d2l's predict_ch8: warm up the state on a prefix, then emit tokens one at a time, each fed
 * back as the next input. Greedy (argmax, the textbook's choice), temperature or top-k sampling;
 * sampling draws from a seeded Rng so a seed reproduces the text.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqlabError } from '../util/errors';
import { Rng } from '../util/random';
import { disposeState, keepState, type LMState, type RecurrentLM } from './rnn-lm';
import { KernelStepper, stepWeightsOf, supportsKernelGenerate } from './fast-generate';

export interface SampleOptions {
  /** 0 or omitted = greedy (argmax); > 0 = sample from softmax(logits / temperature). */
  temperature?: number;
  /** Sample among the k most likely tokens only (temperature defaults to 1 then). */
  topK?: number;
  /** Seed of the sampler (default 0). */
  seed?: number;
}

export function validateSampleOptions(o: SampleOptions): void {
  if (o.temperature !== undefined && !(Number.isFinite(o.temperature) && o.temperature >= 0)) {
    throw new SeqlabError(`The temperature must be 0 (greedy) or a positive number, got ${o.temperature}.`);
  }
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) throw new SeqlabError(`top-k must be a positive whole number, got ${o.topK}.`);
}

/** Picks the next token id from one row of logits. */
export function sampleToken(logits: ArrayLike<number>, opts: SampleOptions, rng: Rng): number {
  const n = logits.length;
  let temperature = opts.temperature ?? 0;
  if (opts.topK !== undefined && temperature === 0) temperature = 1;
  if (temperature === 0 || opts.topK === 1) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let ids = Array.from({ length: n }, (_, i) => i);
  if (opts.topK !== undefined && opts.topK < n) ids = ids.sort((a, b) => logits[b] - logits[a] || a - b).slice(0, opts.topK);
  let max = -Infinity;
  for (const i of ids) max = Math.max(max, logits[i]);
  const p = ids.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = p.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let j = 0; j < ids.length; j++) {
    u -= p[j];
    if (u < 0) return ids[j];
  }
  return ids[ids.length - 1];
}

/**
 * How predictIds runs the model: 'kernel' = the fused recurrent kernel directly on raw arrays,
 * no tfjs op per character (./fast-generate.ts; fused implementation, one direction only);
 * 'tfjs' = RecurrentLM.forward per character; 'auto' (default) = 'kernel' whenever the model
 * supports it, else 'tfjs'. Both give the same tokens.
 */
export type GenerateEngine = 'auto' | 'kernel' | 'tfjs';

/** Logits [V] after feeding `ids` (state carried between calls), or nothing when `logits` is false. */
type Stepper = { feed(ids: number[], logits: boolean): Float32Array | null; dispose(): void };

function tfjsStepper(model: RecurrentLM): Stepper {
  let state: LMState = model.beginState(1);
  return {
    feed(ids, logits) {
      let next: LMState | undefined;
      const last = tf.tidy(() => {
        const X = tf.tensor2d(ids.map((i) => [i]), [ids.length, 1], 'int32');
        const out = model.forward(X, state);
        next = keepState(out.state);
        return out.logits.slice([ids.length - 1, 0], [1, -1]);
      });
      disposeState(state);
      state = next!;
      const data = logits ? (last.dataSync() as Float32Array) : null;
      last.dispose();
      return data;
    },
    dispose: () => disposeState(state),
  };
}

function kernelStepper(model: RecurrentLM): Stepper {
  const s = new KernelStepper(stepWeightsOf(model));
  return { feed: (ids, logits) => s.feed(ids, logits), dispose: () => undefined };
}

/**
 * Returns the prefix ids followed by `numPreds` predicted ids (d2l's `outputs`). The prefix
 * needs at least one token.
 */
export function predictIds(model: RecurrentLM, prefix: readonly number[], numPreds: number, opts: SampleOptions = {}, engine: GenerateEngine = 'auto'): number[] {
  if (prefix.length === 0) throw new SeqlabError('The prefix must have at least one token.');
  if (!Number.isInteger(numPreds) || numPreds < 0) throw new SeqlabError(`The length must be a whole number ≥ 0, got ${numPreds}.`);
  validateSampleOptions(opts);
  const fast = engine === 'kernel' || (engine === 'auto' && supportsKernelGenerate(model));
  if (fast && !supportsKernelGenerate(model)) throw new SeqlabError('Kernel generation needs a fused, unidirectional model.');
  const rng = new Rng(opts.seed ?? 0);
  const outputs = [...prefix];
  const stepper = fast ? kernelStepper(model) : tfjsStepper(model);
  try {
    // Warm-up: all prefix tokens but the last update the state; their outputs are ignored.
    if (prefix.length > 1) stepper.feed(prefix.slice(0, -1) as number[], false);
    for (let i = 0; i < numPreds; i++) outputs.push(sampleToken(stepper.feed([outputs[outputs.length - 1]], true)!, opts, rng));
  } finally {
    stepper.dispose();
  }
  return outputs;
}
