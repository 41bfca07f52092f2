import { setDefaultResolveOptions } from '../../core/training/lm-data';
import { createJob, Run } from '../../core/training/run';
import type { RunEvent } from '../../protocol/training';
import '../../core/training/jobs';
import { INITIALIZERS, LANGUAGE_MODEL_NAMES } from '../../core/models/registry';
import { IMPLS } from '../../core/models/recurrent/strategy';
import { defineCommand, flag, int, jsonOption, num, oneOf, optStr, str, type ParsedArgs } from '../command';
import { backendOption, initBackendArg } from '../backend-option';
import { cliResolveOptions, corpusOptions, TOKEN_KINDS } from '../corpus-options';

/** Only the options given on the command line, so a resume keeps the checkpoint's values. */
function lmConfigFromArgs(args: ParsedArgs): Record<string, unknown> {
  const has = (k: string) => args.values[k] !== undefined;
  const c: Record<string, unknown> = { job: 'lm' };
  const put = (key: string, opt: string, read: () => unknown) => {
    if (has(opt)) c[key] = read();
  };
  put('corpus', 'corpus', () => str(args, 'corpus'));
  put('token', 'token', () => oneOf(args, 'token', TOKEN_KINDS));
  put('mode', 'mode', () => oneOf(args, 'mode', ['textbook', 'raw']));
  put('minFreq', 'min-freq', () => int(args, 'min-freq'));
  put('bpeMerges', 'bpe-merges', () => int(args, 'bpe-merges'));
  put('dataDirectory', 'data-dir', () => str(args, 'data-dir'));
  put('maxTokens', 'max-tokens', () => int(args, 'max-tokens'));
  put('split', 'split', () => num(args, 'split'));
  put('model', 'model', () => oneOf(args, 'model', LANGUAGE_MODEL_NAMES));
  put('impl', 'impl', () => oneOf(args, 'impl', IMPLS));
  put('init', 'init', () => oneOf(args, 'init', INITIALIZERS));
  put('layers', 'layers', () => int(args, 'layers'));
  if (flag(args, 'bidirectional')) c.bidirectional = true;
  put('hidden', 'hidden', () => int(args, 'hidden'));
  put('embedding', 'embedding', () => int(args, 'embedding'));
  put('batch', 'batch', () => int(args, 'batch'));
  put('steps', 'steps', () => int(args, 'steps'));
  put('lr', 'lr', () => num(args, 'lr'));
  put('epochs', 'epochs', () => int(args, 'epochs'));
  put('partition', 'partition', () => oneOf(args, 'partition', ['sequential', 'random']));
  put('optimizer', 'optimizer', () => oneOf(args, 'optimizer', ['sgd', 'adam']));
  put('clip', 'clip', () => num(args, 'clip'));
  put('truncation', 'truncation', () => oneOf(args, 'truncation', ['full', 'fixed', 'random']));
  put('truncK', 'trunc-k', () => int(args, 'trunc-k'));
  put('seed', 'seed', () => int(args, 'seed'));
  put('samplePrefix', 'prefix', () => str(args, 'prefix'));
  put('sampleLength', 'sample-length', () => int(args, 'sample-length'));
  put('checkpointEvery', 'checkpoint-every', () => int(args, 'checkpoint-every'));
  return c;
}

export const trainLmCommand = defineCommand({
  name: 'train-lm',
  summary: 'Train a recurrent language model (RNN, GRU, LSTM; deep, bidirectional) the way d2l chapter 8–9 does.',
  usage:
    '--corpus timemachine|PATH --token char|word --model rnn|gru|lstm [--impl fused|scratch|layers] [--init d2l|pytorch] [--layers L] [--bidirectional] ' +
    '--hidden H --batch B --steps T --lr LR --epochs E --partition sequential|random --clip C --seed S [--optimizer sgd|adam] ' +
    '[--truncation full|fixed|random --trunc-k K] [--split 0.9] [--max-tokens N] [--embedding E] [--prefix TEXT] ' +
    '[--out DIR [--resume] [--checkpoint-every N]] [--backend auto|node|wasm|cpu] [--json]',
  options: {
    ...corpusOptions,
    model: { type: 'string' },
    impl: { type: 'string' },
    init: { type: 'string' },
    layers: { type: 'string' },
    bidirectional: { type: 'boolean' },
    hidden: { type: 'string' },
    embedding: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
    partition: { type: 'string' },
    optimizer: { type: 'string' },
    clip: { type: 'string' },
    truncation: { type: 'string' },
    'trunc-k': { type: 'string' },
    seed: { type: 'string' },
    split: { type: 'string' },
    'max-tokens': { type: 'string' },
    prefix: { type: 'string' },
    'sample-length': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    const json = flag(args, 'json');
    const out = optStr(args, 'out');
    const resume = flag(args, 'resume');
    const config = lmConfigFromArgs(args);
    const backend = await initBackendArg(args);
    setDefaultResolveOptions(cliResolveOptions(args));
    const { job, epoch, history } = await createJob({ config, checkpointDir: out, resume });
    if (!json) io.err(`training on the ${backend.name} backend (${job.computation?.() ?? 'default computation'})${resume ? `, resuming after epoch ${epoch}` : ''}`);
    let lastSample: { prefix: string; text: string } | undefined;
    const emit = (e: RunEvent) => {
      if (e.type === 'metrics') {
        const line = { epoch: e.epoch, perplexity: e.perplexity, valPerplexity: e.valPerplexity, tokensPerSecond: Math.round(e.tokensPerSecond), loss: e.loss, elapsedMs: Math.round(e.elapsedMs) };
        if (json) io.out(JSON.stringify(line));
        else {
          const val = e.valPerplexity === null ? '' : `  valid ${e.valPerplexity.toFixed(2)}`;
          io.out(`epoch ${e.epoch}  perplexity ${e.perplexity!.toFixed(2)}${val}  ${Math.round(e.tokensPerSecond).toLocaleString('en-US')} tokens/s`);
        }
      } else if (e.type === 'sample') {
        lastSample = { prefix: e.prefix, text: e.text };
        if (!json && (e.epoch % 10 === 0 || e.epoch === job.epochs)) io.out(`  ${e.text}`);
      } else if (e.type === 'checkpoint' && !json) {
        io.err(`  checkpoint: ${e.dir} (epoch ${e.epoch})`);
      }
    };
    const run = new Run(job, { runId: 'cli', checkpointDir: out, startEpoch: epoch, history, emit });
    const onAbort = () => run.stop();
    io.signal.addEventListener('abort', onAbort);
    try {
      const reason = await run.execute();
      const last = run.history.at(-1);
      if (json) {
        io.out(JSON.stringify({ done: reason, epoch: run.epoch, perplexity: last?.perplexity ?? null, valPerplexity: last?.valPerplexity ?? null, sample: lastSample?.text ?? null, prefix: lastSample?.prefix ?? null, checkpoint: out ?? null }));
      } else if (reason === 'stopped') {
        io.err(`stopped during epoch ${run.epoch + 1}; ${out ? `the checkpoint in ${out} holds epoch ${run.epoch - (run.epoch % Math.max(1, job.checkpointEvery))}` : 'nothing was saved (no --out)'}.`);
      }
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      job.dispose();
    }
  },
});
