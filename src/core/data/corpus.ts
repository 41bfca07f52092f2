import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { SeqlabError } from '../util/errors';
import { assertWithinLimit } from '../util/limits';
import { BpeTokenizer } from '../text/bpe';
import { firstInvalidUtf8 } from '../text/utf8';
import type { PreprocessMode } from '../text/preprocess';
import { charTokenizer, flattenTokens, tokenizeDocument, wordTokenizer, type TokenKind, type Tokenizer, type TokenizedLine } from '../text/tokenizer';
import { Vocab } from '../text/vocab';
import { isDatasetName } from './registry';
import { resolveDataset, type ResolveOptions } from './resolve';

/** Files above this are refused with a message rather than read into memory. */
export const MAX_CORPUS_BYTES = 50 * 1024 * 1024;

export interface CorpusText {
  /** `timemachine`, `fra-eng`, or the file's path. */
  name: string;
  text: string;
  /** Preprocessing that fits the source: the textbook's for its data sets and plain prose. */
  mode: PreprocessMode;
}

/**
 * Reads a corpus named on the command line or in a picker: a data set name
 * (`timemachine`, `fra-eng` = its English side, `fra-eng:fr` = its French side) or a path.
 */
export async function loadCorpusText(spec: string, opts: ResolveOptions & { mode?: PreprocessMode } = {}): Promise<CorpusText> {
  const [base, side] = spec.split(':');
  if (isDatasetName(base)) {
    const { path } = await resolveDataset(base, opts);
    let text = readTextFile(path);
    if (base === 'fra-eng') {
      const col = side === 'fr' ? 1 : 0;
      text = text
        .split('\n')
        .map((l) => l.split('\t')[col] ?? '')
        .join('\n');
    }
    return { name: spec, text, mode: opts.mode ?? 'textbook' };
  }
  return { name: spec, text: readTextFile(spec), mode: opts.mode ?? 'textbook' };
}

/** Reads a UTF-8 text file, refusing missing, binary, huge or empty files with one clear sentence. */
export function readTextFile(path: string, maxBytes = MAX_CORPUS_BYTES): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new SeqlabError(`${path} is a folder, not a text file.`, 'bad-file');
    size = st.size;
  } catch (err) {
    if (err instanceof SeqlabError) throw err;
    throw new SeqlabError(`The file ${path} does not exist or cannot be read.`, 'missing-file');
  }
  if (size > maxBytes) {
    throw new SeqlabError(`${path} is ${(size / 1048576).toFixed(1)} MB; Seqlab reads text files up to ${maxBytes / 1048576} MB.`, 'too-large');
  }
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(size);
  try {
    readSync(fd, buf, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  assertText(buf, path);
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Refuses what is not UTF-8 text, over the whole buffer: a NUL byte anywhere (binary), or any
 * byte that is not valid UTF-8, named by its offset.
 */
export function assertText(buf: Uint8Array, what: string): void {
  if (buf.includes(0)) throw new SeqlabError(`${what} looks like a binary file, not text (it contains a NUL byte at offset ${buf.indexOf(0)}).`, 'binary-file');
  const bad = firstInvalidUtf8(buf);
  if (bad >= 0) {
    const hex = buf[bad].toString(16).toUpperCase().padStart(2, '0');
    throw new SeqlabError(`${what} is not UTF-8 text: the byte 0x${hex} at offset ${bad.toLocaleString('en-US')} is not valid UTF-8; convert the file to UTF-8 first (e.g. iconv -f latin1 -t utf-8).`, 'not-utf8');
  }
}

export interface TokenizerOptions {
  token: TokenKind;
  /** For BPE: a trained model, or the number of merges to learn from the text itself. */
  bpe?: BpeTokenizer;
  bpeMerges?: number;
}

export function makeTokenizer(text: string, opts: TokenizerOptions): Tokenizer {
  switch (opts.token) {
    case 'char':
      return charTokenizer;
    case 'word':
      return wordTokenizer;
    case 'bpe':
      return opts.bpe ?? BpeTokenizer.train(text, opts.bpeMerges ?? DEFAULT_BPE_MERGES);
    default:
      throw new SeqlabError(`Unknown tokenizer "${String(opts.token)}"; use char, word or bpe.`);
  }
}

export const DEFAULT_BPE_MERGES = 500;

export interface TokenStream {
  lines: TokenizedLine[];
  /** Every line's tokens concatenated: d2l's corpus order. */
  tokens: string[];
  tokenizer: Tokenizer;
}

export function tokenStream(corpus: CorpusText, opts: TokenizerOptions): TokenStream {
  const tokenizer = makeTokenizer(corpus.text, opts);
  const lines = tokenizeDocument(corpus.text, tokenizer, corpus.mode);
  const tokens = flattenTokens(lines).map((t) => t.text);
  if (tokens.length === 0) throw new SeqlabError(`The corpus ${corpus.name} has no tokens after preprocessing.`, 'empty-corpus');
  return { lines, tokens, tokenizer };
}

export interface IndexedCorpus extends TokenStream {
  vocab: Vocab;
  /** Token indices, d2l's `corpus`. */
  ids: number[];
}

/** d2l's load_corpus_time_machine, for any corpus and tokenizer. */
export function indexCorpus(corpus: CorpusText, opts: TokenizerOptions & { minFreq?: number; maxTokens?: number; reserved?: string[] }): IndexedCorpus {
  const stream = tokenStream(corpus, opts);
  const vocab = Vocab.build(stream.tokens, { minFreq: opts.minFreq, reserved: opts.reserved });
  let ids = vocab.toIndices(stream.tokens);
  if (opts.maxTokens && opts.maxTokens > 0) ids = ids.slice(0, opts.maxTokens);
  return { ...stream, vocab, ids };
}

/** `range:N` is the textbook's toy corpus 0…N−1 for showing how partitioning works. */
export function parseRangeCorpus(spec: string): number[] | undefined {
  const m = /^range:(.*)$/.exec(spec);
  if (!m) return undefined;
  // Any number is a range (range:1e12 is a too-large range, not a file called "range:1e12").
  const n = Number(m[1]);
  if (m[1].trim() === '' || !Number.isInteger(n) || n < 2) throw new SeqlabError(`A range corpus needs a whole number of at least 2 tokens (range:N with N ≥ 2), got "${m[1]}".`, 'usage');
  assertWithinLimit('rangeTokens', n, `range:${m[1]}`);
  return Array.from({ length: n }, (_, i) => i);
}
