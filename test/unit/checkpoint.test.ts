import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint, writeCheckpoint, loadTensors } from '../../src/core/training/checkpoint';
import { CHECKSUMS_FILE, writeChecksums } from '../../src/core/training/checkpoint-sums';
import { loadLMCheckpoint } from '../../src/core/training/lm-job';
import { createJob, Run } from '../../src/core/training/run';
import type { EpochMetrics, RunEvent } from '../../src/protocol/training';
import { predictIds } from '../../src/core/models/predict';
import '../../src/core/training/jobs';

const config = { job: 'lm', corpus: 'timemachine', token: 'char', model: 'lstm', impl: 'fused', hidden: 8, batch: 4, steps: 10, lr: 1, maxTokens: 2000, seed: 2, sampleLength: 5 };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'seqlab-ckpt-'));
  dirs.push(d);
  return d;
};

before(async () => {
  await initBackend({ backend: 'cpu' });
});
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function train(over: Record<string, unknown>, dir?: string, resume = false): Promise<{ history: EpochMetrics[]; events: RunEvent[]; text: string }> {
  const { job, epoch, history } = await createJob({ config: { ...config, ...over }, checkpointDir: dir, resume });
  const events: RunEvent[] = [];
  const run = new Run(job, { runId: 't', checkpointDir: dir, startEpoch: epoch, history, emit: (e) => events.push(e) });
  await run.execute();
  const text = job.generate!({ type: 'generate', requestId: 'x', prefix: 'time traveller', length: 20 }).text;
  job.dispose();
  return { history: run.history, events, text };
}

