/** Experiment files (`*.seqlab.json`): format, parsing, sweep expansion, results folder, run queue. */
export * from './format';
export * from './expand';
export * from './parse';
export * from './results';
export * from './queue';
export { RUN_KINDS, type RunKind } from './run-configs';
