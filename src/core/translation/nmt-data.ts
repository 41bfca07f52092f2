/**
 * The textbook's machine-translation data pipeline (d2l 9.5), function for function:
 * `preprocess_nmt`, `tokenize_nmt`, `truncate_pad`, `build_array_nmt`, `load_data_nmt`.
 * Only the loading of the file differs (any tab-separated pairs file works).
 */
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { Rng } from '../util/random';
import { Vocab } from '../text/vocab';

export const PAD = '<pad>';
export const BOS = '<bos>';
export const EOS = '<eos>';
/** Reserved tokens of both vocabularies, in d2l's order: `<unk>`=0, `<pad>`=1, `<bos>`=2, `<eos>`=3. */
export const NMT_RESERVED = [PAD, BOS, EOS];

/**
 * d2l's preprocess_nmt: non-breaking spaces become spaces, lower-case, and a space goes
 * before `,.!?` unless one is already there (so punctuation becomes its own token).
 */
export function preprocessNmt(text: string): string {
  // One regex pass (a per-character loop took ~5 s on the 9 MB corpus): a lookahead keeps the
  // punctuation unconsumed, so "a?!" becomes "a ? !" as the book's comparison with the original
  // previous character does; position 0 has no previous character and gets no space.
  return text.replace(/\u202f/g, ' ').replace(/\xa0/g, ' ').toLowerCase().replace(/([^ ])(?=[,.!?])/g, '$1 ');
}

/** The first n lines of text (n + 1 is all tokenize_nmt reads with num_examples = n). */
export function firstLines(text: string, n: number): string {
  let end = -1;
  for (let i = 0; i < n; i++) {
    end = text.indexOf('\n', end + 1);
    if (end < 0) return text;
  }
  return text.slice(0, end + 1);
}

export interface TokenizedPairs {
  source: string[][];
  target: string[][];
}

/**
 * d2l's tokenize_nmt: lines split on the tab, tokens on single spaces; lines without
 * exactly two fields are skipped. `numExamples` reproduces the textbook's loop exactly,
 * which stops at line index `i > num_examples` and therefore reads num_examples + 1 lines
 * (the 184/201 vocabulary sizes of the book depend on that).
 */
export function tokenizeNmt(text: string, numExamples?: number): TokenizedPairs {
  const source: string[][] = [];
  const target: string[][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (numExamples && i > numExamples) break;
    const parts = lines[i].split('\t');
    if (parts.length === 2) {
      source.push(parts[0].split(' '));
      target.push(parts[1].split(' '));
    }
  }
  return { source, target };
}

/** d2l's truncate_pad: cut to `numSteps` or pad with `padding` up to it. */
export function truncatePad(line: readonly number[], numSteps: number, padding: number): number[] {
  if (line.length > numSteps) return line.slice(0, numSteps);
  return [...line, ...new Array<number>(numSteps - line.length).fill(padding)];
}

export interface NmtArray {
  /** [N, numSteps] token ids */
  array: number[][];
  /** non-padding entries per row (d2l's valid_len) */
  validLen: number[];
}

/** d2l's build_array_nmt: ids + `<eos>`, truncated/padded, and the count of non-pad entries. */
export function buildArrayNmt(lines: readonly string[][], vocab: Vocab, numSteps: number): NmtArray {
  const pad = vocab.indexOf(PAD);
  const eos = vocab.indexOf(EOS);
  const array = lines.map((l) => truncatePad([...vocab.toIndices(l), eos], numSteps, pad));
  const validLen = array.map((row) => row.filter((id) => id !== pad).length);
  return { array, validLen };
}

export interface NmtData {
  srcVocab: Vocab;
  tgtVocab: Vocab;
  source: string[][];
  target: string[][];
  src: NmtArray;
  tgt: NmtArray;
  numSteps: number;
}

export interface NmtDataOptions {
  numExamples?: number;
  numSteps?: number;
  minFreq?: number;
  /** reuse these vocabularies (a resumed run) instead of building them from the pairs */
  vocabs?: { src: Vocab; tgt: Vocab };
}

/**
 * d2l's load_data_nmt without the data loader: preprocessed pairs, both vocabularies
 * (min_freq 2, reserved `<pad>`, `<bos>`, `<eos>`) and the padded arrays.
 * `text` is the raw pairs file (English TAB French per line).
 */
