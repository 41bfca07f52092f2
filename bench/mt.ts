/**
 * Seq2seq training speed: milliseconds per batch (forward + backward + Adam) for a preset,
 * with the fused recurrent op and with plain tf ops. Prints figures; asserts nothing.
 * Run: SEQLAB_DATA_DIR=/work/shared/data npx tsx bench/mt.ts [textbook|full-small|full-large] [batches]
 */
import { initBackend } from '../src/core/backend';
import { disposeKernels, selectKernelPath } from '../src/core/kernels';
import { readTextFile } from '../src/core/data/corpus';
import { resolveDataset } from '../src/core/data/resolve';
import { setGruImpl, type GruImpl } from '../src/core/translation/gru';
import { resolveMtConfig, type MtPresetName } from '../src/core/translation/mt-config';
import { Seq2SeqTrainer } from '../src/core/translation/train';

async function main(): Promise<void> {
  const preset = (process.argv[2] ?? 'textbook') as MtPresetName;
  const batches = Number(process.argv[3] ?? 5);
  const backend = await initBackend({ backend: (process.env.SEQLAB_BACKEND as 'wasm' | undefined) ?? 'wasm' });
  const kernel = await selectKernelPath();
  console.log(`kernel paths: ${kernel.available.join(', ')} (using ${kernel.path})`);
  const text = readTextFile((await resolveDataset('fra-eng')).path);
  const t0 = performance.now();
  const config = resolveMtConfig({ preset, epochs: 1, validFraction: 0 });
  const tr = Seq2SeqTrainer.fromText(config, text);
  console.log(`${preset} on ${backend.name}: ${tr.data.source.length} pairs, vocab ${tr.data.srcVocab.size}/${tr.data.tgtVocab.size}, data ${(performance.now() - t0).toFixed(0)} ms`);
  // Train on only the first `batches` batches of rows.
  (tr as unknown as { trainRows: number[] }).trainRows = tr.trainRows.slice(0, batches * config.batchSize);
  for (const impl of ['fused', 'tfops'] as GruImpl[]) {
    setGruImpl(impl);
    await tr.trainEpoch(1); // warm-up
    const m = await tr.trainEpoch(2);
    const perBatch = m.elapsedMs / batches;
    const full = Math.ceil(tr.data.source.length / config.batchSize);
    console.log(`  ${impl.padEnd(5)} ${perBatch.toFixed(1)} ms/batch, ${Math.round(m.tokensPerSecond)} target tokens/s, ~${((perBatch * full) / 1000).toFixed(1)} s per full epoch (${full} batches)`);
  }
  tr.dispose();
  disposeKernels();
}

void main();
