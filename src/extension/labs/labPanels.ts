/**
 * Sequence Model Lab (d2l 8.1's noisy sine with 1/4/16/64-step predictions) and the BPTT
 * Gradient Explorer (d2l 8.7's vanishing gradients, RNN vs GRU vs LSTM). Both compute on
 * the compute thread and re-run from controls in their panels.
 */
import * as vscode from 'vscode';
import { BpttOptions, BpttToHost, SineOptions, SineToHost, type BpttToWebview, type SineToWebview } from '../../protocol/labs';
import { compute } from '../compute/client';
import { settings } from '../settings';
import { Lab, parseLab } from './lab';

export const SINE_DEFAULTS: SineOptions = { tau: 4, epochs: 5, seed: 0 };
export const BPTT_DEFAULTS: BpttOptions = { steps: 50, hidden: 32, initStd: null, seed: 0 };

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
  compute: (opts: BpttOptions) => compute().run('bptt', { ...opts, backend: settings.backend() }),
  message: (options, results): Extract<BpttToWebview, { type: 'bptt' }> => ({ type: 'bptt', options, results }),
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
  return p.last!.results.map((r) => ({ kind: r.kind, ratio: r.ratio, steps: r.gradNorms.length }));
}