export function loadDataNmt(text: string, opts: NmtDataOptions = {}): NmtData {
  const numSteps = opts.numSteps ?? 8;
  assertPositiveInt(numSteps, 'num_steps');
  if (opts.numExamples !== undefined) assertPositiveInt(opts.numExamples, 'num_examples');
  // Preprocessing is local to a line, so only the lines tokenize_nmt reads need it.
  const used = opts.numExamples ? firstLines(text, opts.numExamples + 1) : text;
  const { source, target } = tokenizeNmt(preprocessNmt(used), opts.numExamples);
  if (source.length === 0) throw new SeqlabError('The pairs file has no lines of the form "source<TAB>target".', 'empty-corpus');
  const minFreq = opts.minFreq ?? 2;
  const srcVocab = opts.vocabs?.src ?? Vocab.build(source, { minFreq, reserved: NMT_RESERVED });
  const tgtVocab = opts.vocabs?.tgt ?? Vocab.build(target, { minFreq, reserved: NMT_RESERVED });
  return {
    srcVocab,
    tgtVocab,
    source,
    target,
    src: buildArrayNmt(source, srcVocab, numSteps),
    tgt: buildArrayNmt(target, tgtVocab, numSteps),
    numSteps,
  };
}

export interface NmtBatch {
  X: number[][];
  XValidLen: number[];
  /** [B, width] target ids: width = num_steps, or with bucketing the batch's longest target */
  Y: number[][];
  YValidLen: number[];
}

export interface NmtBatchOptions {
  /**
   * Length bucketing: batches of pairs with similar target lengths, each cut to its longest
   * target (`Y[i].length`), so the decoder and the output layer do little padded work. The
   * source keeps num_steps: d2l's encoder reads the padding (its final state is the decoder's
   * context), so trimming it would change the model. Per-pair losses are unchanged (the
   * decoder is causal and the trimmed positions are masked); the loss still divides by num_steps.
   */
  bucketing?: boolean;
}

/** Pairs per sorting pool, in batches: large enough for even lengths, small enough to stay random. */
export const BUCKET_POOL_BATCHES = 50;

/**
 * d2l's load_array(…, is_train=True): a fresh shuffle of the given rows each epoch, last batch
 * short. With `bucketing` the shuffled rows are sorted by target length within pools of
 * BUCKET_POOL_BATCHES batches, cut into batches, and the batches shuffled: every row once per
 * epoch, the same batches for the same rng.
 */
export function* nmtBatches(src: NmtArray, tgt: NmtArray, rows: readonly number[], batchSize: number, rng: Rng, opts: NmtBatchOptions = {}): Generator<NmtBatch> {
  assertPositiveInt(batchSize, 'batch_size');
  const order = rng.shuffle([...rows]);
  const batches: number[][] = [];
  if (opts.bucketing) {
    const pool = batchSize * BUCKET_POOL_BATCHES;
    for (let p = 0; p < order.length; p += pool) {
      // stable: equal lengths keep their shuffled order
      const sorted = order.slice(p, p + pool).sort((a, b) => tgt.validLen[a] - tgt.validLen[b]);
      for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
    }
    rng.shuffle(batches);
  } else {
    for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  }
  const numSteps = tgt.array[0]?.length ?? 0;
  for (const idx of batches) {
    // at least 2 columns: teacher forcing feeds <bos> and the first target token
    const width = opts.bucketing ? Math.min(numSteps, Math.max(2, ...idx.map((r) => tgt.validLen[r]))) : numSteps;
    yield {
      X: idx.map((r) => src.array[r]),
      XValidLen: idx.map((r) => src.validLen[r]),
      Y: idx.map((r) => (width === numSteps ? tgt.array[r] : tgt.array[r].slice(0, width))),
      YValidLen: idx.map((r) => tgt.validLen[r]),
    };
  }
}

/**
 * Splits pair indices 0…n−1 into training and held-out rows: a seeded shuffle, the last
 * `fraction` held out (at least one pair when fraction > 0). fraction 0 = train on all (the book).
 */
export function splitPairs(n: number, fraction: number, seed: number): { train: number[]; valid: number[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new SeqlabError(`The held-out fraction must be at least 0 and below 1, got ${fraction}.`);
  const all = Array.from({ length: n }, (_, i) => i);
  if (fraction === 0) return { train: all, valid: [] };
  const shuffled = new Rng(seed ^ 0x5eed).shuffle(all);
  const nValid = Math.max(1, Math.round(n * fraction));
  if (nValid >= n) throw new SeqlabError(`Holding out ${nValid} of ${n} pairs leaves nothing to train on.`);
  return { train: shuffled.slice(0, n - nValid).sort((a, b) => a - b), valid: shuffled.slice(n - nValid).sort((a, b) => a - b) };
}
