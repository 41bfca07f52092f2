/**
 * The translator's training computations side by side (../src/core/translation/train.ts
 * MtEngine): ms/batch and target tokens/s per engine on a preset, and the first batches'
 * losses of each against the per-op reference. Prints figures; asserts nothing.
 * Run: SEQLAB_DATA_DIR=/work/shared/data npx tsx bench/mt-engine.ts [preset] [batches] [engines,…] [pairs]
 * (SEQLAB_KERNEL=wasm-simd-threads for the WASM path; pairs overrides the preset's num_examples, 0 = all)
 */
import { initBackend } from '../src/core/backend';
import { disposeKernels, selectKernelPath } from '../src/core/kernels';
import { readTextFile } from '../src/core/data/corpus';
import { resolveDataset } from '../src/core/data/resolve';
import { resolveMtConfig, type MtPresetName } from '../src/core/translation/mt-config';
import { loadDataNmt } from '../src/core/translation/nmt-data';
import { MT_ENGINES, Seq2SeqTrainer, setMtEngine, type MtEngine } from '../src/core/translation/train';

async function main(): Promise<void> {
  const preset = (process.argv[2] ?? 'textbook') as MtPresetName;
  const batches = Number(process.argv[3] ?? 10);
  const engines = (process.argv[4]?.split(',') ?? MT_ENGINES) as MtEngine[];
  const pairs = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
  const backend = await initBackend({ backend: (process.env.SEQLAB_BACKEND as 'wasm' | undefined) ?? 'wasm' });
  const kernel = await selectKernelPath();
  console.log(`kernel paths: ${kernel.available.join(', ')} (using ${kernel.path})`);
  const text = readTextFile((await resolveDataset('fra-eng')).path);
  const config = resolveMtConfig({ preset, epochs: 1, validFraction: 0, ...(pairs === undefined ? {} : { numExamples: pairs === 0 ? null : pairs }) });
  const data = loadDataNmt(text, { numExamples: config.numExamples ?? undefined, numSteps: config.numSteps, minFreq: config.minFreq });
  console.log(`${preset} on ${backend.name}: ${data.source.length} pairs, vocab ${data.srcVocab.size}/${data.tgtVocab.size}`);
  for (const engine of engines) {
    setMtEngine(engine);
    const tr = new Seq2SeqTrainer(config, data);
    (tr as unknown as { trainRows: number[] }).trainRows = tr.trainRows.slice(0, batches * config.batchSize);
    const losses: number[] = [];
    await tr.trainEpoch(1, { progress: (_b, _n, l) => losses.push(l) }); // warm-up, and the first batches' losses
    const m = await tr.trainEpoch(2);
    const perBatch = m.elapsedMs / batches;
    console.log(`  ${engine.padEnd(10)} ${perBatch.toFixed(1)} ms/batch, ${Math.round(m.tokensPerSecond)} target tokens/s; ${tr.computation()}`);
    console.log(`    first losses per token: ${losses.slice(0, 5).map((l) => l.toFixed(6)).join(' ')} … epoch-2 loss ${m.loss.toFixed(6)}`);
    tr.dispose();
  }
  setMtEngine(null);
  disposeKernels();
}

void main();
