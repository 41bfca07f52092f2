/**
 * `seqlab run exp.seqlab.json [--only NAME] [--set key=value …] [--json]`: trains an
 * experiment file's runs one after another and writes the same results folder as the editor
 * (`<name>.seqlab-results/`, see src/core/experiments/results.ts). Checkpoints go to
 * `<results>/checkpoints/<run>/` unless --checkpoints names another folder.
 */
import { join, resolve, dirname } from 'node:path';
import { readTextFile } from '../../core/data/corpus';
import { parseExperimentOrThrow, parseOverrides, resultsDirFor, trainingConfig, writeRunResult, writeSummary, type ExpandedRun } from '../../core/experiments';
import { setDefaultResolveOptions } from '../../core/training/lm-data';
import type { EpochMetrics, RunEvent } from '../../protocol/training';
import { createJob, Run } from '../../core/training/run';
import '../../core/training/jobs';
import { SeqlabError } from '../../core/util/errors';
import { backendOption, initBackendArg } from '../backend-option';
import { defineCommand, flag, jsonOption, optStr, type CliIO } from '../command';
import { cliResolveOptions } from '../corpus-options';

function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? '—' : v.toFixed(digits);
}

function epochLine(run: ExpandedRun, e: EpochMetrics): string {
  const metric = run.kind === 'lm' ? `perplexity ${fmt(e.perplexity)}${e.valPerplexity === null ? '' : `  valid ${fmt(e.valPerplexity)}`}` : `loss ${fmt(e.loss, 4)}${typeof e.extra?.bleu === 'number' ? `  BLEU ${fmt(e.extra.bleu, 3)}` : ''}`;
  return `  epoch ${e.epoch}  ${metric}  ${Math.round(e.tokensPerSecond).toLocaleString('en-US')} tokens/s`;
}

/** Trains one expanded run to its end (or a Ctrl-C); never throws for a failed run. */
async function trainOne(run: ExpandedRun, experimentDir: string, checkpointDir: string, json: boolean, io: CliIO) {
  let job: Awaited<ReturnType<typeof createJob>>['job'] | undefined;
  let current: Run | undefined;
  const onAbort = () => current?.stop();
  io.signal.addEventListener('abort', onAbort);
  let checkpoint: string | null = null;
  try {
    const created = await createJob({ config: trainingConfig(run, experimentDir), checkpointDir });
    job = created.job;
    const emit = (e: RunEvent) => {
      if (e.type === 'metrics') {
        const { type: _t, runId: _r, ...row } = e;
        io.out(json ? JSON.stringify({ run: run.label, ...row }) : epochLine(run, row));
      } else if (e.type === 'checkpoint') checkpoint = e.dir;
    };
    current = new Run(job, { runId: run.slug, checkpointDir, emit });
    const reason = await current.execute();
    return { status: reason === 'completed' ? ('done' as const) : ('stopped' as const), history: current.history, checkpoint, error: null };
  } catch (err) {
    if (!(err instanceof SeqlabError)) throw err;
    return { status: 'failed' as const, history: current?.history ?? [], checkpoint, error: err.message };
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    job?.dispose();
  }
}

export const runCommand = defineCommand({
  name: 'run',
  summary: 'Run an experiment file (*.seqlab.json): its runs, sweep grid and seeds, one run at a time, into <name>.seqlab-results/.',
  usage: 'FILE.seqlab.json [--only NAME] [--set key=value …] [--checkpoints DIR] [--data-dir DIR] [--backend auto|node|wasm|cpu] [--json]',
  positionals: true,
  options: {
    only: { type: 'string' },
    set: { type: 'string', multiple: true },
    checkpoints: { type: 'string' },
    'data-dir': { type: 'string' },
    ...backendOption,
    ...jsonOption,
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new SeqlabError('Name one experiment file, e.g. seqlab run examples/rnn-gru-lstm.seqlab.json.', 'usage');
    const file = resolve(args.positionals[0]);
    const json = flag(args, 'json');
    const set = parseOverrides((args.values.set as unknown as string[] | undefined) ?? []);
    const exp = parseExperimentOrThrow(readTextFile(file), args.positionals[0], { only: optStr(args, 'only'), set });
    const resultsDir = resultsDirFor(file);
    const checkpoints = resolve(optStr(args, 'checkpoints') ?? join(resultsDir, 'checkpoints'));
    const backend = await initBackendArg(args);
    setDefaultResolveOptions(cliResolveOptions(args));
    if (!json) io.err(`${exp.name}: ${exp.runs.length} run${exp.runs.length === 1 ? '' : 's'} on the ${backend.name} backend; results in ${resultsDir}`);
    let failed = 0;
    for (const [i, run] of exp.runs.entries()) {
      if (io.signal.aborted) break;
      if (!json) io.out(`[${i + 1}/${exp.runs.length}] ${run.label}`);
      const outcome = await trainOne(run, dirname(file), join(checkpoints, run.slug), json, io);
      writeRunResult(resultsDir, run, outcome);
      writeSummary(resultsDir, exp);
      if (outcome.status === 'failed') {
        failed++;
        io.err(`  ${run.label} failed: ${outcome.error}`);
      }
    }
    const rows = writeSummary(resultsDir, exp);
    if (json) io.out(JSON.stringify({ experiment: exp.name, results: resultsDir, runs: rows }));
    else io.out(`summary: ${join(resultsDir, 'summary.md')}`);
    if (failed) throw new SeqlabError(`${failed} of ${exp.runs.length} runs failed; see ${join(resultsDir, 'summary.md')}.`, 'run-failed');
  },
});
