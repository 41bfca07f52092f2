/**
 * Tokens of a text with their spans in the original text, their ids in a reference
 * vocabulary, and which of them that vocabulary does not know (they map to <unk>, id 0).
 * Serves the editor's Tokenize Selection and `seqlab tokenize`.
 */
import type { PreprocessMode } from './preprocess';
import { flattenTokens, tokenizeDocument, type Tokenizer } from './tokenizer';
import type { Vocab } from './vocab';
import { SeqlabError } from '../util/errors';

export interface TokenInfo {
  text: string;
  /** Offsets into the tokenized text (UTF-16, end exclusive). */
  start: number;
  end: number;
  id: number;
  unknown: boolean;
}

export interface TokenizeResult {
  tokens: TokenInfo[];
  unknown: number;
  /** Distinct unknown tokens, first-seen order. */
  unknownTypes: string[];
}

/** Editors above this many characters are refused: decorating more would stall the UI. */
export const MAX_TOKENIZE_CHARS = 2_000_000;

export interface TokenizeTextOptions {
  /** refuse longer texts (default MAX_TOKENIZE_CHARS; Infinity for none) */
  maxChars?: number;
  /** what the text is, for the messages (default "the selection (or document)") */
  what?: string;
  /** how the caller asks for raw preprocessing, for the message when nothing is left (default the VS Code setting) */
  rawHint?: string;
}

export function tokenizeText(text: string, tokenizer: Tokenizer, vocab: Vocab, mode: PreprocessMode, opts: TokenizeTextOptions = {}): TokenizeResult {
  const max = opts.maxChars ?? MAX_TOKENIZE_CHARS;
  if (text.trim().length === 0) throw new SeqlabError(`There is nothing to tokenize: ${opts.what ?? 'the selection (or document)'} is empty.`, 'empty-input');
  if (text.length > max) {
    throw new SeqlabError(`The text has ${text.length.toLocaleString('en-US')} characters; Tokenize Selection handles up to ${max.toLocaleString('en-US')} — select a part of it.`, 'too-large');
  }
  if (text.includes('\u0000')) throw new SeqlabError('The text looks binary (it contains NUL characters); open a text file.', 'binary-file');
  const tokens = flattenTokens(tokenizeDocument(text, tokenizer, mode)).map((t) => {
    const known = vocab.has(t.text) && vocab.indexOf(t.text) !== vocab.unk;
    return { text: t.text, start: t.start, end: t.end, id: known ? vocab.indexOf(t.text) : vocab.unk, unknown: !known };
  });
  if (tokens.length === 0) {
    throw new SeqlabError(
      mode === 'textbook'
        ? `The text has no tokens after the textbook preprocessing (it keeps only letters A–Z); ${opts.rawHint ?? 'set seqlab.tokenize.preprocess to "raw"'} for other text.`
        : 'The text has no tokens.',
      'empty-input',
    );
  }
  const unknownTypes = [...new Set(tokens.filter((t) => t.unknown).map((t) => t.text))];
  return { tokens, unknown: tokens.filter((t) => t.unknown).length, unknownTypes };
}

/** A one-line summary for the notification and the output channel. */
export function summarize(r: TokenizeResult, kind: string, vocabLabel: string): string {
  const types = new Set(r.tokens.map((t) => t.text)).size;
  const unk = r.unknown ? `, ${r.unknown} unknown to the ${vocabLabel} vocabulary (${r.unknownTypes.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}${r.unknownTypes.length > 5 ? ', …' : ''})` : `, none unknown to the ${vocabLabel} vocabulary`;
  return `${r.tokens.length.toLocaleString('en-US')} ${kind} tokens (${types} distinct)${unk}.`;
}
