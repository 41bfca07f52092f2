import { predictIds } from '../../core/models/predict';
import { loadLMCheckpoint } from '../../core/training/lm-job';
import { SeqlabError } from '../../core/util/errors';
import { count, defineCommand, flag, int, jsonOption, num, oneOf, optCount, str } from '../command';
import { backendOption, initBackendArg } from '../backend-option';

export const generateCommand = defineCommand({
  name: 'generate',
  summary: "Continue a prefix with a trained language model (d2l's predict_ch8): greedy, temperature or top-k sampling.",
  usage: '--checkpoint DIR --prefix "time traveller" --length N [--temperature T] [--top-k K] [--seed S] [--impl fused|scratch|layers] [--backend …] [--json]',
  options: {
    checkpoint: { type: 'string' },
    prefix: { type: 'string' },
    length: { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    seed: { type: 'string' },
    impl: { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    await initBackendArg(args, io);
    const prefix = str(args, 'prefix', 'time traveller');
    const length = count(args, 'length', 'generateLength', 50, 0);
    const temperature = args.values.temperature === undefined ? undefined : num(args, 'temperature');
    const topK = optCount(args, 'top-k', 'topK');
    const impl = args.values.impl === undefined ? undefined : oneOf(args, 'impl', ['scratch', 'fused', 'layers'] as const);
    const lm = loadLMCheckpoint(str(args, 'checkpoint'), { impl });
    try {
      const ids = lm.codec.encode(prefix);
      if (ids.length === 0) throw new SeqlabError('The prefix has no tokens; give at least one character.');
      const out = predictIds(lm.model, ids, length, { temperature, topK, seed: int(args, 'seed', 0) });
      const text = lm.codec.decode(out);
      if (flag(args, 'json')) io.out(JSON.stringify({ prefix, text, tokens: lm.codec.vocab.toTokens(out), epoch: lm.epoch }));
      else io.out(text);
    } finally {
      lm.model.dispose();
    }
  },
});
