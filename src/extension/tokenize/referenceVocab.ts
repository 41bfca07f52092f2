/**
 * The vocabulary Tokenize Selection looks ids up in. By default the textbook's: built from
 * The Time Machine with the same tokenizer (for BPE, merges learned from it too), so a
 * student sees which of their tokens the textbook's model would call <unk>. Built on the
 * compute thread (BPE merges take seconds) and cached.
 */
import type { CorpusText } from '../../core/data/corpus';
import { BpeTokenizer } from '../../core/text/bpe';
import type { PreprocessMode } from '../../core/text/preprocess';
import { charTokenizer, wordTokenizer, type TokenKind, type Tokenizer } from '../../core/text/tokenizer';
import { Vocab } from '../../core/text/vocab';
import { compute } from '../compute/client';

export interface Reference {
  tokenizer: Tokenizer;
  vocab: Vocab;
  label: string;
}

const cache = new Map<string, Promise<Reference>>();

async function build(corpus: CorpusText, token: TokenKind, bpeMerges: number, label: string): Promise<Reference> {
  const r = await compute().run('reference', { corpus, token, bpeMerges });
  const tokenizer = token === 'bpe' ? BpeTokenizer.fromJSON(r.bpe) : token === 'char' ? charTokenizer : wordTokenizer;
  return { tokenizer, vocab: Vocab.fromJSON(r.vocab), label };
}

export function corpusReference(corpus: CorpusText, token: TokenKind, bpeMerges: number, label: string): Promise<Reference> {
  const key = `${corpus.name}|${corpus.mode}|${token}|${bpeMerges}`;
  let r = cache.get(key);
  if (!r) {
    r = build(corpus, token, bpeMerges, label);
    cache.set(key, r);
    r.catch(() => cache.delete(key));
  }
  return r;
}

/** The text's own vocabulary: every token known, ids by frequency in the text. */
export function documentReference(text: string, token: TokenKind, mode: PreprocessMode, bpeMerges: number): Promise<Reference> {
  return build({ name: 'selection', text, mode }, token, bpeMerges, 'selection’s own');
}
