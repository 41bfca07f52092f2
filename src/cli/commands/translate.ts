import { loadTranslator } from '../../core/translation/mt-checkpoint';
import { SeqlabError } from '../../core/util/errors';
import { count, defineCommand, flag, jsonOption, num, optCount, str } from '../command';
import { backendOption, initBackendArg } from '../backend-option';

export const translateCommand = defineCommand({
  name: 'translate',
  summary: 'Translate sentences with a trained translator: greedy or beam search, with scores, unknown words and the search tree.',
  usage: '--checkpoint DIR [--beam K] [--alpha A] [--max-len N] [--tree [--tree-children N]] [--backend auto|node|wasm|cpu] [--json] "go ." ["…" …]',
  positionals: true,
  options: {
    checkpoint: { type: 'string' },
    beam: { type: 'string' },
    alpha: { type: 'string' },
    'max-len': { type: 'string' },
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
      alpha: num(args, 'alpha', 0.75),
      maxLen: optCount(args, 'max-len', 'maxLen'),
      tree: flag(args, 'tree'),
      treeChildren: optCount(args, 'tree-children', 'treeChildren'),
    };
    await initBackendArg(args, io);
    const translator = loadTranslator(dir);
    for (const sentence of args.positionals) {
      const r = translator.translate(sentence, opts);
      if (flag(args, 'json')) {
        io.out(JSON.stringify({ sentence, ...r }));
        continue;
      }
      const marked = r.source.map((t, i) => (r.unknown.some((u) => u.index === i) ? `[${t}?]` : t)).join(' ');
      io.out(`${marked}${r.truncated ? ' (truncated)' : ''}`);
      r.translations.forEach((t, i) => io.out(`  ${i + 1}. ${t.text || "(empty)"}  (score ${t.score.toFixed(3)}${t.finished ? '' : ', no <eos>'})`));
      if (r.tree) io.out(`  search tree: ${r.tree.nodes.length} nodes (--json prints them)`);
    }
  },
});
