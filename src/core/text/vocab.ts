import { SeqlabError } from '../util/errors';

export const UNK = '<unk>';

export interface VocabJSON {
  idxToToken: string[];
  counts: number[];
  minFreq: number;
  reserved: string[];
}

/**
 * d2l's Vocab: `<unk>` at 0, the reserved tokens next, then tokens by descending
 * frequency, ties in first-seen order (Python's stable sort over a Counter), stopping
 * at the first below `minFreq`.
 */
export class Vocab {
  readonly idxToToken: string[];
  readonly counts: number[];
  private readonly tokenToIdx = new Map<string, number>();
  /** Where `<unk>` is: 0 in Seqlab's and d2l 0.17's vocabularies, elsewhere in d2l 1.0's sorted ones. */
  private readonly unkId: number;

  private constructor(idxToToken: string[], counts: number[], readonly minFreq: number, readonly reserved: string[]) {
    this.idxToToken = idxToToken;
    this.counts = counts;
    idxToToken.forEach((t, i) => {
      if (this.tokenToIdx.has(t)) throw new SeqlabError(`The vocabulary lists "${t}" twice.`, 'corrupt');
      this.tokenToIdx.set(t, i);
    });
    this.unkId = this.tokenToIdx.get(UNK) ?? 0;
  }

  static build(tokens: Iterable<string> | Iterable<string>[], opts: { minFreq?: number; reserved?: string[] } = {}): Vocab {
    const minFreq = opts.minFreq ?? 0;
    const reserved = opts.reserved ?? [];
    const freq = countTokens(tokens);
    const sorted = [...freq.entries()].sort((a, b) => b[1] - a[1]);
    const idxToToken = [UNK, ...reserved.filter((t) => t !== UNK)];
    const counts = idxToToken.map((t) => freq.get(t) ?? 0);
    const seen = new Set(idxToToken);
    let unkCount = counts[0];
    for (const [token, count] of sorted) {
      if (count < minFreq) {
        unkCount += count;
        continue;
      }
      if (!seen.has(token)) {
        seen.add(token);
        idxToToken.push(token);
        counts.push(count);
      }
    }
    counts[0] = unkCount;
    return new Vocab(idxToToken, counts, minFreq, reserved);
  }

  static fromJSON(json: unknown): Vocab {
    const j = json as Partial<VocabJSON> | null;
    if (!j || !Array.isArray(j.idxToToken) || !j.idxToToken.every((t) => typeof t === 'string') || !j.idxToToken.includes(UNK)) {
      throw new SeqlabError('The vocabulary file is not a Seqlab vocabulary (it needs idxToToken with <unk>).', 'corrupt');
    }
    const counts = Array.isArray(j.counts) && j.counts.length === j.idxToToken.length ? j.counts.map(Number) : j.idxToToken.map(() => 0);
    return new Vocab([...j.idxToToken], counts, Number(j.minFreq ?? 0), Array.isArray(j.reserved) ? [...j.reserved] : []);
  }

  toJSON(): VocabJSON {
    return { idxToToken: this.idxToToken, counts: this.counts, minFreq: this.minFreq, reserved: this.reserved };
  }

  get size(): number {
    return this.idxToToken.length;
  }

  get unk(): number {
    return this.unkId;
  }

  has(token: string): boolean {
    return this.tokenToIdx.has(token);
  }

  indexOf(token: string): number {
    return this.tokenToIdx.get(token) ?? this.unkId;
  }

  toIndices(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.indexOf(t));
  }

  toTokens(indices: readonly number[]): string[] {
    return indices.map((i) => {
      const t = this.idxToToken[i];
      if (t === undefined) throw new SeqlabError(`Index ${i} is outside the vocabulary of ${this.size} tokens.`);
      return t;
    });
  }
}

/** Counts tokens (flattening one level of nesting, like d2l's count_corpus); Map keeps first-seen order. */
export function countTokens(tokens: Iterable<string> | Iterable<string>[]): Map<string, number> {
  const freq = new Map<string, number>();
  for (const item of tokens as Iterable<string | Iterable<string>>) {
    if (typeof item === 'string') freq.set(item, (freq.get(item) ?? 0) + 1);
    else for (const t of item) freq.set(t, (freq.get(t) ?? 0) + 1);
  }
  return freq;
}
