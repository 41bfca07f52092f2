import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { readTextFile } from '../../src/core/data/corpus';
import { resolveDataset } from '../../src/core/data/resolve';
import { loadTensors, saveTensors, writeCheckpoint } from '../../src/core/training/checkpoint';
import { createJob, Run } from '../../src/core/training/run';
import { resolveMtConfig, type MtConfig } from '../../src/core/translation/mt-config';
import { loadTranslator, readMtFiles, saveMtFiles } from '../../src/core/translation/mt-checkpoint';
import { loadMtJob } from '../../src/core/translation/mt-job';
import { Seq2SeqTrainer, trainSeq2seq } from '../../src/core/translation/train';
import { main } from '../../src/cli/main';

/** A few epochs on a few pairs: enough to check behaviour, far from the book's 300 epochs. */
const SMALL: Partial<MtConfig> = { numExamples: 40, numSteps: 6, embedSize: 8, numHiddens: 8, numLayers: 2, batchSize: 16, epochs: 3, lr: 0.01, seed: 1, minFreq: 1 };

let text = '';
let tmp = '';
/** A language model's checkpoint folder, as far as translate can tell. */
function fakeLmCheckpoint(): string {
  const lm = join(tmp, 'lm');
  mkdirSync(join(lm, 'epoch-000001'), { recursive: true });
  writeFileSync(join(lm, 'checkpoint.json'), JSON.stringify({ format: 'seqlab-checkpoint', version: 1, job: 'lm', epoch: 1, current: 'epoch-000001' }));
  writeFileSync(join(lm, 'epoch-000001', 'config.json'), JSON.stringify({ job: 'lm' }));
  return lm;
}

const weightsOf = (t: Seq2SeqTrainer) => t.model.variables().map((v) => Array.from(v.dataSync()));

