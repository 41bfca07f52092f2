import { bleu } from '../../core/metrics/bleu';
import { Run } from '../../core/training/run';
import type { EpochMetrics, RunEvent } from '../../protocol/training';
import { readCheckpoint } from '../../core/training/checkpoint';
import { prepareOutDir } from '../../core/training/out-dir';
import { checkResumeOptions } from '../../core/training/resume-options';
import { resolveMtConfig, MT_PRESETS, TEXTBOOK_SENTENCES } from '../../core/translation/mt-config';
import { readMtFiles } from '../../core/translation/mt-checkpoint';
import { TRANSLATOR_NAMES } from '../../core/translation/registry';
import { createMtJob, loadMtJob, readPairsText } from '../../core/translation/mt-job';
import { disposeKernels, kernelInfo } from '../../core/kernels';
import { count, defineCommand, flag, int, jsonOption, num, oneOf, str, type CliIO, type ParsedArgs } from '../command';
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
  put('numExamples', 'num-examples', () => (str(args, 'num-examples') === 'all' ? null : count(args, 'num-examples', 'numExamples')));
  put('numSteps', 'steps', () => count(args, 'steps', 'steps'));
  put('embedSize', 'embed', () => count(args, 'embed', 'embedding'));
  put('numHiddens', 'hidden', () => count(args, 'hidden', 'hidden'));
  put('numLayers', 'layers', () => count(args, 'layers', 'layers'));
  put('dropout', 'dropout', () => num(args, 'dropout'));
  put('lr', 'lr', () => num(args, 'lr'));
  put('epochs', 'epochs', () => count(args, 'epochs', 'epochs', undefined, 0));
  put('batchSize', 'batch', () => count(args, 'batch', 'batch'));
  put('seed', 'seed', () => int(args, 'seed'));
  put('validFraction', 'valid', () => num(args, 'valid'));
  put('evalEvery', 'eval-every', () => count(args, 'eval-every', 'evalEvery', undefined, 0));
  put('checkpointEvery', 'checkpoint-every', () => count(args, 'checkpoint-every', 'checkpointEvery', undefined, 0));
  put('dataDirectory', 'data-dir', () => str(args, 'data-dir'));
  put('bucketing', 'bucketing', () => flag(args, 'bucketing'));
  return c;
}

export const trainMtCommand = defineCommand({
  name: 'train-mt',
  summary: "Train the book's GRU encoder–decoder (d2l 9.5–9.7) or its Bahdanau attention model (--model attention, d2l 10.4) on English–French pairs and save a translator.",
  usage:
    `--pairs fra-eng|PATH [--model ${TRANSLATOR_NAMES.join('|')}] [--preset ${Object.keys(MT_PRESETS).join('|')}] [--num-examples N|all] [--steps T] [--embed E] [--hidden H] [--layers L] ` +
    '[--dropout D] [--lr LR] [--epochs N] [--batch B] [--seed S] [--valid FRACTION] [--eval-every N] --out DIR [--resume | --force] ' +
    '[--checkpoint-every N] [--backend auto|node|wasm|cpu] [--bucketing] [--json]',
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
    force: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    ...backendOption,
    'data-dir': { type: 'string' },
    bucketing: { type: 'boolean' },
    ...jsonOption,
  },
  async run(args, io) {
    const json = flag(args, 'json');
    const out = str(args, 'out');
    const resume = flag(args, 'resume');
    const raw = mtConfigFromArgs(args);
    // Before the backend and the data: a wrong --out fails at once, not after all epochs.
    const notes: string[] = [];
    const lock = prepareOutDir(out, { resume, force: flag(args, 'force') }, notes);
    try {
      await trainMt(args, io, { json, out, resume, raw, notes });
    } finally {
      lock.release();
    }
  },
});

/** What `train-mt --resume` may change: the translator's loader takes a new epoch count (and the data is found anew). */
const MT_RESUMABLE = ['epochs', 'dataDirectory'];

async function trainMt(args: ParsedArgs, io: CliIO, o: { json: boolean; out: string; resume: boolean; raw: Record<string, unknown>; notes: string[] }): Promise<void> {
  const { json, out, resume, raw, notes } = o;
  const backend = await initBackendArg(args, io);
  const resolve = cliResolveOptions(args);
  let job;
  let startEpoch = 0;
  let history: EpochMetrics[] = [];
  if (resume) {
    const files = readMtFiles(out);
    const { applied } = checkResumeOptions(files.config as unknown as Record<string, unknown>, raw, MT_RESUMABLE);
    if (applied.length > 0) notes.push(`Resuming with ${applied.join(', ')}.`);
    const epochs = raw.epochs as number | undefined;
    job = await loadMtJob(out, await readPairsText(files.config.pairs, resolve), { epochs });
    startEpoch = files.epoch ?? 0;
    history = readCheckpoint(out, 'mt').history;
  } else {
    const config = resolveMtConfig(raw);
    job = await createMtJob(config, await readPairsText(config.pairs, resolve));
  }
  const t = job.trainer;
  for (const n of notes) io.err(n);
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
}
