import { SeqlabError } from '../util/errors';
import type { Token, Tokenizer } from './tokenizer';

/**
 * Byte-pair encoding (d2l 14.6's idea, trainable on any corpus). Text is first cut into
 * chunks (a word with its leading space, a number, a punctuation run, white space) that
 * merges never cross; base symbols are code points, and a code point never seen in
 * training falls back to its UTF-8 bytes written `<0xNN>`, so any text round-trips.
 */
export interface BpeJSON {
  kind: 'bpe';
  alphabet: string[];
  merges: [string, string][];
}

const CHUNK_RE = / ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+/gu;
const BYTE_RE = /^<0x([0-9A-F]{2})>$/;

export function chunksOf(text: string): { text: string; start: number }[] {
  return [...text.matchAll(CHUNK_RE)].map((m) => ({ text: m[0], start: m.index! }));
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  private readonly alphabet: Set<string>;
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  constructor(alphabet: Iterable<string>, readonly merges: [string, string][]) {
    this.alphabet = new Set(alphabet);
    merges.forEach(([a, b], i) => this.ranks.set(pairKey(a, b), i));
  }

  /** Learns `numMerges` merges from a text, most frequent pair first (ties: first seen). */
  static train(text: string, numMerges: number): BpeTokenizer {
    if (!Number.isInteger(numMerges) || numMerges < 0) throw new SeqlabError(`The number of BPE merges must be a whole number ≥ 0, got ${numMerges}.`);
    const chunkCounts = new Map<string, number>();
    for (const c of chunksOf(text)) chunkCounts.set(c.text, (chunkCounts.get(c.text) ?? 0) + 1);
    const words = [...chunkCounts.entries()].map(([w, count]) => ({ symbols: [...w], count }));
    const alphabet = new Set<string>();
    for (const w of words) for (const s of w.symbols) alphabet.add(s);
    const merges: [string, string][] = [];
    for (let m = 0; m < numMerges; m++) {
      const pairs = new Map<string, number>();
      for (const w of words) {
        for (let i = 0; i + 1 < w.symbols.length; i++) {
          const k = pairKey(w.symbols[i], w.symbols[i + 1]);
          pairs.set(k, (pairs.get(k) ?? 0) + w.count);
        }
      }
      let best: string | undefined;
      let bestCount = 1; // a pair seen once gains nothing
      for (const [k, c] of pairs) if (c > bestCount) [best, bestCount] = [k, c];
      if (best === undefined) break;
      const [a, b] = splitKey(best);
      merges.push([a, b]);
      for (const w of words) w.symbols = mergePair(w.symbols, a, b);
    }
    return new BpeTokenizer(alphabet, merges);
  }

  static fromJSON(json: unknown): BpeTokenizer {
    const j = json as Partial<BpeJSON> | null;
    const ok =
      j?.kind === 'bpe' &&
      Array.isArray(j.alphabet) &&
      Array.isArray(j.merges) &&
      j.merges.every((m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string');
    if (!ok) throw new SeqlabError('The BPE model is not valid (it needs kind "bpe", an alphabet and a list of merges).', 'corrupt');
    return new BpeTokenizer(j.alphabet as string[], j.merges as [string, string][]);
  }

  toJSON(): BpeJSON {
    return { kind: 'bpe', alphabet: [...this.alphabet], merges: this.merges };
  }

  tokenizeLine(line: string): Token[] {
    const out: Token[] = [];
    for (const chunk of chunksOf(line)) {
      let pos = chunk.start;
      for (const piece of this.encodeChunk(chunk.text)) {
        // A byte-fallback token covers its whole code point; the next byte of the same
        // code point gets the same span, so highlighting stays on character boundaries.
        const byte = BYTE_RE.test(piece);
        const width = byte ? codePointWidthAt(line, pos) : piece.length;
        out.push({ text: piece, start: pos, end: pos + width });
        if (!byte || isLastByte(line, pos, out)) pos += width;
      }
    }
    return out;
  }

  /** Inverse of tokenization: concatenates pieces, turning byte tokens back into UTF-8. */
  decode(pieces: readonly string[]): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) out += new TextDecoder().decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const p of pieces) {
      const m = BYTE_RE.exec(p);
      if (m) bytes.push(parseInt(m[1], 16));
      else {
        flush();
        out += p;
      }
    }
    flush();
    return out;
  }

  private encodeChunk(chunk: string): string[] {
    const cached = this.cache.get(chunk);
    if (cached) return cached;
    let symbols: string[] = [];
    for (const ch of chunk) {
      if (this.alphabet.has(ch)) symbols.push(ch);
      else for (const b of new TextEncoder().encode(ch)) symbols.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    }
    for (;;) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(pairKey(symbols[i], symbols[i + 1]));
        if (r !== undefined && r < bestRank) [bestRank, bestAt] = [r, i];
      }
      if (bestAt < 0) break;
      const [a, b] = this.merges[bestRank];
      symbols = mergePair(symbols, a, b);
    }
    if (this.cache.size < 100_000) this.cache.set(chunk, symbols);
    return symbols;
  }
}

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;
const splitKey = (k: string) => k.split('\u0000') as [string, string];

function mergePair(symbols: string[], a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(a + b);
      i++;
    } else out.push(symbols[i]);
  }
  return out;
}

function codePointWidthAt(s: string, pos: number): number {
  const cp = s.codePointAt(pos);
  return cp !== undefined && cp > 0xffff ? 2 : 1;
}

/** True when the byte token just pushed is the last UTF-8 byte of the code point at `pos`. */
function isLastByte(line: string, pos: number, out: Token[]): boolean {
  const cp = line.codePointAt(pos) ?? 0;
  const total = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  let run = 0;
  for (let i = out.length - 1; i >= 0 && out[i].start === pos && BYTE_RE.test(out[i].text); i--) run++;
  return run >= total;
}
