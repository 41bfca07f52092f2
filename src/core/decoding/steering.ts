/**
 * Decoding options a translation user steers with, shared by greedy and beam search and by
 * every model: the length penalty of the final score, a minimum length (no `<eos>` before it)
 * and blocking of repeated n-grams. Blocked tokens get log P = −∞ for that hypothesis only.
 */
import { SeqlabError, assertPositiveInt } from '../util/errors';

/**
 * How the final score normalises Σ log P by the length L (`<eos>` counted):
 * - `textbook`: d2l 9.8's (1/L^α) Σ log P (the default, α = 0.75)
 * - `none`: Σ log P as it is (favours short outputs)
 * - `avg`: Σ log P / L, the mean log-probability per token (α ignored)
 * - `wu`: Wu et al. (2016, GNMT): Σ log P / ((5 + L)^α / 6^α)
 */
export const LENGTH_PENALTIES = ['textbook', 'none', 'avg', 'wu'] as const;
export type LengthPenalty = (typeof LENGTH_PENALTIES)[number];

export interface SteeringOptions {
  /** default `textbook` */
  lengthPenalty?: LengthPenalty;
  /** `<eos>` is blocked until this many tokens (not counting `<eos>`) have been generated; default 0 */
  minLen?: number;
  /** block any token that would repeat an n-gram of this size already in the output; 0 (default) = off */
  noRepeatNgram?: number;
}

export function checkSteering(o: SteeringOptions, maxLen: number): void {
  if (o.lengthPenalty !== undefined && !LENGTH_PENALTIES.includes(o.lengthPenalty)) {
    throw new SeqlabError(`The length penalty must be one of ${LENGTH_PENALTIES.join(', ')}, got "${String(o.lengthPenalty)}".`);
  }
  for (const [k, v] of [['min length', o.minLen], ['no-repeat n-gram size', o.noRepeatNgram]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new SeqlabError(`The ${k} must be a whole number of at least 0, got ${v}.`);
  }
  if (o.minLen !== undefined && o.minLen >= maxLen) {
    assertPositiveInt(maxLen, 'maxLen');
    throw new SeqlabError(`The min length (${o.minLen}) must be below the max length (${maxLen}), which counts <eos>.`);
  }
}

/** The length normaliser the final score divides Σ log P by. */
export function lengthNormaliser(length: number, alpha: number, penalty: LengthPenalty = 'textbook'): number {
  if (length <= 0) return 1;
  switch (penalty) {
    case 'none':
      return 1;
    case 'avg':
      return length;
    case 'wu':
      return Math.pow((5 + length) / 6, alpha);
    default:
      return Math.pow(length, alpha);
  }
}

/** Tokens this hypothesis may not produce next: `<eos>` before minLen, and n-gram repeats. */
export function blockedTokens(tokens: readonly number[], eos: number, o: SteeringOptions): number[] {
  const out: number[] = [];
  if (o.minLen && tokens.length < o.minLen) out.push(eos);
  const n = o.noRepeatNgram ?? 0;
  if (n > 0 && tokens.length >= n - 1) {
    const start = tokens.length - (n - 1);
    for (let i = 0; i + n - 1 < tokens.length; i++) {
      let same = true;
      for (let j = 0; j < n - 1 && same; j++) same = tokens[i + j] === tokens[start + j];
      if (same) out.push(tokens[i + n - 1]);
    }
  }
  return out;
}

/** The row with the blocked tokens at −∞ (a copy when anything is blocked, else the row itself). */
export function steerRow(row: ArrayLike<number>, tokens: readonly number[], eos: number, o: SteeringOptions): ArrayLike<number> {
  const blocked = blockedTokens(tokens, eos, o);
  if (blocked.length === 0) return row;
  const copy = Float64Array.from(row as ArrayLike<number>);
  for (const t of blocked) copy[t] = -Infinity;
  return copy;
}
