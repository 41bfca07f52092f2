import { loadTranslator } from '../../core/translation/mt-checkpoint';
import { LENGTH_PENALTIES } from '../../core/decoding/steering';
import { alignmentLine } from '../../core/translation/attention/alignment';
import { SeqlabError } from '../../core/util/errors';
import { count, defineCommand, flag, jsonOption, num, oneOf, optCount, str } from '../command';
import { backendOption, initBackendArg } from '../backend-option';
import { kernelNote, selectKernelPath } from '../../core/kernels';

export const translateCommand = defineCommand({
  name: 'translate',
  summary: 'Translate sentences with a trained translator: greedy or beam search with length penalties, min length, n-gram blocking and replace_unk; scores, unknown words, attention weights and the search tree.',
  usage:
    '--checkpoint DIR [--beam K] [--n-best N] [--alpha A] [--length-penalty textbook|none|avg|wu] [--min-len N] [--max-len N] [--no-repeat-ngram N] ' +
    '[--replace-unk] [--attention] [--tree [--tree-children N]] [--backend auto|node|wasm|cpu] [--json] "go ." ["…" …]',
  positionals: true,
  options: {
    checkpoint: { type: 'string' },
    beam: { type: 'string' },
    'n-best': { type: 'string' },
    alpha: { type: 'string' },
    'length-penalty': { type: 'string' },
    'min-len': { type: 'string' },
    'max-len': { type: 'string' },
    'no-repeat-ngram': { type: 'string' },
    'replace-unk': { type: 'boolean' },
    attention: { type: 'boolean' },
    tree: { type: 'boolean' },
    'tree-children': { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    const dir = str(args, 'checkpoint');
    if (args.positionals.length === 0) throw new SeqlabError('Give a sentence to translate, e.g. seqlab translate --checkpoint DIR "go ."', 'usage');
    const opts = {
      beam: count(args, 'beam', 'beam', 1),
      nBest: optCount(args, 'n-best', 'beam'),
      alpha: num(args, 'alpha', 0.75),
      lengthPenalty: oneOf(args, 'length-penalty', LENGTH_PENALTIES, 'textbook'),
      minLen: optCount(args, 'min-len', 'maxLen', 0),
      maxLen: optCount(args, 'max-len', 'maxLen'),
      noRepeatNgram: optCount(args, 'no-repeat-ngram', 'bleuK'),
      replaceUnk: flag(args, 'replace-unk'),
      attention: flag(args, 'attention'),
      tree: flag(args, 'tree'),
      treeChildren: optCount(args, 'tree-children', 'treeChildren'),
    };
    await initBackendArg(args, io);
    // decoding steps on the kernels' GRU and dense ops: the fastest compiled path, as training picks
    // it (at a 17,851-word vocabulary beam 4 is ~2 s on the TypeScript reference, ~40 ms on native)
    const kernel = await selectKernelPath();
    if (kernel.path === 'ts') io.err(`seqlab: warning: decoding on the TypeScript kernel (slow at a large vocabulary): ${kernelNote() || 'no compiled kernel loaded'}`);
    const translator = loadTranslator(dir);
    for (const sentence of args.positionals) {
      const r = translator.translate(sentence, opts);
      if (flag(args, 'json')) {
        io.out(JSON.stringify({ sentence, ...r }));
        continue;
      }
      const marked = r.source.map((t, i) => (r.unknown.some((u) => u.index === i) ? `[${t}?]` : t)).join(' ');
      io.out(`${marked}${r.truncated ? ' (truncated)' : ''}`);
      r.translations.forEach((t, i) => {
        io.out(`  ${i + 1}. ${t.text || '(empty)'}  (score ${t.score.toFixed(3)}${t.finished ? '' : ', no <eos>'})`);
        if (t.attention) io.out(`     attends: ${alignmentLine(t)}`);
      });
      for (const note of r.notes) io.out(`  note: ${note}`);
      if (r.tree) io.out(`  search tree: ${r.tree.nodes.length} nodes (--json prints them)`);
    }
  },
});
