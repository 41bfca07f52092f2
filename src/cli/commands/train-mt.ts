import { bleu } from '../../core/metrics/bleu';
import { Run } from '../../core/training/run';
import type { EpochMetrics, RunEvent } from '../../protocol/training';
import { hasCheckpoint, readCheckpoint } from '../../core/training/checkpoint';
import { resolveMtConfig, MT_PRESETS, TEXTBOOK_SENTENCES } from '../../core/translation/mt-config';
import { readMtFiles } from '../../core/translation/mt-checkpoint';
import { TRANSLATOR_NAMES } from '../../core/translation/registry';
import { createMtJob, loadMtJob, readPairsText } from '../../core/translation/mt-job';
import { SeqlabError } from '../../core/util/errors';
import { disposeKernels, kernelInfo } from '../../core/kernels';
import { defineCommand, flag, int, jsonOption, num, oneOf, str, type ParsedArgs } from '../command';
import { backendOption, initBackendArg } from '../backend-option';
import { cliResolveOptions } from '../corpus-options';

function mtConfigFromArgs(args: ParsedArgs): Record<string, unknown> {
  const c: Record<string, unknown> = { job: 'mt' };
  const put = (key: string, opt: string, read: () => unknown) => {
    if (args.values[opt] !== undefined) c[key] = read();
  };
  put('preset', 'preset', () => oneOf(args, 'preset', Object.keys(MT_PRESETS)));
  put('pairs', 'pairs', () => str(args, 'pairs'));
  put('model', 'model', () => oneOf(args, 'model', TRANSLATOR_NAMES));
  put('numExamples', 'num-examples', () => (str(args, 'num-examples') === 'all' ? null : int(args, 'num-examples')));
  put('numSteps', 'steps', () => int(args, 'steps'));
  put('embedSize', 'embed', () => int(args, 'embed'));
  put('numHiddens', 'hidden', () => int(args, 'hidden'));
  put('numLayers', 'layers', () => int(args, 'layers'));
  put('dropout', 'dropout', () => num(args, 'dropout'));
  put('lr', 'lr', () => num(args, 'lr'));
  put('epochs', 'epochs', () => int(args, 'epochs'));
  put('batchSize', 'batch', () => int(args, 'batch'));
  put('seed', 'seed', () => int(args, 'seed'));
  put('validFraction', 'valid', () => num(args, 'valid'));
  put('evalEvery', 'eval-every', () => int(args, 'eval-every'));
  put('checkpointEvery', 'checkpoint-every', () => int(args, 'checkpoint-every'));
  put('dataDirectory', 'data-dir', () => str(args, 'data-dir'));
  return c;
}

