import { corpusStats } from '../../core/text/stats';
import { defineCommand, flag, int, jsonOption } from '../command';
import { corpusOptions, indexCorpusArg } from '../corpus-options';

export const corpusStatsCommand = defineCommand({
  name: 'corpus-stats',
  summary: 'Line, token and type counts, top tokens, n-gram tables and Zipf fits of a corpus.',
  usage: '--corpus timemachine|fra-eng|PATH --token char|word|bpe [--min-freq N] [--top K] [--mode textbook|raw] [--json]',
  options: { ...corpusOptions, top: { type: 'string' }, ...jsonOption },
  async run(args, io) {
    const top = int(args, 'top', 10);
    const c = await indexCorpusArg(args, 'word');
    const stats = corpusStats(c.lines.length, c.tokens, 3);
    const result = {
      lines: stats.lines,
      tokens: stats.tokens,
      vocabSize: c.vocab.size,
      top: stats.ngrams['1'].counts.slice(0, top),
      ngrams: Object.fromEntries(Object.entries(stats.ngrams).map(([n, t]) => [n, t.counts.slice(0, top)])),
      zipf: Object.fromEntries(Object.entries(stats.ngrams).map(([n, t]) => [n, { slope: t.zipf.slope, r2: t.zipf.r2 }])),
    };
    if (flag(args, 'json')) return io.out(JSON.stringify(result));
    io.out(`lines ${result.lines}  tokens ${result.tokens}  vocabulary ${result.vocabSize}`);
    for (const [n, rows] of Object.entries(result.ngrams)) {
      io.out(`\n${n}-grams (Zipf slope ${result.zipf[n].slope.toFixed(3)}, R² ${result.zipf[n].r2.toFixed(3)})`);
      for (const [g, count] of rows) io.out(`  ${String(count).padStart(7)}  ${g}`);
    }
  },
});
