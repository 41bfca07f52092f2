import { BpeTokenizer } from '../../core/text/bpe';
import { preprocessLine, type PreprocessMode } from '../../core/text/preprocess';
import type { Tokenizer } from '../../core/text/tokenizer';
import { DEFAULT_EPSILON, DEFAULT_SPLIT, NgramModel, assertEpsilon, assertOrder, splitForNgrams } from '../../core/ngram';
import { SeqlabError } from '../../core/util/errors';
import { Rng } from '../../core/util/random';
import { defineCommand, flag, int, jsonOption, num, oneOf, optCount, optStr } from '../command';
import { corpusOptions, indexCorpusArg } from '../corpus-options';

export const ngramLmCommand = defineCommand({
  name: 'ngram-lm',
  summary: 'Laplace-smoothed n-gram language model (textbook 8.3): validation perplexity and sampling.',
  usage:
    '--corpus timemachine|fra-eng|PATH --token char|word|bpe --n N [--epsilon E] [--split S] [--generate K --prefix P --seed S] [--min-freq N] [--mode textbook|raw] [--json]',
  options: {
    ...corpusOptions,
    n: { type: 'string' },
    epsilon: { type: 'string' },
    split: { type: 'string' },
    generate: { type: 'string' },
    prefix: { type: 'string' },
    seed: { type: 'string' },
    ...jsonOption,
  },
  async run(args, io) {
    // Read the numbers first so a typo fails before the corpus is loaded.
    const n = int(args, 'n', 3);
    const epsilon = num(args, 'epsilon', DEFAULT_EPSILON);
    const split = num(args, 'split', DEFAULT_SPLIT);
    assertOrder(n);
    assertEpsilon(epsilon);
    if (!(split > 0 && split <= 1)) throw new SeqlabError(`--split must be in (0, 1], got ${split}.`, 'usage');
    const generate = optCount(args, 'generate', 'ngramGenerate', 0);
    const prefix = optStr(args, 'prefix') ?? '';
    const seed = int(args, 'seed', 0);
    const mode = oneOf<PreprocessMode>(args, 'mode', ['textbook', 'raw'], 'textbook');

    const corpus = await indexCorpusArg(args, 'char');
    const { train, valid } = splitForNgrams(corpus.ids, split);
    const model = NgramModel.fit(train, { n, epsilon, unk: corpus.vocab.unk });
    const result: Record<string, unknown> = {
      n,
      epsilon,
      vocabSize: model.vocabSize,
      trainTokens: train.length,
      evalTokens: valid.length,
      perplexity: model.perplexity(valid),
    };
    if (generate !== undefined) {
      const prefixTokens = corpus.tokenizer.tokenizeLine(preprocessLine(prefix, mode)).map((t) => t.text);
      const generated = model.sample(corpus.vocab.toIndices(prefixTokens), generate, new Rng(seed));
      result.sample = detokenize(corpus.tokenizer, [...prefixTokens, ...corpus.vocab.toTokens(generated)]);
    }
    if (flag(args, 'json')) return io.out(JSON.stringify(result));
    io.out(
      `${n}-gram model, ε = ${epsilon}: perplexity ${(result.perplexity as number).toFixed(3)} on ${valid.length} held-out tokens ` +
        `(trained on ${train.length} tokens, vocabulary ${model.vocabSize}).`,
    );
    if (result.sample !== undefined) io.out(`sample: ${result.sample as string}`);
  },
});

function detokenize(tokenizer: Tokenizer, tokens: string[]): string {
  if (tokenizer instanceof BpeTokenizer) return tokenizer.decode(tokens);
  return tokens.join(tokenizer.kind === 'word' ? ' ' : '');
}
