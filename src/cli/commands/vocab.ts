import { defineCommand, flag, jsonOption, optStr } from '../command';
import { corpusOptions, indexCorpusArg } from '../corpus-options';

export const vocabCommand = defineCommand({
  name: 'vocab',
  summary: "The textbook's vocabulary of a corpus in index order, with counts.",
  usage: '--corpus timemachine|fra-eng|PATH --token char|word|bpe [--min-freq N] [--reserved a,b] [--json]',
  options: { ...corpusOptions, reserved: { type: 'string' }, ...jsonOption },
  async run(args, io) {
    const reserved = (optStr(args, 'reserved') ?? '').split(',').filter(Boolean);
    const { vocab } = await indexCorpusArg(args, 'word', reserved);
    if (flag(args, 'json')) return io.out(JSON.stringify({ idxToToken: vocab.idxToToken, counts: vocab.counts }));
    vocab.idxToToken.forEach((t, i) => io.out(`${String(i).padStart(6)}  ${JSON.stringify(t)}  ${vocab.counts[i]}`));
  },
});
