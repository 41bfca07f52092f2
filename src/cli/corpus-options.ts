import { join } from 'node:path';
import { homedir } from 'node:os';
import { DEFAULT_BPE_MERGES, indexCorpus, loadCorpusText, type CorpusText, type IndexedCorpus } from '../core/data/corpus';
import type { PreprocessMode } from '../core/text/preprocess';
import type { TokenKind } from '../core/text/tokenizer';
import type { ResolveOptions } from '../core/data/resolve';
import { count, oneOf, optStr, str, type ParsedArgs } from './command';

/** Options shared by every command that reads a corpus. */
export const corpusOptions = {
  corpus: { type: 'string' },
  token: { type: 'string' },
  mode: { type: 'string' },
  'min-freq': { type: 'string' },
  'bpe-merges': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const TOKEN_KINDS = ['char', 'word', 'bpe'] as const;

/** The CLI's data folders: --data-dir / SEQLAB_DATA_DIR, the package's data-bundle, the user cache. */
export function cliResolveOptions(args: ParsedArgs): ResolveOptions {
  return {
    dataDirectory: optStr(args, 'data-dir'),
    bundledDirectory: join(__dirname, '..', 'data-bundle'),
    cacheDirectory: process.env.SEQLAB_CACHE_DIR || join(homedir(), '.cache', 'seqlab', 'data'),
    allowDownload: process.env.SEQLAB_OFFLINE !== '1',
  };
}

export async function readCorpusArg(args: ParsedArgs, fallback = 'timemachine'): Promise<CorpusText> {
  const mode = oneOf<PreprocessMode>(args, 'mode', ['textbook', 'raw'], 'textbook');
  return loadCorpusText(str(args, 'corpus', fallback), { ...cliResolveOptions(args), mode });
}

export async function indexCorpusArg(args: ParsedArgs, fallbackToken: TokenKind = 'char', reserved: string[] = []): Promise<IndexedCorpus> {
  const corpus = await readCorpusArg(args);
  return indexCorpus(corpus, {
    token: oneOf(args, 'token', TOKEN_KINDS, fallbackToken),
    minFreq: count(args, 'min-freq', 'minFreq', 0, 0),
    bpeMerges: count(args, 'bpe-merges', 'bpeMerges', DEFAULT_BPE_MERGES, 0),
    reserved,
  });
}
