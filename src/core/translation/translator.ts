/**
 * Translating one sentence with a trained seq2seq model (d2l's predict_seq2seq, plus beam
 * search): the source is preprocessed like the training data, unknown words are mapped to
 * `<unk>` and reported, the model encodes it once, and greedy or beam search drives its
 * decoder one step at a time (TranslatorModel.startDecoding; the state is the model's own).
 */
import { SeqlabError, assertPositiveInt } from '../util/errors';
import { UNK, type Vocab } from '../text/vocab';
import { beamSearch, type BeamNode, type BeamTree } from '../decoding/beam';
import { greedySearch } from '../decoding/greedy';
import { DEFAULT_ALPHA, type Hypothesis } from '../decoding/types';
import type { SteeringOptions } from '../decoding/steering';
import type { TranslatorModel } from './encoder-decoder';
import { BOS, EOS, NMT_RESERVED, PAD, preprocessNmt, truncatePad } from './nmt-data';

export interface TranslateOptions extends SteeringOptions {
  /** beam size k; 1 (default) = greedy search */
  beam?: number;
  /** length-normalisation exponent of the final score (default 0.75) */
  alpha?: number;
  /** most tokens generated, `<eos>` included (default: the model's num_steps) */
  maxLen?: number;
  /** return the beam-search tree (runs beam search even with k = 1, which equals greedy) */
  tree?: boolean;
  /** candidates recorded per expanded tree node (default k; Infinity = whole vocabulary) */
  treeChildren?: number;
  /** how many translations to return (default k) */
  nBest?: number;
  /** add each translation's attention matrix (attention models; an error for a plain seq2seq) */
  attention?: boolean;
  /**
   * replace_unk: an `<unk>` in the output becomes the source word its step attended to most
   * (attention models; a plain seq2seq has no weights, which the result's notes say).
   */
  replaceUnk?: boolean;
}

export interface UnknownWord {
  token: string;
  /** position among the preprocessed source tokens */
  index: number;
}

export interface Translation {
  text: string;
  tokens: string[];
  /** (1/L^α) Σ log P */
  score: number;
  /** Σ log P */
  logProb: number;
  finished: boolean;
  /** with `attention`: one row per target token (`<eos>` included when finished), one column per source token (`<eos>` included); rows sum to 1 */
  attention?: number[][];
  /** the columns of `attention`: the source as the model saw it (unknown words as typed) and `<eos>` */
  sourceTokens?: string[];
  /** the rows of `attention`: the output tokens, `<eos>` included when finished */
  targetTokens?: string[];
  /** with `replaceUnk`: each `<unk>` replaced (output position, the source word and its position) */
  replaced?: { index: number; source: string; sourceIndex: number }[];
}

export interface TreeNodeOut extends BeamNode {
  /** the node's token as text */
  text: string;
}

export interface TranslateResult {
  /** the preprocessed source tokens, as the model saw them (before truncation) */
  source: string[];
  unknown: UnknownWord[];
  /** true when the source was longer than num_steps − 1 tokens and was cut (as in training) */
  truncated: boolean;
  translations: Translation[];
  tree?: Omit<BeamTree, 'nodes'> & { nodes: TreeNodeOut[] };
  /** which model produced it: `seq2seq` or `attention` */
  arch: string;
  /** things the user should know about how this result was made (e.g. replace_unk without attention) */
  notes: string[];
}

/** The registered architecture name of a model (../registry.ts), e.g. `seq2seq` or `attention`. */
export function archOf(model: TranslatorModel): string {
  return model.name;
}

const RESERVED = new Set([UNK, ...NMT_RESERVED]);

/** Splits a sentence the way the training pairs were split; reserved markers typed by a user count as unknown. */
export function sourceTokens(sentence: string): string[] {
  return preprocessNmt(sentence).split(' ').filter(Boolean);
}

export class Translator {
  constructor(
    readonly model: TranslatorModel,
    readonly srcVocab: Vocab,
    readonly tgtVocab: Vocab,
    readonly numSteps: number,
  ) {
    for (const t of [PAD, BOS, EOS]) {
      if (!srcVocab.has(t) || !tgtVocab.has(t)) throw new SeqlabError(`The translator's vocabularies lack ${t}; they are not seq2seq vocabularies.`, 'checkpoint');
    }
  }

