import type { CellKind } from '../../core/models/cells';
import { hiddenGradientNorms } from '../../core/training/bptt';
import { loadLMCheckpoint } from '../../core/training/lm-job';
import { count, defineCommand, flag, int, jsonOption, num, oneOf, optStr } from '../command';
import { backendOption, initBackendArg } from '../backend-option';
import { corpusOptions, indexCorpusArg } from '../corpus-options';

export const bpttCommand = defineCommand({
  name: 'bptt',
  summary: 'Gradient norm ‖∂L/∂h_t‖ at every time step (d2l 8.7): vanishing and exploding gradients of RNN, GRU and LSTM.',
  usage: '--model rnn|gru|lstm|all [--steps 50] [--hidden 32] [--batch 8] [--init-std S] [--seed S] [--checkpoint DIR] [--corpus timemachine|PATH] [--json]',
  options: {
    ...corpusOptions,
    model: { type: 'string' },
    steps: { type: 'string' },
    hidden: { type: 'string' },
    batch: { type: 'string' },
    'init-std': { type: 'string' },
    seed: { type: 'string' },
    checkpoint: { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    await initBackendArg(args, io);
    const which = oneOf(args, 'model', ['rnn', 'gru', 'lstm', 'all'] as const, 'all');
    const ckptDir = optStr(args, 'checkpoint');
    const lm = ckptDir ? loadLMCheckpoint(ckptDir, { impl: 'scratch' }) : null;
    try {
      const kinds: CellKind[] = lm ? [lm.model.config.kind] : which === 'all' ? ['rnn', 'gru', 'lstm'] : [which];
      // A checkpoint or --corpus feeds real text; otherwise random tokens.
      const ids = lm ? undefined : args.values.corpus ? (await indexCorpusArg(args, 'char')).ids : undefined;
      for (const kind of kinds) {
        const r = hiddenGradientNorms({
          kind,
          steps: count(args, 'steps', 'bpttSteps', 50),
          hidden: count(args, 'hidden', 'bpttHidden', 32),
          batch: count(args, 'batch', 'bpttBatch', 8),
          initStd: args.values['init-std'] === undefined ? undefined : num(args, 'init-std'),
          seed: int(args, 'seed', 0),
          ids,
          model: lm?.model,
        });
        if (flag(args, 'json')) io.out(JSON.stringify({ model: r.kind, steps: r.steps, gradNorms: r.gradNorms, ratio: r.ratio }));
        else io.out(`${r.kind.padEnd(4)} ‖∂L/∂h_1‖ / ‖∂L/∂h_${r.steps}‖ = ${r.ratio.toExponential(2)}  (t=1: ${r.gradNorms[0].toExponential(2)}, t=${r.steps}: ${r.gradNorms[r.steps - 1].toExponential(2)})`);
      }
    } finally {
      lm?.model.dispose();
    }
  },
});
