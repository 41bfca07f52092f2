/**
 * V8 young-generation size for processes that train. A training step allocates
 * several megabytes of typed arrays and tensors; with V8's default 16 MB semi-spaces the
 * scavenger runs every step or two. 32 MB semi-spaces: +15–30% tokens/s in bench:lm (RNN and
 * GRU, native and WASM paths), at the cost of ~50 MB more memory while training.
 */
export const TRAINING_SEMI_SPACE_MB = 32;

/** For a forked Node process (and bench:lm, which re-runs itself with it). */
export const TRAINING_EXEC_ARGV: readonly string[] = [`--max-semi-space-size=${TRAINING_SEMI_SPACE_MB}`];

/** True when this process already runs with the tuned young generation. */
export function hasTrainingGcFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.some((a) => a.startsWith('--max-semi-space-size'));
}
