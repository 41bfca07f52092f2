import type { StepFn } from '../../../src/core/decoding/types';
import { Rng } from '../../../src/core/util/random';

/**
 * A toy "model" for the decoders: the next-token distribution depends on the whole prefix
 * through a seeded hash, so different prefixes really score differently. Vocabulary: 0…V−1,
 * `<eos>` = 1, `<bos>` = V (fed, never produced). State = the prefix. With `sourceLen`, it
 * also returns attention rows: step t (prefix length t) puts weight 1 on source position t mod sourceLen.
 */
export function toyModel(V: number, seed: number, sourceLen?: number): StepFn<number[]> {
  const cache = new Map<string, number[]>();
  return (states, tokens) => {
    const newStates = states.map((s, i) => (tokens[i] === V ? s : [...s, tokens[i]]));
    const logProbs = newStates.map((s) => {
      const key = s.join(',');
      let row = cache.get(key);
      if (!row) {
        let h = seed;
        for (const t of s) h = (Math.imul(h ^ (t + 1), 2654435761) + 0x9e3779b9) >>> 0;
        const rng = new Rng(h);
        const logits = Array.from({ length: V }, () => rng.normal(0, 1.5));
        const m = Math.max(...logits);
        const lse = m + Math.log(logits.reduce((a, x) => a + Math.exp(x - m), 0));
        row = logits.map((x) => x - lse);
        cache.set(key, row);
      }
      return row;
    });
    const attention = sourceLen ? newStates.map((s) => Array.from({ length: sourceLen }, (_, j) => (j === s.length % sourceLen ? 1 : 0))) : undefined;
    return { logProbs, states: newStates, ...(attention ? { attention } : {}) };
  };
}
