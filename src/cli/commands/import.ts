import { importModelFiles, IMPORT_KINDS } from '../../core/interop/import-model';
import { GRU_VARIANTS } from '../../core/kernels/types';
import { defineCommand, flag, int, jsonOption, oneOf, str } from '../command';
import { backendOption, initBackendArg } from '../backend-option';

export const importCommand = defineCommand({
  name: 'import',
  summary: "Turn a PyTorch model saved with safetensors (d2l's RNNModel or Seq2Seq) and its vocabulary into a Seqlab checkpoint.",
  usage: '--weights model.safetensors --vocab vocab.json --kind rnn|gru|lstm|seq2seq [--layers L] [--bidirectional] [--variant pytorch|d2l] [--tgt-vocab tgt.json] --out DIR [--json]',
  options: {
    weights: { type: 'string' },
    vocab: { type: 'string' },
    'tgt-vocab': { type: 'string' },
    kind: { type: 'string' },
    layers: { type: 'string' },
    bidirectional: { type: 'boolean' },
    variant: { type: 'string' },
    out: { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    await initBackendArg(args);
    const r = importModelFiles({
      weights: str(args, 'weights'),
      vocab: str(args, 'vocab'),
      tgtVocab: args.values['tgt-vocab'] === undefined ? undefined : str(args, 'tgt-vocab'),
      kind: oneOf(args, 'kind', IMPORT_KINDS),
      out: str(args, 'out'),
      layers: args.values.layers === undefined ? undefined : int(args, 'layers'),
      bidirectional: flag(args, 'bidirectional') ? true : undefined,
      variant: args.values.variant === undefined ? undefined : oneOf(args, 'variant', GRU_VARIANTS),
    });
    if (flag(args, 'json')) io.out(JSON.stringify(r));
    else io.out(`Imported ${r.summary} into ${r.out}.${r.note ? ` ${r.note}` : ''}`);
  },
});
