/**
 * Machine translation (d2l 9.5–9.8): what the UI, the training process and the CLI use.
 *
 *   translate(checkpointDir, 'go .', { beam: 3, alpha: 0.75, maxLen: 10, tree: true })
 *     → { translations: [{ text, score, … }], unknown: [{ token, index }], tree?: { nodes } }
 */
import { loadTranslator } from './mt-checkpoint';
import type { TranslateOptions, TranslateResult } from './translator';

export * from './nmt-data';
export * from './mt-config';
export { Seq2Seq, Seq2SeqEncoder, Seq2SeqDecoder, seq2seqArchitecture, type Seq2SeqConfig } from './seq2seq';
export { EncoderDecoder, type Encoder, type Decoder, type IncrementalDecoder, type TranslatorModel } from './encoder-decoder';
export { TRANSLATORS, TRANSLATOR_NAMES, translatorArchitecture, type TranslatorArchitecture } from './registry';
export { sequenceMask, maskedSoftmaxCELoss } from './loss';
export { Seq2SeqTrainer, trainSeq2seq, type MtEpochMetrics } from './train';
export { Translator, archOf, sourceTokens, type TranslateOptions, type TranslateResult, type Translation, type UnknownWord, type TreeNodeOut } from './translator';
export { loadTranslator, readMtFiles, saveMtFiles, loadMtModel } from './mt-checkpoint';
export { MtJob, createMtJob, loadMtJob, mtJobFactory, readPairsText } from './mt-job';

/** Translates one sentence with the translator saved in a checkpoint folder (cached between calls). */
export function translate(checkpointDir: string, sentence: string, opts: TranslateOptions = {}): TranslateResult {
  return loadTranslator(checkpointDir).translate(sentence, opts);
}
