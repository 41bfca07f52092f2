/**
 * Sequence Model Lab (d2l 8.1's noisy sine with 1/4/16/64-step predictions) and the BPTT
 * Gradient Explorer (d2l 8.7's vanishing gradients, RNN vs GRU vs LSTM). Both compute on
 * the compute thread and re-run from controls in their panels.
 */
import * as vscode from 'vscode';
import { SeqlabError } from '../../core/util/errors';
import { BpttOptions, BpttToHost, SineOptions, SineToHost, type BpttResults, type BpttRuns, type BpttToWebview, type SineToWebview } from '../../protocol/labs';
import { resolveOptions } from '../data';
import type { RunRegistry } from '../runs/registry';
import { compute } from '../compute/client';
import { settings } from '../settings';
import { Lab, parseLab } from './lab';

export const SINE_DEFAULTS: SineOptions = { tau: 4, epochs: 5, seed: 0 };
export const BPTT_DEFAULTS: BpttOptions = { steps: 50, hidden: 32, initStd: null, seed: 0, runId: null };

/** Where the BPTT explorer finds trained runs (set in activate). */
let runs: RunRegistry | undefined;
export function useRunsForBptt(registry: RunRegistry): void {
  runs = registry;
}

/** Runs the explorer can measure: language models, one direction, one-hot inputs, with a checkpoint. */
function measurableRuns(): BpttRuns {
  return (runs?.list() ?? [])
    .filter((r) => r.kind === 'language-model' && r.checkpoint && !r.model.bidirectional && !r.hyper.embedding)
    .map((r) => ({ id: r.id, name: r.name, cell: r.model.cell, hidden: r.model.hidden }));
}

function bpttCompute(opts: BpttOptions): Promise<BpttResults> {
  if (!opts.runId) return compute().run('bptt', { ...opts, backend: settings.backend() });
  const run = runs?.require(opts.runId);
  if (!run?.checkpoint) throw new SeqlabError(`The run "${run?.name ?? opts.runId}" has no checkpoint yet; let it finish an epoch first.`, 'no-checkpoint');
  return compute().run('bpttRun', { checkpointDir: run.checkpoint, steps: opts.steps, seed: opts.seed, resolve: resolveOptions(), backend: settings.backend() });
}

export const sequenceLab = new Lab({
  viewType: 'seqlab.sequenceLab',
  bundle: 'sequence-lab',
  title: 'Sequence Model Lab',
  toHost: SineToHost,
  options: SineOptions,
  defaults: SINE_DEFAULTS,
  compute: (opts: SineOptions) => compute().run('sine', { ...opts, backend: settings.backend() }),
  message: (options, result): Extract<SineToWebview, { type: 'sine' }> => ({ type: 'sine', options, nTrain: 600, result }),
  reply: (last) => ({ kStepMse: last.result.kStepMse }),
});

export const bpttLab = new Lab({
  viewType: 'seqlab.bptt',
  bundle: 'bptt',
  title: 'BPTT Gradient Explorer',
  toHost: BpttToHost,
  options: BpttOptions,
  defaults: BPTT_DEFAULTS,
  compute: bpttCompute,
  message: (options, results): Extract<BpttToWebview, { type: 'bptt' }> => ({ type: 'bptt', options, results, runs: measurableRuns() }),
  reply: (last) => ({ ratios: last.results.map((r) => r.ratio) }),
});

export async function sequenceModelLab(context: vscode.ExtensionContext, args: Partial<SineOptions> = {}) {
  const opts = parseLab<SineOptions>(SineOptions, { ...SINE_DEFAULTS, ...args });
  const p = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seqlab: training the sine MLP (d2l 8.1)…' }, () => sequenceLab.show(context, opts));
  return { trainMse: p.last!.result.trainMse, kStepMse: p.last!.result.kStepMse, onestepMse: p.last!.result.onestepMse, multistepMse: p.last!.result.multistepMse };
}

export async function bpttExplorer(context: vscode.ExtensionContext, args: Partial<BpttOptions> = {}) {
  const opts = parseLab<BpttOptions>(BpttOptions, { ...BPTT_DEFAULTS, ...args });
  const p = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seqlab: measuring gradients through time (d2l 8.7)…' }, () => bpttLab.show(context, opts));
  return p.last!.results.map((r) => ({ kind: r.kind, label: r.label, ratio: r.ratio, steps: r.gradNorms.length }));
}
