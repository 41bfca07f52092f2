/**
 * What a translator reports after each epoch besides its training loss: the loss on the
 * held-out pairs (when the run holds some out) and the textbook's four sentences (d2l 10.7.5:
 * "go .", "i lost .", "he's calm .", "i'm home .") translated greedily and scored with BLEU
 * (k = 2), printed as the book prints them. Held-out BLEU stays in ./train.ts's `evaluate`.
 */
import * as tf from '@tensorflow/tfjs';
import { bleu } from '../metrics/bleu';
import { SeqlabError } from '../util/errors';
import { Rng } from '../util/random';
import { maskedSoftmaxCELoss } from './loss';
import { TEXTBOOK_SENTENCES } from './mt-config';
import { BOS, nmtBatches } from './nmt-data';
import type { Seq2SeqTrainer } from './train';
import type { Translator } from './translator';

export interface TextbookExample {
  source: string;
  label: string;
  pred: string;
  bleu: number;
}

/** The four sentences, translated greedily, each with its BLEU (k = 2). */
export function textbookExamples(tr: Translator): TextbookExample[] {
  return TEXTBOOK_SENTENCES.map(([source, label]) => {
    let pred = '';
    try {
      pred = tr.translate(source).translations[0].text;
    } catch (err) {
      // A sentence made only of words the vocabulary lacks translates to nothing (BLEU 0).
      if (!(err instanceof SeqlabError && err.code === 'all-unknown')) throw err;
    }
    return { source, label, pred, bleu: bleu(pred, label, 2) };
  });
}

/** d2l's lines: `go . => va !, bleu 1.000`. */
export function formatExamples(xs: readonly TextbookExample[]): string {
  return xs.map((x) => `${x.source} => ${x.pred}, bleu ${x.bleu.toFixed(3)}`).join('\n');
}

/**
 * The d2l loss (Σ per-sequence masked losses / Σ target tokens, as training reports it) on the
 * held-out pairs, without dropout and without updating anything; null without held-out pairs.
 */
export function validationLoss(t: Seq2SeqTrainer): number | null {
  if (t.validRows.length === 0) return null;
  const T = t.config.numSteps;
  const bos = t.data.tgtVocab.indexOf(BOS);
  const ctx = { training: false, nextSeed: () => 0 };
  let lossSum = 0;
  let tokens = 0;
  // The order does not change a sum; a fixed generator keeps the call free of side effects.
  for (const batch of nmtBatches(t.data.src, t.data.tgt, t.validRows, t.config.batchSize, new Rng(1))) {
    const B = batch.X.length;
    lossSum += tf.tidy(() => {
      const X = tf.tensor2d(batch.X, [B, T], 'int32');
      const Y = tf.tensor2d(batch.Y, [B, T], 'int32');
      const decInput = tf.concat([tf.fill([B, 1], bos, 'int32'), Y.slice([0, 0], [B, T - 1])], 1) as tf.Tensor2D;
      const { output } = t.model.forward(X, decInput, ctx, batch.XValidLen); // the attention decoder masks the source padding, as in training
      return maskedSoftmaxCELoss(output, Y, batch.YValidLen).sum().dataSync()[0];
    });
    tokens += batch.YValidLen.reduce((a, v) => a + v, 0);
  }
  return lossSum / Math.max(1, tokens);
}

/** The last epoch's textbook examples per trainer, so the run's sample line reuses them. */
const lastExamples = new WeakMap<Seq2SeqTrainer, TextbookExample[]>();

/**
 * The epoch's extra metrics: `valLoss` (held-out loss, null without held-out pairs) and, for the
 * textbook's English–French data, `bleuTextbook` (mean BLEU of the four sentences).
 */
export function epochEvaluation(t: Seq2SeqTrainer): { valLoss: number | null; bleuTextbook: number | null } {
  const valLoss = validationLoss(t);
  if (t.config.pairs !== 'fra-eng') return { valLoss, bleuTextbook: null };
  const xs = textbookExamples(t.translator());
  lastExamples.set(t, xs);
  return { valLoss, bleuTextbook: xs.reduce((s, x) => s + x.bleu, 0) / xs.length };
}

/** The sample line after an epoch: the textbook's four sentences as d2l prints them, else undefined. */
export function textbookSample(t: Seq2SeqTrainer): { prefix: string; text: string; lead: number } | undefined {
  const xs = lastExamples.get(t);
  return xs ? { prefix: '', text: formatExamples(xs), lead: 0 } : undefined;
}
