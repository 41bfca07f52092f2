/**
 * Every count a user can type, with the largest value Seqlab accepts: one table, so the CLI,
 * the extension's pickers and restored webview states refuse the same values with the same
 * sentence. The caps sit far above the textbook's values (beam 2–3, 500 epochs, 256 hidden) and
 * far below what would run for minutes or exhaust memory (`--beam 100000` took 3.6 GB).
 */
import { totalmem } from 'node:os';
import { SeqlabError } from './errors';

export const LIMITS = {
  /** Training */
  epochs: { max: 100_000, what: 'the number of epochs' },
  hidden: { max: 8192, what: 'the number of hidden units' },
  layers: { max: 32, what: 'the number of layers' },
  embedding: { max: 8192, what: 'the embedding size' },
  batch: { max: 8192, what: 'the batch size' },
  steps: { max: 10_000, what: 'the number of time steps' },
  truncK: { max: 10_000, what: 'the truncation length' },
  checkpointEvery: { max: 100_000, what: 'the checkpoint interval' },
  evalEvery: { max: 100_000, what: 'the evaluation interval' },
  maxTokens: { max: 100_000_000, what: 'the token limit' },
  numExamples: { max: 10_000_000, what: 'the number of examples' },
  /** Text */
  bpeMerges: { max: 100_000, what: 'the number of BPE merges' },
  minFreq: { max: 1_000_000_000, what: 'the minimum frequency' },
  rangeTokens: { max: 1_000_000, what: 'the length of a range corpus' },
  /** Generation and decoding */
  generateLength: { max: 100_000, what: 'the generated length' },
  sampleLength: { max: 10_000, what: 'the sample length' },
  topK: { max: 100_000, what: 'top-k' },
  beam: { max: 100, what: 'the beam size' },
  maxLen: { max: 1000, what: 'the maximum translation length' },
  treeChildren: { max: 100, what: 'the children shown per search-tree node' },
  ngramGenerate: { max: 100_000, what: 'the number of generated tokens' },
  /** Small experiments */
  sineEpochs: { max: 1000, what: 'the number of epochs of the sine experiment' },
  tau: { max: 500, what: 'τ' },
  bpttSteps: { max: 2000, what: 'the number of time steps of the BPTT experiment' },
  bpttHidden: { max: 4096, what: 'the number of hidden units of the BPTT experiment' },
  bpttBatch: { max: 1024, what: 'the batch size of the BPTT experiment' },
  bleuK: { max: 100, what: 'the largest n-gram order of BLEU' },
} as const satisfies Record<string, { max: number; what: string }>;

export type LimitName = keyof typeof LIMITS;

/** Refuses a count above its limit with one sentence naming the option the user typed. */
export function assertWithinLimit(name: LimitName, value: number, option?: string): void {
  const { max, what } = LIMITS[name];
  if (value > max) {
    const label = option ?? what.charAt(0).toUpperCase() + what.slice(1);
    throw new SeqlabError(`${label} is ${value.toLocaleString('en-US')}; Seqlab accepts at most ${max.toLocaleString('en-US')} (${what}).`, 'too-large');
  }
}

/** How much memory one allocation may take: a quarter of what the machine has, at most 4 GB. */
export function memoryBudgetBytes(): number {
  return Math.min(4 * 1024 ** 3, totalmem() / 4);
}

/** Refuses work whose estimated size (bytes, from its shapes) would not fit, before allocating. */
export function assertFitsInMemory(bytes: number, what: string): void {
  const budget = memoryBudgetBytes();
  if (!(bytes <= budget)) {
    const gb = (b: number) => `${(b / 1024 ** 3).toFixed(b < 1024 ** 3 ? 2 : 1)} GB`;
    throw new SeqlabError(`${what} would need about ${gb(bytes)} of memory, more than the ${gb(budget)} Seqlab allows itself here; choose smaller sizes.`, 'too-large');
  }
}
