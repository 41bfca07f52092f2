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
import type { TranslatorModel } from './encoder-decoder';
import { BOS, EOS, NMT_RESERVED, PAD, preprocessNmt, truncatePad } from './nmt-data';

export interface TranslateOptions {
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
  encodeSource(sentence: string): { ids: number[]; source: string[]; unknown: UnknownWord[]; truncated: boolean } {
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
    return { ids: truncatePad([...ids, this.srcVocab.indexOf(EOS)], this.numSteps, this.srcVocab.indexOf(PAD)), source, unknown, truncated };
  }

  translate(sentence: string, opts: TranslateOptions = {}): TranslateResult {
    const beam = opts.beam ?? 1;
    assertPositiveInt(beam, 'beam size');
    const maxLen = opts.maxLen ?? this.numSteps;
    assertPositiveInt(maxLen, 'max length');
    if (maxLen > 1000) throw new SeqlabError(`max length ${maxLen} is too long; use at most 1000 tokens.`);
    const alpha = opts.alpha ?? DEFAULT_ALPHA;
    const enc = this.encodeSource(sentence);
    const dec = this.model.startDecoding(enc.ids);
    const decodeOpts = { bos: this.tgtVocab.indexOf(BOS), eos: this.tgtVocab.indexOf(EOS), maxLen, alpha };
    try {
      if (beam === 1 && !opts.tree) {
        const h = greedySearch(dec.step, dec.init, decodeOpts);
        return { source: enc.source, unknown: enc.unknown, truncated: enc.truncated, translations: [this.describe(h)] };
      }
      const r = beamSearch(dec.step, dec.init, { ...decodeOpts, beam, nBest: opts.nBest, tree: Boolean(opts.tree), treeChildren: opts.treeChildren });
      const out: TranslateResult = { source: enc.source, unknown: enc.unknown, truncated: enc.truncated, translations: r.hypotheses.map((h) => this.describe(h)) };
      if (r.tree) out.tree = { ...r.tree, nodes: r.tree.nodes.map((n) => ({ ...n, text: this.tgtVocab.idxToToken[n.token] ?? UNK })) };
      return out;
    } finally {
      dec.dispose();
    }
  }

  private describe(h: Hypothesis): Translation {
    const tokens = this.tgtVocab.toTokens(h.tokens);
    return { text: tokens.join(' '), tokens, score: h.score, logProb: h.logProb, finished: h.finished };
  }

  dispose(): void {
    this.model.dispose();
  }
}
