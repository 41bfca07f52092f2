import { sineExperiment } from '../../core/models/sine-mlp';
import { count, defineCommand, flag, int, jsonOption, num } from '../command';
import { backendOption, initBackendArg } from '../backend-option';

export const sineCommand = defineCommand({
  name: 'sine',
  summary: 'The d2l 8.1 autoregressive MLP on the noisy sine: training loss and k-step prediction errors.',
  usage: '[--tau 4] [--epochs 5] [--lr 0.01] [--seed S] [--series] [--backend …] [--json]',
  options: { tau: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' }, series: { type: 'boolean' }, ...backendOption, ...jsonOption },
  async run(args, io) {
    await initBackendArg(args, io);
    const r = sineExperiment({ tau: count(args, 'tau', 'tau', 4), epochs: count(args, 'epochs', 'sineEpochs', 5), lr: num(args, 'lr', 0.01), seed: int(args, 'seed', 0) });
    const summary = { tau: r.tau, trainMse: r.trainMse, onestepMse: r.onestepMse, multistepMse: r.multistepMse, kStepMse: r.kStepMse, losses: r.losses };
    if (flag(args, 'json')) {
      // --series adds every curve (for plotting); the summary alone is a few numbers.
      io.out(JSON.stringify(flag(args, 'series') ? { ...summary, x: r.x, onestep: r.onestep, multistep: r.multistep, kStep: r.kStep } : summary));
      return;
    }
    r.losses.forEach((l, i) => io.out(`epoch ${i + 1}, loss: ${l.toFixed(6)}`));
    io.out(`1-step MSE ${r.onestepMse.toFixed(4)}; multi-step from t = 604: MSE ${r.multistepMse.toFixed(4)}`);
    for (const [k, v] of Object.entries(r.kStepMse)) io.out(`${k}-step MSE ${v.toFixed(4)}`);
  },
});