export const trainMtCommand = defineCommand({
  name: 'train-mt',
  summary: "Train the book's GRU encoder–decoder (d2l 9.5–9.7) or its Bahdanau attention model (--model attention, d2l 10.4) on English–French pairs and save a translator.",
  usage:
    `--pairs fra-eng|PATH [--model ${TRANSLATOR_NAMES.join('|')}] [--preset ${Object.keys(MT_PRESETS).join('|')}] [--num-examples N|all] [--steps T] [--embed E] [--hidden H] [--layers L] ` +
    '[--dropout D] [--lr LR] [--epochs N] [--batch B] [--seed S] [--valid FRACTION] [--eval-every N] --out DIR [--resume] ' +
    '[--checkpoint-every N] [--backend auto|node|wasm|cpu] [--json]',
  options: {
    pairs: { type: 'string' },
    preset: { type: 'string' },
    model: { type: 'string' },
    'num-examples': { type: 'string' },
    steps: { type: 'string' },
    embed: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    dropout: { type: 'string' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    valid: { type: 'string' },
    'eval-every': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    ...backendOption,
    'data-dir': { type: 'string' },
    ...jsonOption,
  },
  async run(args, io) {
    const json = flag(args, 'json');
    const out = str(args, 'out');
    const resume = flag(args, 'resume');
    const raw = mtConfigFromArgs(args);
    const backend = await initBackendArg(args);
    const resolve = cliResolveOptions(args);
    let job;
    let startEpoch = 0;
    let history: EpochMetrics[] = [];
    if (resume) {
      if (!hasCheckpoint(out)) throw new SeqlabError(`There is no checkpoint to resume in ${out}.`, 'checkpoint');
      const files = readMtFiles(out);
      const epochs = raw.epochs as number | undefined;
      job = await loadMtJob(out, await readPairsText(files.config.pairs, resolve), { epochs });
      startEpoch = files.epoch ?? 0;
      history = readCheckpoint(out, 'mt').history;
    } else {
      if (hasCheckpoint(out)) throw new SeqlabError(`${out} already holds a checkpoint; pass --resume to continue it or choose another --out folder.`, 'checkpoint');
      const config = resolveMtConfig(raw);
      job = await createMtJob(config, await readPairsText(config.pairs, resolve));
    }
    const t = job.trainer;
    if (!json) {
      io.err(`training ${t.config.model === 'attention' ? 'Bahdanau attention (d2l 10.4)' : 'seq2seq (d2l 9.7)'} on the ${backend.name} backend (recurrent kernel: ${kernelInfo().path}): ${t.data.source.length} pairs (${t.trainRows.length} train, ${t.validRows.length} held out), vocabularies ${t.data.srcVocab.size}/${t.data.tgtVocab.size}${resume ? `, resuming after epoch ${startEpoch}` : ''}`);
    }
    const started = performance.now();
    const emit = (e: RunEvent) => {
      if (e.type === 'metrics') {
        const line = { epoch: e.epoch, loss: e.loss, tokenLoss: e.extra?.tokenLoss ?? null, bleu: e.extra?.bleu ?? null, tokensPerSecond: Math.round(e.tokensPerSecond), elapsedMs: Math.round(e.elapsedMs) };
        if (json) io.out(JSON.stringify(line));
        else if (e.epoch % 10 === 0 || e.epoch === job.epochs || e.extra?.bleu != null) {
          const b = e.extra?.bleu != null ? `  held-out BLEU ${e.extra.bleu.toFixed(3)}` : '';
          io.out(`epoch ${e.epoch}  loss ${e.loss.toFixed(4)}${b}  ${Math.round(e.tokensPerSecond).toLocaleString('en-US')} tokens/s`);
        }
      } else if (e.type === 'checkpoint' && !json) {
        io.err(`  checkpoint: ${e.dir} (epoch ${e.epoch})`);
      }
    };
    const run = new Run(job, { runId: 'cli', checkpointDir: out, startEpoch, history, emit });
    const onAbort = () => run.stop();
    io.signal.addEventListener('abort', onAbort);
    try {
      const reason = await run.execute();
      const seconds = (performance.now() - started) / 1000;
      const tr = t.translator();
      const examples = t.config.pairs === 'fra-eng'
        ? TEXTBOOK_SENTENCES.map(([src, label]) => {
            const pred = tr.translate(src).translations[0].text;
            return { source: src, pred, label, bleu: bleu(pred, label, 2) };
          })
        : [];
      const last = run.history.at(-1);
      if (json) {
        io.out(JSON.stringify({ done: reason, model: t.config.model, epoch: run.epoch, seconds: Math.round(seconds * 10) / 10, loss: last?.loss ?? null, bleu: last?.extra?.bleu ?? null, examples, checkpoint: out, backend: backend.name, kernel: kernelInfo().path }));
      } else {
        io.out(`${reason} after epoch ${run.epoch} in ${seconds.toFixed(1)} s; checkpoint in ${out}`);
        for (const x of examples) io.out(`${x.source} => ${x.pred}, bleu ${x.bleu.toFixed(3)}`);
      }
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      job.dispose();
      // Kernel worker threads would keep the process alive.
      disposeKernels();
    }
  },
});
