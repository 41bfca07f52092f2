// n-gram language-model speed: build + evaluate n = 1…5 (ε = 1, split 0.9) on The Time Machine
// (char, word) and the whole fra-eng English side (word). Run: npm run bench:ngram
// Needs SEQLAB_DATA_DIR (or the data cache). Figures only; nothing here is asserted.
import { indexCorpus, loadCorpusText } from '../src/core/data/corpus';
import { NgramCounts, NgramModel, splitForNgrams } from '../src/core/ngram';
import type { TokenKind } from '../src/core/text/tokenizer';

const CASES: { corpus: string; token: TokenKind }[] = [
  { corpus: 'timemachine', token: 'char' },
  { corpus: 'timemachine', token: 'word' },
  { corpus: 'fra-eng', token: 'word' },
];

const ms = (t0: number) => `${(performance.now() - t0).toFixed(0).padStart(6)} ms`;

async function main(): Promise<void> {
  const dataDirectory = process.env.SEQLAB_DATA_DIR;
  for (const { corpus, token } of CASES) {
    let t0 = performance.now();
    const c = indexCorpus(await loadCorpusText(corpus, { dataDirectory, allowDownload: false }), { token });
    const { train, valid } = splitForNgrams(c.ids, 0.9);
    console.log(`\n${corpus} ${token}: ${c.ids.length} tokens (${train.length} train / ${valid.length} eval), read + tokenize ${ms(t0)}`);
    for (let n = 1; n <= 5; n++) {
      t0 = performance.now();
      const counts = NgramCounts.build(train, n);
      const build = ms(t0);
      t0 = performance.now();
      const ppl = NgramModel.fromCounts(counts, { n, epsilon: 1 }).perplexity(valid);
      const evaluate = ms(t0);
      console.log(
        `  n=${n}  build ${build}  evaluate ${evaluate}  perplexity ${ppl.toFixed(2).padStart(9)}  (m = ${counts.vocabSize}, ${counts.distinctNgrams} distinct k-grams)`,
      );
    }
    const rss = process.memoryUsage().rss / 1048576;
    console.log(`  rss ${rss.toFixed(0)} MB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
