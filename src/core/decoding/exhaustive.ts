import { assertPositiveInt } from '../util/errors';
import { DEFAULT_ALPHA, compareHypotheses, finalScore, type DecodeOptions, type Hypothesis, type StepFn } from './types';

/**
 * Exhaustive search (d2l 9.8.2): scores every output sequence up to maxLen — each one that
 * ends in `<eos>` and each that reaches maxLen — and returns them best first. O(|Y|^maxLen):
 * only for checking beam search on toy vocabularies.
 */
export function exhaustiveSearch<S>(step: StepFn<S>, init: S, opts: DecodeOptions): Hypothesis[] {
  assertPositiveInt(opts.maxLen, 'maxLen');
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const out: Hypothesis[] = [];
  const visit = (tokens: number[], logProb: number, state: S, last: number): void => {
    const r = step([state], [last]);
    // a copy: the recursion below calls step again, which may reuse the row's buffer
    const row = Float64Array.from(r.logProbs[0]);
    for (let v = 0; v < row.length; v++) {
      const lp = logProb + row[v];
      if (v === opts.eos) {
        out.push({ tokens, logProb: lp, length: tokens.length + 1, score: finalScore(lp, tokens.length + 1, alpha), finished: true });
      } else if (tokens.length + 1 === opts.maxLen) {
        out.push({ tokens: [...tokens, v], logProb: lp, length: opts.maxLen, score: finalScore(lp, opts.maxLen, alpha), finished: false });
      } else {
        visit([...tokens, v], lp, r.states[0], v);
      }
    }
  };
  visit([], 0, init, opts.bos);
  return out.sort(compareHypotheses);
}
