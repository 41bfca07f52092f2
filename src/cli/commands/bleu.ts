import { bleuDetail, corpusBleu } from '../../core/metrics/bleu';
import { readTextFile } from '../../core/data/corpus';
import { SeqlabError } from '../../core/util/errors';
import { count, defineCommand, flag, jsonOption, optStr } from '../command';

export const bleuCommand = defineCommand({
  name: 'bleu',
  summary: "BLEU as the book defines it (d2l 9.7.4): one prediction against one reference, or two files line by line.",
  usage: '--pred "…" --label "…" [--k 2] [--json]  |  --pred-file F --label-file F [--k 2] [--json]',
  options: {
    pred: { type: 'string' },
    label: { type: 'string' },
    'pred-file': { type: 'string' },
    'label-file': { type: 'string' },
    k: { type: 'string' },
    ...jsonOption,
  },
  async run(args, io) {
    const k = count(args, 'k', 'bleuK', 2);
    const json = flag(args, 'json');
    const predFile = optStr(args, 'pred-file');
    const labelFile = optStr(args, 'label-file');
    const predText = optStr(args, 'pred');
    const labelText = optStr(args, 'label');
    if ((predFile || labelFile) && (predText !== undefined || labelText !== undefined)) {
      throw new SeqlabError('Give either --pred and --label or --pred-file and --label-file, not both.', 'usage');
    }
    if (predFile || labelFile) {
      if (!predFile || !labelFile) throw new SeqlabError('Give both --pred-file and --label-file.', 'usage');
      const lines = (f: string) => readTextFile(f).replace(/\r?\n$/, '').split(/\r?\n/);
      const r = corpusBleu(lines(predFile), lines(labelFile), k);
      if (json) io.out(JSON.stringify({ corpus: r.corpus, meanSentence: r.meanSentence, brevityPenalty: r.brevityPenalty, precisions: r.precisions, sentences: r.sentences.length }));
      else io.out(`corpus BLEU ${r.corpus.toFixed(4)}  (mean sentence BLEU ${r.meanSentence.toFixed(4)} over ${r.sentences.length} pairs)`);
      return;
    }
    const pred = predText;
    const label = labelText;
    if (pred === undefined || label === undefined) throw new SeqlabError('Give --pred and --label (or --pred-file and --label-file).', 'usage');
    const r = bleuDetail(pred, label, k);
    if (json) io.out(JSON.stringify({ bleu: r.score, brevityPenalty: r.brevityPenalty, precisions: r.precisions, predLength: r.predLength, labelLength: r.labelLength }));
    else io.out(r.score.toFixed(4));
  },
});
