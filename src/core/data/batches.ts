import { SeqlabError, assertPositiveInt } from '../util/errors';
import { Rng } from '../util/random';

export interface SeqBatch {
  /** batch × steps token ids. */
  X: number[][];
  /** X shifted one token to the right. */
  Y: number[][];
}

export type Partition = 'random' | 'sequential';

function checkShape(corpusLength: number, batchSize: number, numSteps: number): void {
  assertPositiveInt(batchSize, 'The batch size');
  assertPositiveInt(numSteps, 'The number of time steps');
  if ((corpusLength - numSteps) / numSteps < batchSize) {
    throw new SeqlabError(
      `The corpus of ${corpusLength} tokens is too short for ${batchSize} sequences of ${numSteps} steps; use fewer steps or a smaller batch.`,
    );
  }
}

/**
 * d2l's seq_data_iter_random: drop a random prefix shorter than num_steps, cut the rest into
 * non-overlapping subsequences, shuffle their starts, and serve batch_size of them at a time.
 */
export function* seqDataIterRandom(corpus: readonly number[], batchSize: number, numSteps: number, rng: Rng): Generator<SeqBatch> {
  checkShape(corpus.length, batchSize, numSteps);
  const offset = rng.randint(0, numSteps - 1);
  const c = corpus.slice(offset);
  const numSubseqs = Math.floor((c.length - 1) / numSteps);
  const initial = rng.shuffle(Array.from({ length: numSubseqs }, (_, i) => i * numSteps));
  const numBatches = Math.floor(numSubseqs / batchSize);
  const data = (pos: number) => c.slice(pos, pos + numSteps);
  for (let i = 0; i < batchSize * numBatches; i += batchSize) {
    const starts = initial.slice(i, i + batchSize);
    yield { X: starts.map(data), Y: starts.map((j) => data(j + 1)) };
  }
}

/**
 * d2l's seq_data_iter_sequential: a random offset in [0, num_steps], the rest reshaped into
 * batch_size rows, so row i of one batch continues row i of the previous one.
 */
export function* seqDataIterSequential(corpus: readonly number[], batchSize: number, numSteps: number, rng: Rng): Generator<SeqBatch> {
  checkShape(corpus.length, batchSize, numSteps);
  const offset = rng.randint(0, numSteps);
  const numTokens = Math.floor((corpus.length - offset - 1) / batchSize) * batchSize;
  const perRow = numTokens / batchSize;
  const row = (src: number, r: number) => corpus.slice(src + r * perRow, src + (r + 1) * perRow);
  const Xs = Array.from({ length: batchSize }, (_, r) => row(offset, r));
  const Ys = Array.from({ length: batchSize }, (_, r) => row(offset + 1, r));
  const numBatches = Math.floor(perRow / numSteps);
  for (let i = 0; i < numSteps * numBatches; i += numSteps) {
    yield { X: Xs.map((x) => x.slice(i, i + numSteps)), Y: Ys.map((y) => y.slice(i, i + numSteps)) };
  }
}

export function seqDataIter(partition: Partition, corpus: readonly number[], batchSize: number, numSteps: number, rng: Rng): Generator<SeqBatch> {
  return partition === 'random' ? seqDataIterRandom(corpus, batchSize, numSteps, rng) : seqDataIterSequential(corpus, batchSize, numSteps, rng);
}

/** Training/validation split by position, shared by neural and n-gram models so perplexities compare. */
export function splitCorpus<T>(ids: readonly T[], split: number): { train: T[]; valid: T[] } {
  if (!(split > 0 && split <= 1)) throw new SeqlabError(`The split must be in (0, 1], got ${split}.`);
  const cut = Math.floor(split * ids.length);
  return { train: ids.slice(0, cut), valid: ids.slice(cut) };
}
