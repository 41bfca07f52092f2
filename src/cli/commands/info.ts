import { initBackend, type BackendChoice } from '../../core/backend';
import { resolveDataset } from '../../core/data/resolve';
import { DATASETS } from '../../core/data/registry';
import { defineCommand, flag, jsonOption, oneOf } from '../command';
import { cliResolveOptions } from '../corpus-options';

export const infoCommand = defineCommand({
  name: 'info',
  summary: 'Which TensorFlow.js backend runs and where each data set is found.',
  usage: '[--backend auto|node|wasm|cpu] [--json]',
  options: { backend: { type: 'string' }, 'data-dir': { type: 'string' }, ...jsonOption },
  async run(args, io) {
    const backend = await initBackend({ backend: oneOf<BackendChoice>(args, 'backend', ['auto', 'node', 'wasm', 'cpu'], 'auto') });
    const datasets: Record<string, string> = {};
    for (const name of Object.keys(DATASETS) as (keyof typeof DATASETS)[]) {
      try {
        const r = await resolveDataset(name, { ...cliResolveOptions(args), allowDownload: false });
        datasets[name] = `${r.path} (${r.source})`;
      } catch (err) {
        datasets[name] = (err as Error).message;
      }
    }
    if (flag(args, 'json')) return io.out(JSON.stringify({ backend, datasets }));
    io.out(`backend: ${backend.name} (requested ${backend.requested})`);
    for (const n of backend.notes) io.out(`  ${n}`);
    for (const [k, v] of Object.entries(datasets)) io.out(`${k}: ${v}`);
  },
});
