import { preprocessMapped, splitLines, type PreprocessMode } from './preprocess';

/** One token with its span in the source text (UTF-16 offsets, end exclusive). */
export interface Token {
  text: string;
  start: number;
  end: number;
}

export type TokenKind = 'char' | 'word' | 'bpe';

/**
 * Everything that turns text into tokens: char, word and BPE share this so the CLI,
 * the statistics and the editor decorations treat them alike.
 */
export interface Tokenizer {
  readonly kind: TokenKind;
  /** Tokens of one already-preprocessed line, offsets relative to that line. */
  tokenizeLine(line: string): Token[];
}

export const charTokenizer: Tokenizer = {
  kind: 'char',
  tokenizeLine(line) {
    const out: Token[] = [];
    // Iterate by code point so a surrogate pair stays one token.
    let i = 0;
    for (const ch of line) {
      out.push({ text: ch, start: i, end: i + ch.length });
      i += ch.length;
    }
    return out;
  },
};

/** Textbook mode leaves only letters and single spaces, so this is d2l's `line.split()`;
 * on raw text it also separates punctuation, which is what code and French need. */
const WORD_RE = /[\p{L}\p{N}_']+|[^\s\p{L}\p{N}_']/gu;
export const wordTokenizer: Tokenizer = {
  kind: 'word',
  tokenizeLine(line) {
    const out: Token[] = [];
    for (const m of line.matchAll(WORD_RE)) {
      out.push({ text: m[0], start: m.index!, end: m.index! + m[0].length });
    }
    return out;
  },
};

export interface TokenizedLine {
  /** The preprocessed line. */
  text: string;
  tokens: Token[];
}

/**
 * Tokenizes a whole document line by line, as d2l's `tokenize(lines, token)` does, with
 * offsets mapped back through preprocessing into the original document.
 */
export function tokenizeDocument(
  source: string,
  tokenizer: Tokenizer,
  mode: PreprocessMode = 'textbook',
): TokenizedLine[] {
  return splitLines(source).map(({ line, offset }) => {
    const mapped = preprocessMapped(line, mode, offset);
    const tokens = tokenizer.tokenizeLine(mapped.text).map((t) => ({
      text: t.text,
      start: mapped.start[t.start],
      end: mapped.end[t.end - 1],
    }));
    return { text: mapped.text, tokens };
  });
}

/** All tokens of a document in order: d2l's corpus is every line's tokens concatenated. */
export function flattenTokens(lines: TokenizedLine[]): Token[] {
  const out: Token[] = [];
  for (const l of lines) for (const t of l.tokens) out.push(t);
  return out;
}
