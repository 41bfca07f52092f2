/**
 * d2l's PyTorch Seq2Seq (10.7: Seq2SeqEncoder = embedding + nn.GRU; Seq2SeqDecoder = embedding,
 * nn.GRU over [embedding, context], dense) saved with safetensors → a Seqlab translator
 * checkpoint (../translation/mt-checkpoint.ts). Names: `encoder.embedding.weight`,
 * `encoder.rnn[.rnn].weight_ih_l{k}` …, `decoder.embedding.weight`, `decoder.rnn[.rnn].…`,
 * `decoder.dense.weight/bias`. nn.GRU is PyTorch's GRU variant, so the translator computes
 * with it (Seq2SeqConfig.variant = 'pytorch').
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { GruVariant } from '../kernels/types';
import { Vocab } from '../text/vocab';
import { saveTensors, writeCheckpoint, writeJson } from '../training/checkpoint';
import { MT_CHECKPOINT_VERSION, type MtConfigFile } from '../translation/mt-checkpoint';
import { MT_JOB, resolveMtConfig } from '../translation/mt-config';
import { BOS, EOS, PAD } from '../translation/nmt-data';
import { checkSeq2SeqConfig, type Seq2SeqConfig } from '../translation/seq2seq';
import { SeqlabError } from '../util/errors';
import type { NamedArray, SafetensorsFile } from './safetensors';
import { packTorchLayer, transpose2d } from './torch-layout';
import { findRecurrent, pick, takeLayer, TensorPool, type RecurrentShape } from './torch-names';

export interface TorchSeq2Seq {
  model: Seq2SeqConfig;
  weights: Map<string, NamedArray>;
  src: string[];
  tgt: string[];
}

function gruOf(pool: TensorPool, scope: string, what: string, layers?: number): RecurrentShape {
  const r = findRecurrent(pool, scope, what);
  if (r.kind !== 'gru') throw new SeqlabError(`Tensor ${r.prefix}weight_hh_l0 is not a GRU's (${r.kind}); d2l's ${what} uses nn.GRU.`, 'interop');
  if (r.dirs !== 1) throw new SeqlabError(`Tensor ${r.prefix}weight_ih_l0_reverse makes ${what} bidirectional; d2l's is not.`, 'interop');
  if (layers !== undefined && r.layers !== layers) throw new SeqlabError(`Tensor ${r.prefix}weight_ih_l${r.layers - 1} is ${what}'s last layer: it has ${r.layers} layer(s), not ${layers}.`, 'interop');
  return r;
}

/** d2l's Seq2Seq tensors → Seqlab's translator; one sentence naming the tensor on any mismatch. */
export function importTorchSeq2Seq(file: SafetensorsFile, src: string[], tgt: string[], opts: { layers?: number; variant?: GruVariant } = {}): TorchSeq2Seq {
  const pool = new TensorPool(file.tensors);
  const variant = opts.variant ?? 'pytorch';
  for (const [list, side] of [[src, 'source'], [tgt, 'target']] as const) {
    for (const t of [PAD, BOS, EOS]) if (!list.includes(t)) throw new SeqlabError(`The ${side} vocabulary has no ${t}; d2l's translation vocabularies reserve <pad>, <bos> and <eos>.`, 'interop');
  }
  const encEmb = pool.take(pick(pool, ['encoder.embedding.weight']), [src.length, -1], `the encoder's embedding of a ${src.length}-token source vocabulary`);
  const E = encEmb.shape[1];
  const enc = gruOf(pool, 'encoder.', 'the encoder', opts.layers);
  const H = enc.hidden;
  if (enc.inputSize !== E) throw new SeqlabError(`Tensor ${enc.prefix}weight_ih_l0 takes ${enc.inputSize} inputs, but the encoder's embedding gives ${E}.`, 'interop');
  const decEmb = pool.take('decoder.embedding.weight', [tgt.length, E], `the decoder's embedding of a ${tgt.length}-token target vocabulary`);
  const dec = gruOf(pool, 'decoder.', 'the decoder', enc.layers);
  if (dec.hidden !== H) throw new SeqlabError(`Tensor ${dec.prefix}weight_hh_l0 has ${dec.hidden} units; the encoder has ${H}.`, 'interop');
  if (dec.inputSize !== E + H) throw new SeqlabError(`Tensor ${dec.prefix}weight_ih_l0 takes ${dec.inputSize} inputs; d2l's decoder reads embedding + context = ${E + H}.`, 'interop');
  const weights = new Map<string, NamedArray>([['encoder.embedding', encEmb]]);
  const layers = (side: 'encoder' | 'decoder', r: RecurrentShape) => {
    for (let l = 0; l < r.layers; l++) {
      const p = packTorchLayer('gru', H, takeLayer(pool, r, l, 0, `the ${side}`), variant);
      weights.set(`${side}.gru.${l}.wx`, p.wx);
      weights.set(`${side}.gru.${l}.wh`, p.wh);
      weights.set(`${side}.gru.${l}.b`, p.b);
      if (p.bhn) weights.set(`${side}.gru.${l}.bhn`, p.bhn);
    }
  };
  layers('encoder', enc);
  weights.set('decoder.embedding', decEmb);
  layers('decoder', dec);
  weights.set('decoder.dense.w', transpose2d(pool.take('decoder.dense.weight', [tgt.length, H], `the decoder's output layer to a ${tgt.length}-token vocabulary`)));
  weights.set('decoder.dense.b', pool.take('decoder.dense.bias', [tgt.length], "the decoder's output layer"));
  pool.assertEmpty("d2l's Seq2Seq (encoder.embedding, encoder.rnn, decoder.embedding, decoder.rnn, decoder.dense)");
  const model: Seq2SeqConfig = { srcVocabSize: src.length, tgtVocabSize: tgt.length, embedSize: E, numHiddens: H, numLayers: enc.layers, dropout: 0, ...(variant === 'pytorch' ? { variant } : {}) };
  checkSeq2SeqConfig(model);
  return { model, weights, src, tgt };
}

/** The checkpoint's files (inside writeCheckpoint's folder); no optimizer state: a resumed run starts Adam afresh. */
export function writeSeq2SeqFiles(dir: string, m: TorchSeq2Seq, record: object): void {
  const config = resolveMtConfig({ embedSize: m.model.embedSize, numHiddens: m.model.numHiddens, numLayers: m.model.numLayers, epochs: 1 });
  const file: MtConfigFile = { kind: MT_JOB, version: MT_CHECKPOINT_VERSION, config, model: m.model };
  writeJson(dir, 'config.json', file);
  writeJson(dir, 'src-vocab.json', Vocab.fromJSON({ idxToToken: m.src }).toJSON());
  writeJson(dir, 'tgt-vocab.json', Vocab.fromJSON({ idxToToken: m.tgt }).toJSON());
  tf.tidy(() => saveTensors(dir, Object.fromEntries([...m.weights].map(([k, w]) => [k, tf.tensor(w.data, w.shape)]))));
  writeFileSync(join(dir, 'import.json'), JSON.stringify(record, null, 2));
}

export function writeSeq2SeqCheckpoint(tmp: string, m: TorchSeq2Seq, record: object): void {
  writeCheckpoint(tmp, MT_JOB, 0, [], (dir) => writeSeq2SeqFiles(dir, m, record));
}