describe('checkpoints', () => {
  test('save → load → same predictions, in any implementation', async () => {
    const dir = tmp();
    const { text } = await train({ epochs: 2 }, dir);
    const ckpt = readCheckpoint(dir, 'lm');
    assert.equal(ckpt.epoch, 2);
    assert.equal(ckpt.history.length, 2);
    for (const impl of ['fused', 'scratch', 'layers'] as const) {
      const lm = loadLMCheckpoint(dir, { impl });
      const out = lm.codec.decode(predictIds(lm.model, lm.codec.encode('time traveller'), 20));
      assert.equal(out, text, impl);
      lm.model.dispose();
    }
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.json', 'epoch-000002']);
    assert.ok(readdirSync(ckpt.dir).includes(CHECKSUMS_FILE));
  });

  test('resume continues the epoch count and the curve exactly where an uninterrupted run would be', async () => {
    const straight = await train({ epochs: 3 });
    const dir = tmp();
    await train({ epochs: 2 }, dir);
    const resumed = await train({ epochs: 3 }, dir, true);
    assert.deepEqual(resumed.history.map((h) => h.epoch), [1, 2, 3]);
    assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
    assert.equal(readCheckpoint(dir).epoch, 3);
    assert.equal(resumed.text, straight.text);
  });

  test('Adam resumes with its step count and moments: the curve continues exactly', async () => {
    const adam = { optimizer: 'adam', lr: 0.01, model: 'gru', impl: 'fused', maxTokens: 1500 };
    const straight = await train({ ...adam, epochs: 3 });
    const dir = tmp();
    await train({ ...adam, epochs: 2 }, dir);
    assert.ok(existsSync(join(readCheckpoint(dir).dir, 'optimizer.json')));
    const before = tf.memory().numTensors;
    const resumed = await train({ ...adam, epochs: 3 }, dir, true);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
  });

  test('a failing save leaves the previous checkpoint readable', async () => {
    const dir = tmp();
    await train({ epochs: 1 }, dir);
    assert.throws(
      () => writeCheckpoint(dir, 'lm', 2, [], () => {
        throw new Error('disk full');
      }),
      /Saving the checkpoint .* failed \(disk full\); the previous checkpoint is unchanged/,
    );
    assert.equal(readCheckpoint(dir).epoch, 1);
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('.tmp-')));
    const lm = loadLMCheckpoint(dir);
    lm.model.dispose();
  });

  test('corrupted, missing or mismatched checkpoints give one clear sentence and leak no tensors', async () => {
    const dir = tmp();
    await train({ epochs: 1 }, dir);
    const inner = readCheckpoint(dir).dir;
    const tensorsBefore = tf.memory().numTensors;
    assert.throws(() => loadLMCheckpoint(join(dir, 'nope')), /There is no checkpoint folder/);
    assert.throws(() => loadLMCheckpoint(inner), /holds no Seqlab checkpoint/);
    // Flip one byte of the weights.
    const bin = readFileSync(join(inner, 'weights.bin'));
    bin[10] ^= 0xff;
    writeFileSync(join(inner, 'weights.bin'), bin);
    assert.throws(() => loadTensors(inner), /weights.bin does not match its checksum/);
    assert.throws(() => loadLMCheckpoint(dir), /weights.bin does not match its checksum/);
    bin[10] ^= 0xff;
    writeFileSync(join(inner, 'weights.bin'), bin);
    // A config edited after the save: its checksum refuses it.
    const cfgPath = join(inner, 'config.json');
    const good = readFileSync(cfgPath, 'utf8');
    const cfg = JSON.parse(good);
    cfg.config.hidden = 16;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    assert.throws(() => loadLMCheckpoint(dir), /config.json does not match its checksum/);
    // The same config with matching checksums (written by a buggy save): the shape check still refuses it.
    writeChecksums(inner);
    assert.throws(() => loadLMCheckpoint(dir), /do not fit this model: l0.fw.wx is \[28,32\], the model needs \[28,64\]/);
    writeFileSync(cfgPath, '{"config": ');
    writeChecksums(inner);
    assert.throws(() => loadLMCheckpoint(dir), /config.json is not valid JSON/);
    writeFileSync(cfgPath, good);
    writeChecksums(inner);
    const vocab = readFileSync(join(inner, 'vocab.json'));
    rmSync(join(inner, 'vocab.json'));
    assert.throws(() => loadLMCheckpoint(dir), /vocab.json is missing/);
    // A checkpoint saved before checksums existed loads, with a warning that says what is unverified.
    writeFileSync(join(inner, 'vocab.json'), vocab);
    rmSync(join(inner, CHECKSUMS_FILE));
    // A checkpoint saved with checksums whose list was deleted is refused…
    assert.throws(() => loadLMCheckpoint(dir), /checksums.json is missing/);
    // …one saved before checksums existed (its meta.json does not say it has them) loads.
    const metaPath = join(inner, 'meta.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    delete meta.checksums;
    writeFileSync(metaPath, JSON.stringify(meta));
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => { warned.push(String(m)); };
    try { loadLMCheckpoint(dir).model.dispose(); } finally { console.warn = warn; }
    assert.match(warned.join('\n'), /has no checksums.json .*its vocabulary and config are not/);
    writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({ format: 'seqlab-checkpoint', version: 1, job: 'seq2seq', epoch: 1, current: 'epoch-000001' }));
    assert.throws(() => loadLMCheckpoint(dir), /was written by a "seq2seq" job, not a "lm" job/);
    await assert.rejects(createJob({ config: {}, checkpointDir: tmp(), resume: true }), /no checkpoint to resume/);
    assert.equal(existsSync(inner), true);
    // Every refused load freed what it had built.
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  test('two swapped vocabulary tokens are refused by the checksum (generate, resume)', async () => {
    const dir = tmp();
    await train({ epochs: 1 }, dir);
    const inner = readCheckpoint(dir).dir;
    const path = join(inner, 'vocab.json');
    const vocab = JSON.parse(readFileSync(path, 'utf8'));
    const tokens: string[] = vocab.idxToToken;
    [tokens[2], tokens[3]] = [tokens[3], tokens[2]];
    writeFileSync(path, JSON.stringify(vocab));
    assert.throws(() => loadLMCheckpoint(dir), /The checkpoint is corrupted: vocab.json does not match its checksum/);
    await assert.rejects(createJob({ config: { job: 'lm' }, checkpointDir: dir, resume: true }), /vocab.json does not match its checksum/);
  });

  test('a failing first save does not claim a previous checkpoint', () => {
    const dir = tmp();
    assert.throws(
      () => writeCheckpoint(dir, 'lm', 1, [], () => {
        throw new Error('ENOSPC: no space left on device');
      }),
      /failed \(ENOSPC: no space left on device\); no checkpoint was saved\./,
    );
  });
});
