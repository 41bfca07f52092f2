import { exportLMFiles } from '../../core/interop/lm-files';
import { defineCommand, flag, jsonOption, str } from '../command';
import { backendOption, initBackendArg } from '../backend-option';
import { cliResolveOptions } from '../corpus-options';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write a language-model run for PyTorch: model.safetensors with PyTorch names, vocab.json, corpus.txt and a standalone train.py (torchrun-ready).',
  usage: '--checkpoint DIR --out DIR [--data-dir DIR] [--json]',
  options: {
    checkpoint: { type: 'string' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    await initBackendArg(args);
    const r = await exportLMFiles(str(args, 'checkpoint'), str(args, 'out'), cliResolveOptions(args));
    if (flag(args, 'json')) io.out(JSON.stringify(r));
    else io.out(`Wrote ${r.files.join(', ')} to ${r.out} (${r.tensors} tensors). Continue with: python3 ${r.out}/train.py --epochs N, or torchrun --nproc_per_node=2 ${r.out}/train.py`);
  },
});
