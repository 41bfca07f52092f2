import { seqDataIter, type Partition } from '../../core/data/batches';
import { parseRangeCorpus } from '../../core/data/corpus';
import { Rng } from '../../core/util/random';
import { count, defineCommand, flag, int, jsonOption, oneOf, str } from '../command';
import { corpusOptions, indexCorpusArg } from '../corpus-options';

export const batchesCommand = defineCommand({
  name: 'batches',
  summary: "Language-model minibatches by the textbook's random or sequential partitioning.",
  usage: '--corpus range:N|timemachine|PATH --partition random|sequential --batch B --steps T [--seed S] [--token char|word] [--json]',
  options: { ...corpusOptions, partition: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, ...jsonOption },
  async run(args, io) {
    const partition = oneOf<Partition>(args, 'partition', ['random', 'sequential'], 'random');
    const spec = str(args, 'corpus', 'range:35');
    const ids = parseRangeCorpus(spec) ?? (await indexCorpusArg(args, 'char')).ids;
    const batches = [...seqDataIter(partition, ids, count(args, 'batch', 'batch', 2), count(args, 'steps', 'steps', 5), new Rng(int(args, 'seed', 0)))];
    if (flag(args, 'json')) return io.out(JSON.stringify(batches));
    for (const b of batches) io.out(`X: ${JSON.stringify(b.X)}\nY: ${JSON.stringify(b.Y)}`);
  },
});
