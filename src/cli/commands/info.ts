import { resolveDataset } from '../../core/data/resolve';
import { selectKernelPath } from '../../core/kernels';
import { DATASETS } from '../../core/data/registry';
import { defineCommand, flag, jsonOption } from '../command';
import { backendOption, initBackendArg } from '../backend-option';
import { cliResolveOptions } from '../corpus-options';

export const infoCommand = defineCommand({
  name: 'info',
  summary: 'Which TensorFlow.js backend and recurrent-kernel path run, and where each data set is found.',
  usage: '[--backend auto|node|wasm|cpu] [--json]',
  options: { ...backendOption, 'data-dir': { type: 'string' }, ...jsonOption },
  async run(args, io) {
    const backend = await initBackendArg(args);
    const kernel = await selectKernelPath();
    const datasets: Record<string, string> = {};
    for (const name of Object.keys(DATASETS) as (keyof typeof DATASETS)[]) {
      try {
        const r = await resolveDataset(name, { ...cliResolveOptions(args), allowDownload: false });
        datasets[name] = `${r.path} (${r.source})`;
      } catch (err) {
        datasets[name] = (err as Error).message;
      }
    }
    if (flag(args, 'json')) return io.out(JSON.stringify({ backend, kernel, datasets }));
    io.out(`backend: ${backend.name} (requested ${backend.requested})`);
    if (backend.fallback) io.out(`  fallback: ${backend.fallback}`);
    for (const n of backend.notes) io.out(`  ${n}`);
    io.out(`recurrent kernel: ${kernel.path} (available: ${kernel.available.join(', ')})`);
    for (const n of kernel.notes) io.out(`  ${n}`);
    for (const [k, v] of Object.entries(datasets)) io.out(`${k}: ${v}`);
  },
});