  /** Source ids [numSteps] (with `<eos>`, truncated/padded) and what the UI should mark. */
  encodeSource(sentence: string): { ids: number[]; source: string[]; unknown: UnknownWord[]; truncated: boolean; validLen: number } {
    if (typeof sentence !== 'string') throw new SeqlabError('The sentence to translate must be text.');
    const source = sourceTokens(sentence);
    if (source.length === 0) throw new SeqlabError('There is nothing to translate: the sentence is empty.', 'empty-input');
    const known = (t: string) => this.srcVocab.has(t) && !RESERVED.has(t);
    const unknown = source.flatMap((token, index) => (known(token) ? [] : [{ token, index }]));
    if (unknown.length === source.length) {
      throw new SeqlabError(
        `None of the words (${source.slice(0, 5).join(' ')}${source.length > 5 ? ' …' : ''}) is in the model's source vocabulary of ${this.srcVocab.size} tokens, so there is nothing to translate.`,
        'all-unknown',
      );
    }
    const ids = source.map((t) => (known(t) ? this.srcVocab.indexOf(t) : this.srcVocab.unk));
    const truncated = ids.length + 1 > this.numSteps;
    return { ids: truncatePad([...ids, this.srcVocab.indexOf(EOS)], this.numSteps, this.srcVocab.indexOf(PAD)), source, unknown, truncated, validLen: Math.min(ids.length + 1, this.numSteps) };
  }

  translate(sentence: string, opts: TranslateOptions = {}): TranslateResult {
    const beam = opts.beam ?? 1;
    assertPositiveInt(beam, 'beam size');
    const maxLen = opts.maxLen ?? this.numSteps;
    assertPositiveInt(maxLen, 'max length');
    if (maxLen > 1000) throw new SeqlabError(`max length ${maxLen} is too long; use at most 1000 tokens.`);
    const alpha = opts.alpha ?? DEFAULT_ALPHA;
    const arch = archOf(this.model);
    if (opts.attention && arch !== 'attention') throw new SeqlabError('This translator is a plain seq2seq (d2l 9.7) and has no attention weights; train one with --model attention.', 'no-attention');
    const notes: string[] = [];
    if (opts.replaceUnk && arch !== 'attention') notes.push('replace_unk needs attention weights; this plain seq2seq has none, so <unk> stays in its output.');
    const enc = this.encodeSource(sentence);
    const dec = this.model.startDecoding(enc.ids, enc.validLen);
    const steering = { lengthPenalty: opts.lengthPenalty, minLen: opts.minLen, noRepeatNgram: opts.noRepeatNgram };
    const decodeOpts = { bos: this.tgtVocab.indexOf(BOS), eos: this.tgtVocab.indexOf(EOS), maxLen, alpha, ...steering };
    // The columns of the attention matrix: the source as typed (unknown words too) plus <eos>, cut like the ids.
    const columns = [...enc.source, EOS].slice(0, enc.validLen);
    const describe = (h: Hypothesis) => this.describe(h, columns, opts, notes);
    try {
      if (beam === 1 && !opts.tree) {
        const h = greedySearch(dec.step, dec.init, decodeOpts);
        return { source: enc.source, unknown: enc.unknown, truncated: enc.truncated, translations: [describe(h)], arch, notes };
      }
      const r = beamSearch(dec.step, dec.init, { ...decodeOpts, beam, nBest: opts.nBest, tree: Boolean(opts.tree), treeChildren: opts.treeChildren });
      const out: TranslateResult = { source: enc.source, unknown: enc.unknown, truncated: enc.truncated, translations: r.hypotheses.map(describe), arch, notes };
      if (r.tree) out.tree = { ...r.tree, nodes: r.tree.nodes.map((n) => ({ ...n, text: this.tgtVocab.idxToToken[n.token] ?? UNK })) };
      return out;
    } finally {
      dec.dispose();
    }
  }

  private describe(h: Hypothesis, columns: string[], opts: TranslateOptions, notes: string[]): Translation {
    const tokens = this.tgtVocab.toTokens(h.tokens);
    const t: Translation = { text: tokens.join(' '), tokens, score: h.score, logProb: h.logProb, finished: h.finished };
    if (opts.replaceUnk && h.attention) {
      const replaced: NonNullable<Translation['replaced']> = [];
      tokens.forEach((tok, i) => {
        if (tok !== UNK) return;
        // The source word with the highest weight at this step (never <eos>, the last column).
        const row = h.attention![i];
        const words = Math.min(row.length, columns.at(-1) === EOS ? columns.length - 1 : columns.length);
        let best = 0;
        for (let j = 1; j < words; j++) if (row[j] > row[best]) best = j;
        tokens[i] = columns[best];
        replaced.push({ index: i, source: columns[best], sourceIndex: best });
      });
      t.replaced = replaced;
      if (replaced.length) {
        t.text = tokens.join(' ');
        notes.push(`replace_unk: ${replaced.map((r) => `<unk> at ${r.index + 1} → “${r.source}”`).join(', ')} (the source word each step attended to most).`);
      }
    }
    if (opts.attention && h.attention) {
      t.attention = h.attention;
      t.sourceTokens = columns;
      t.targetTokens = h.finished ? [...tokens, EOS] : [...tokens];
    }
    return t;
  }

  dispose(): void {
    this.model.dispose();
  }
}