describe('translation: training, checkpoints, translating (d2l 9.7–9.8)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    // Pick the kernel path first, so every model in this file runs on the same one.
    await selectKernelPath();
    text = readTextFile((await resolveDataset('fra-eng')).path);
    tmp = mkdtempSync(join(tmpdir(), 'seqlab-mt-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    disposeKernels();
  });

  test('the defaults are the book\'s; bad settings get one sentence', () => {
    const c = resolveMtConfig({});
    assert.deepEqual(
      [c.numExamples, c.embedSize, c.numHiddens, c.numLayers, c.dropout, c.lr, c.epochs, c.batchSize, c.numSteps, c.clip],
      [600, 32, 32, 2, 0.1, 0.005, 300, 64, 10, 1],
    );
    assert.equal(resolveMtConfig({ preset: 'full-small' }).numExamples, null);
    assert.throws(() => resolveMtConfig({ dropout: 1 }), /dropout must be at least 0 and below 1/);
    assert.throws(() => resolveMtConfig({ embedSize: 0 }), /embedSize must be a positive whole number/);
    assert.throws(() => resolveMtConfig({ preset: 'huge' }), /Unknown translation preset/);
    assert.throws(() => resolveMtConfig({ hiden: 3 }), /Unknown translation setting "hiden"/);
  });

  test('training lowers the loss, reports tokens/s, and leaks no tensors', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ ...SMALL, epochs: 4 }), text);
    const seen: number[] = [];
    const counts: number[] = [];
    const history = await trainSeq2seq(tr, { onEpoch: (m) => (seen.push(m.epoch), counts.push(tf.memory().numTensors)) });
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.ok(history[3].loss < history[0].loss, `loss ${history[0].loss} → ${history[3].loss}`);
    assert.ok(history.every((m) => m.tokensPerSecond > 0 && Number.isFinite(m.extra.tokenLoss)));
    // Adam's moments appear after the first step; after that the count must stay flat.
    assert.equal(counts[3], counts[1]);
    tr.dispose();
  });

  test('an aborted signal stops between batches', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ ...SMALL, epochs: 50 }), text);
    const ac = new AbortController();
    const history = await trainSeq2seq(tr, { signal: ac.signal, onEpoch: (m) => m.epoch === 2 && ac.abort() });
    assert.equal(history.length, 2);
    tr.dispose();
  });

  test('checkpoint → translator gives the same translations; resume equals an uninterrupted run', async () => {
    const config = resolveMtConfig(SMALL);
    const straight = Seq2SeqTrainer.fromText(config, text);
    for (let e = 1; e <= 3; e++) await straight.trainEpoch(e);

    const first = Seq2SeqTrainer.fromText(config, text);
    for (let e = 1; e <= 2; e++) await first.trainEpoch(e);
    const dir = join(tmp, 'resume');
    writeCheckpoint(dir, 'mt', 2, [], (d) => saveMtFiles(d, first));
    assert.equal(readMtFiles(dir).epoch, 2);
    const translator = loadTranslator(dir);
    for (const s of ['go .', 'hi .', 'run !']) {
      assert.deepEqual(translator.translate(s, { beam: 2 }), first.translator().translate(s, { beam: 2 }));
    }
    const job = await loadMtJob(dir, text);
    await job.trainer.trainEpoch(3);
    const a = weightsOf(straight);
    // Adam's step count, moments and β powers are restored as they were: bit-identical.
    assert.deepEqual(weightsOf(job.trainer), a);

    // A checkpoint in the earlier layout (moments in optimizer/, step count in adam.json) resumes too.
    const legacy = join(tmp, 'legacy');
    writeCheckpoint(legacy, 'mt', 2, [], (d) => {
      saveMtFiles(d, first);
      const state = loadTensors(d, 'optimizer');
      const named = Object.fromEntries([...state].filter(([k]) => /^[mv]\./.test(k)).map(([k, w]) => [k, tf.tensor(w.data, w.shape)]));
      mkdirSync(join(d, 'optimizer'));
      saveTensors(join(d, 'optimizer'), named);
      writeFileSync(join(d, 'optimizer', 'adam.json'), JSON.stringify({ iterations: state.get('iter')!.data[0], count: Object.keys(named).length / 2 }));
      tf.dispose(Object.values(named));
      for (const f of ['optimizer.json', 'optimizer.bin']) rmSync(join(d, f));
    });
    const old = await loadMtJob(legacy, text);
    await old.trainer.trainEpoch(3);
    weightsOf(old.trainer).forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - a[i][j]) < 1e-6, `param ${i}[${j}] ${x} vs ${a[i][j]}`)));
    straight.dispose();
    first.dispose();
    job.dispose();
    old.dispose();
  });

  test('the shared run machinery trains, checkpoints and resumes an mt job', async () => {
    const dir = join(tmp, 'run');
    const events: string[] = [];
    const { job } = await createJob({ config: { ...SMALL, job: 'mt', epochs: 2, checkpointEvery: 1, dataDirectory: process.env.SEQLAB_DATA_DIR } });
    const run = new Run(job, { runId: 't', checkpointDir: dir, emit: (e) => events.push(e.type) });
    assert.equal(await run.execute(), 'completed');
    assert.ok(events.includes('metrics') && events.includes('sample') && events.includes('checkpoint'));
    job.dispose();
    const resumed = await createJob({ config: { job: 'mt', epochs: 3 }, checkpointDir: dir, resume: true });
    assert.equal(resumed.epoch, 2);
    assert.equal(resumed.history.length, 2);
    const run2 = new Run(resumed.job, { runId: 't2', checkpointDir: dir, startEpoch: resumed.epoch, history: resumed.history, emit: () => {} });
    assert.equal(await run2.execute(), 'completed');
    assert.equal(readMtFiles(dir).epoch, 3);
    resumed.job.dispose();
  });

  test('translate: beam 1 equals greedy, n-best sorted, tree with token text, unknown words reported', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig(SMALL), text);
    await tr.trainEpoch(1);
    const t = tr.translator();
    const g = t.translate('Go.');
    assert.deepEqual(g.source, ['go', '.']);
    const b1 = t.translate('Go.', { beam: 1, tree: true });
    assert.deepEqual(b1.translations, g.translations);
    const b3 = t.translate('go .', { beam: 3, tree: true, maxLen: 4 });
    assert.ok(b3.translations.length >= 1 && b3.translations.length <= 3);
    for (let i = 1; i < b3.translations.length; i++) assert.ok(b3.translations[i - 1].score >= b3.translations[i].score);
    assert.equal(b3.tree!.nodes[0].text, '<bos>');
    assert.ok(b3.tree!.nodes.every((n) => typeof n.text === 'string' && n.step <= 4));
    const u = t.translate('go zzzqx .');
    assert.deepEqual(u.unknown, [{ token: 'zzzqx', index: 1 }]);
    // Reserved markers typed by a user are not vocabulary words.
    assert.deepEqual(t.translate('go <eos>').unknown, [{ token: '<eos>', index: 1 }]);
    assert.equal(t.translate('go . go . go . go .').truncated, true);
    tr.dispose();
  });

  test('bad input: empty sentence, all-unknown words, a checkpoint of the wrong kind', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ ...SMALL, epochs: 1 }), text);
    const t = tr.translator();
    assert.throws(() => t.translate('   '), /nothing to translate: the sentence is empty/);
    assert.throws(() => t.translate(''), (e: Error & { code?: string }) => e.code === 'empty-input');
    assert.throws(() => t.translate('zzzqx blorf'), /None of the words \(zzzqx blorf\) is in the model's source vocabulary/);
    assert.throws(() => t.translate('go .', { beam: 0 }), /beam size must be a positive whole number/);
    tr.dispose();

    assert.throws(() => loadTranslator(fakeLmCheckpoint()), /holds a language-model checkpoint, not a translator/);
    assert.throws(() => loadTranslator(join(tmp, 'nope')), /There is no checkpoint folder/);
    assert.throws(() => loadTranslator(tmp), /holds no Seqlab checkpoint/);
  });

  test('seqlab translate --json: translations with scores, unknown words, the tree; wrong kind exits non-zero', async () => {
    const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ ...SMALL, epochs: 1 }), text);
    const dir = join(tmp, 'cli');
    writeCheckpoint(dir, 'mt', 0, [], (d) => saveMtFiles(d, tr));
    tr.dispose();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), signal: new AbortController().signal };
    assert.equal(await main(['translate', '--checkpoint', dir, '--beam', '2', '--tree', '--json', 'go zzzqx .'], io), 0);
    const j = JSON.parse(out[0]) as { translations: { text: string; score: number }[]; unknown: { token: string }[]; tree: { nodes: unknown[] } };
    assert.ok(j.translations.length >= 1 && typeof j.translations[0].score === 'number');
    assert.deepEqual(j.unknown.map((u) => u.token), ['zzzqx']);
    assert.ok(j.tree.nodes.length > 1);
    assert.notEqual(await main(['translate', '--checkpoint', fakeLmCheckpoint(), 'go .'], io), 0);
    assert.match(err.at(-1)!, /not a translator/);
  });
});
