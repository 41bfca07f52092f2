import { DEFAULT_BPE_MERGES, loadCorpusText, makeTokenizer, readTextFile } from '../../core/data/corpus';
import { BpeTokenizer } from '../../core/text/bpe';
import { tokenizeDocument, flattenTokens, type TokenKind, type Tokenizer } from '../../core/text/tokenizer';
import { tokenizeText } from '../../core/text/tokenize-text';
import { Vocab } from '../../core/text/vocab';
import { SeqlabError } from '../../core/util/errors';
import type { PreprocessMode } from '../../core/text/preprocess';
import { count, defineCommand, flag, jsonOption, oneOf, optStr, type ParsedArgs } from '../command';
import { cliResolveOptions, TOKEN_KINDS } from '../corpus-options';

export const tokenizeCommand = defineCommand({
  name: 'tokenize',
  summary: 'Tokens, ids and source offsets of a text or file.',
  usage:
    '--token char|word|bpe (--text S | --file F) [--mode textbook|raw] [--vocab-corpus timemachine|PATH] [--bpe-model FILE.json | --bpe-corpus C --bpe-merges N] [--json]',
  options: {
    token: { type: 'string' },
    text: { type: 'string' },
    file: { type: 'string' },
    mode: { type: 'string' },
    'vocab-corpus': { type: 'string' },
    'bpe-model': { type: 'string' },
    'bpe-corpus': { type: 'string' },
    'bpe-merges': { type: 'string' },
    'data-dir': { type: 'string' },
    ...jsonOption,
  },
  async run(args, io) {
    const token = oneOf<TokenKind>(args, 'token', TOKEN_KINDS, 'char');
    const mode = oneOf<PreprocessMode>(args, 'mode', ['textbook', 'raw'], token === 'bpe' ? 'raw' : 'textbook');
    const textArg = optStr(args, 'text');
    const file = optStr(args, 'file');
    if ((textArg === undefined) === (file === undefined)) throw new SeqlabError('Give exactly one of --text or --file.', 'usage');
    const text = textArg ?? readTextFile(file!);
    if (text.trim() === '') throw new SeqlabError('There is no text to tokenize: the input is empty.', 'empty-input');

    const tokenizer = token === 'bpe' ? await bpeTokenizerArg(args) : makeTokenizer('', { token });
    // Ids come from the vocabulary of a reference corpus so unknown tokens show up as <unk>.
    const vocabCorpus = optStr(args, 'vocab-corpus');
    const vocabSource = vocabCorpus ? await loadCorpusText(vocabCorpus, { ...cliResolveOptions(args), mode }) : { text, mode };
    const vocab = Vocab.build(flattenTokens(tokenizeDocument(vocabSource.text, tokenizer, mode)).map((t) => t.text));
    const r = tokenizeText(text, tokenizer, vocab, mode, { maxChars: Infinity, what: 'the input', rawHint: 'pass --mode raw' });
    if (flag(args, 'json')) {
      return io.out(JSON.stringify({ tokens: r.tokens.map((t) => t.text), ids: r.tokens.map((t) => t.id), offsets: r.tokens.map((t) => [t.start, t.end]), unknown: r.unknownTypes }));
    }
    r.tokens.forEach((t) => io.out(`${String(t.id).padStart(6)}  [${t.start},${t.end})  ${JSON.stringify(t.text)}`));
  },
});

/** A saved BPE model (--bpe-model), or merges learned from --bpe-corpus (default The Time Machine). */
async function bpeTokenizerArg(args: ParsedArgs): Promise<Tokenizer> {
  const model = optStr(args, 'bpe-model');
  if (model) return BpeTokenizer.fromJSON(parseJson(readTextFile(model), model));
  const corpus = await loadCorpusText(optStr(args, 'bpe-corpus') ?? 'timemachine', { ...cliResolveOptions(args), mode: 'raw' });
  return BpeTokenizer.train(corpus.text, count(args, 'bpe-merges', 'bpeMerges', DEFAULT_BPE_MERGES, 0));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SeqlabError(`${what} is not valid JSON.`, 'corrupt');
  }
}
