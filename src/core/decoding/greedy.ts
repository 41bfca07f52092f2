import { SeqlabError, assertPositiveInt } from '../util/errors';
import { DEFAULT_ALPHA, finalScore, type DecodeOptions, type Hypothesis, type StepFn } from './types';
import { checkSteering, steerRow } from './steering';
import { bestOf } from './beam';

const out0 = (attention: number[][]) => (attention.length ? { attention } : {});

/** Index of the largest entry; the first one on ties (like torch.argmax). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/**
 * Greedy search (d2l's predict_seq2seq): feed `<bos>`, take the most likely token each step,
 * stop at `<eos>` or after maxLen steps. Blocked tokens (./steering.ts) are skipped.
 */
export function greedySearch<S>(step: StepFn<S>, init: S, opts: DecodeOptions): Hypothesis {
  assertPositiveInt(opts.maxLen, 'maxLen');
  checkSteering(opts, opts.maxLen);
  const tokens: number[] = [];
  const attention: number[][] = [];
  let state = init;
  let token = opts.bos;
  let logProb = 0;
  let finished = false;
  for (let t = 0; t < opts.maxLen; t++) {
    const out = step([state], [token], { best: 1 });
    const raw = out.logProbs[0];
    if (!raw || raw.length === 0) throw new SeqlabError('The model returned no probabilities to decode from.', 'internal');
    const row = steerRow(raw, tokens, opts.eos, opts);
    if (out.attention) attention.push(Array.from(out.attention[0]));
    token = row === raw ? bestOf(out.best, 0, 1)?.[0] ?? argmax(row) : argmax(row);
    logProb += row[token];
    state = out.states[0];
    if (token === opts.eos) {
      finished = true;
      break;
    }
    tokens.push(token);
  }
  const length = tokens.length + (finished ? 1 : 0);
  return { tokens, logProb, length, score: finalScore(logProb, length, opts.alpha ?? DEFAULT_ALPHA, opts.lengthPenalty), finished, ...(out0(attention)) };
}
