/**
 * The data of a language-model run: d2l's load_corpus_time_machine for the configured corpus
 * and tokenizer, plus the codec that turns a prefix into ids and predictions back into text.
 */
import { loadCorpusText, indexCorpus } from '../data/corpus';
import type { ResolveOptions } from '../data/resolve';
import { splitCorpus } from '../data/batches';
import { BpeTokenizer } from '../text/bpe';
import { preprocessLine, type PreprocessMode } from '../text/preprocess';
import { wordTokenizer, type TokenKind, type Tokenizer } from '../text/tokenizer';
import { Vocab } from '../text/vocab';
import type { LMConfig } from './lm-config';

/** Prefix ↔ ids for one vocabulary and tokenizer. */
export class TextCodec {
  constructor(
    readonly vocab: Vocab,
    readonly token: TokenKind,
    readonly mode: PreprocessMode,
    readonly bpe: BpeTokenizer | null = null,
  ) {}

  /**
   * Tokens of a prefix. Characters keep one token per character typed (so the heatmap lines up
   * with the text), folded like the textbook's preprocessing: ASCII letters lower-cased, other
   * characters outside the vocabulary become a space. Words and BPE are preprocessed first.
   */
  tokenize(text: string): string[] {
    if (this.token === 'char') {
      if (this.mode === 'raw') return [...text];
      return [...text].map((ch) => (/^[A-Za-z]$/.test(ch) ? ch.toLowerCase() : this.vocab.has(ch) ? ch : ' '));
    }
    const tokenizer: Tokenizer = this.token === 'bpe' ? this.bpe! : wordTokenizer;
    return tokenizer.tokenizeLine(preprocessLine(text, this.mode)).map((t) => t.text);
  }

  /** Ids of a prefix; unknown tokens become <unk> (id 0). */
  encode(text: string): number[] {
    return this.vocab.toIndices(this.tokenize(text));
  }

  /** Text of ids, joined as the tokenizer splits: chars directly, words by spaces, BPE by its decoder. */
  decode(ids: readonly number[]): string {
    const tokens = this.vocab.toTokens(ids);
    if (this.token === 'char') return tokens.join('');
    if (this.token === 'bpe') return this.bpe!.decode(tokens);
    return tokens.join(' ');
  }
}

export interface LMData {
  codec: TextCodec;
  /** All token ids (after maxTokens). */
  ids: number[];
  train: number[];
  valid: number[];
}

let defaultResolve: ResolveOptions = {};

/** Where jobs look for data sets when a config names none (the CLI sets its cache and bundle folders). */
export function setDefaultResolveOptions(opts: ResolveOptions): void {
  defaultResolve = opts;
}

export async function loadLMData(config: LMConfig, resolve: ResolveOptions = defaultResolve): Promise<LMData> {
  const corpus = await loadCorpusText(config.corpus, { ...resolve, dataDirectory: config.dataDirectory ?? resolve.dataDirectory, mode: config.mode });
  const indexed = indexCorpus(corpus, { token: config.token, minFreq: config.minFreq, bpeMerges: config.bpeMerges, maxTokens: config.maxTokens });
  const bpe = indexed.tokenizer instanceof BpeTokenizer ? indexed.tokenizer : null;
  const { train, valid } = splitCorpus(indexed.ids, config.split);
  return { codec: new TextCodec(indexed.vocab, config.token, config.mode, bpe), ids: indexed.ids, train, valid };
}
