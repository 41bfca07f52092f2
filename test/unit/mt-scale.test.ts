import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend';
import { disposeKernels, selectKernelPath } from '../../src/core/kernels';
import { readTextFile } from '../../src/core/data/corpus';
import { resolveDataset } from '../../src/core/data/resolve';
import { createJob, Run, type Job } from '../../src/core/training/run';
import type { RunEvent } from '../../src/protocol/training';
import { resolveMtConfig, type MtConfig } from '../../src/core/translation/mt-config';
import { Seq2SeqTrainer } from '../../src/core/translation/train';
// importing mt-job registers the "mt" job with the run machinery
import { type MtJob } from '../../src/core/translation/mt-job';
import '../../src/core/translation/mt-job';

/**
 * Scale and persistence of translators, kept lean for CI: the whole-corpus preset on a 2,000-pair
 * slice through the run machinery (start, checkpoint, resume), a run stopped mid-epoch and resumed
 * equal bit for bit to an uninterrupted one (plain and bucketed batches), and no tensor leak over
 * 1,000 training steps.
 */
const weightsOf = (job: Job) => (job as MtJob).trainer.model.variables().map((v) => Array.from(v.dataSync()));
const dataDirectory = process.env.SEQLAB_DATA_DIR;
const TINY: Partial<MtConfig> = { numExamples: 40, numSteps: 6, embedSize: 8, numHiddens: 8, numLayers: 2, batchSize: 8, lr: 0.01, seed: 3, minFreq: 1, dropout: 0.2, validFraction: 0 };

let tmp = '';

async function runToEnd(config: Record<string, unknown>, dir: string, stopAt?: { epoch: number; batch: number }): Promise<{ result: string; job: Job; events: RunEvent[] }> {
  const { job } = await createJob({ config: { job: 'mt', dataDirectory, ...config } });
  const events: RunEvent[] = [];
  const run: Run = new Run(job, {
    runId: 'r',
    checkpointDir: dir,
    emit: (e) => {
      events.push(e);
      if (stopAt && e.type === 'progress' && e.epoch === stopAt.epoch && e.batch === stopAt.batch) run.stop();
    },
  });
  return { result: await run.execute(), job, events };
}

async function resumeToEnd(dir: string, epochs?: number, stopAt?: { epoch: number; batch: number }): Promise<{ result: string; job: Job; epoch: number; events: RunEvent[] }> {
  const r = await createJob({ config: { job: 'mt', ...(epochs ? { epochs } : {}) }, checkpointDir: dir, resume: true });
  const events: RunEvent[] = [];
  const run: Run = new Run(r.job, {
    runId: 'r2',
    checkpointDir: dir,
    startEpoch: r.epoch,
    history: r.history,
    emit: (e) => {
      events.push(e);
      if (stopAt && e.type === 'progress' && e.epoch === stopAt.epoch && e.batch === stopAt.batch) run.stop();
    },
  });
  return { result: await run.execute(), job: r.job, epoch: r.epoch, events };
}

describe('translators at scale: full-corpus preset, mid-run resume, no leaks', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    await selectKernelPath();
    tmp = mkdtempSync(join(tmpdir(), 'seqlab-mt-scale-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    disposeKernels();
  });

  test('full-small on a 2,000-pair slice starts, checkpoints after its epoch and resumes into the next', async () => {
    const dir = join(tmp, 'full-small');
    const first = await runToEnd({ preset: 'full-small', numExamples: 2000, epochs: 1 }, dir);
    assert.equal(first.result, 'completed');
    const m = first.events.find((e) => e.type === 'metrics') as Extract<RunEvent, { type: 'metrics' }>;
    assert.ok(Number.isFinite(m.loss) && m.loss > 0, `loss ${m.loss}`);
    const c = (first.job as MtJob).trainer.config;
    assert.deepEqual([c.embedSize, c.numHiddens, c.numLayers, c.numSteps, c.batchSize, c.numExamples], [128, 256, 2, 15, 64, 2000], "the preset's sizes");
    assert.ok(existsSync(join(dir, 'checkpoint.json')));
    first.job.dispose();
    // CI time: the resumed run is stopped after a few batches of its second epoch.
    const second = await resumeToEnd(dir, 2, { epoch: 2, batch: 3 });
    assert.equal(second.epoch, 1);
    assert.equal(second.result, 'stopped');
    assert.equal((second.job as MtJob).trainer.config.epochs, 2);
    assert.ok(second.events.some((e) => e.type === 'progress' && e.epoch === 2 && e.batch === 3), 'training went on in epoch 2');
    second.job.dispose();
  });

  for (const bucketing of [false, true]) {
    test(`a run stopped mid-epoch and resumed from its checkpoint equals an uninterrupted one bit for bit${bucketing ? ' (bucketed batches)' : ''}`, async () => {
      const config = { ...TINY, epochs: 4, checkpointEvery: 1, bucketing };
      const straight = await runToEnd(config, join(tmp, `straight-${bucketing}`));
      const dir = join(tmp, `stopped-${bucketing}`);
      const stopped = await runToEnd(config, dir, { epoch: 3, batch: 2 });
      assert.equal(stopped.result, 'stopped');
      stopped.job.dispose();
      const resumed = await resumeToEnd(dir);
      assert.equal(resumed.epoch, 2, 'the unfinished epoch 3 is dropped; the run continues after epoch 2');
      assert.equal(resumed.result, 'completed');
      assert.deepEqual(weightsOf(resumed.job), weightsOf(straight.job));
      straight.job.dispose();
      resumed.job.dispose();
    });
  }

  test('1,000 training steps of a tiny translator (300 of an attention one) leave tf.memory().numTensors where it was', async () => {
    const text = readTextFile((await resolveDataset('fra-eng')).path);
    // the plain translator over 1,000 steps; the attention one (more ops per step, the same code around them) over 300
    for (const [model, total] of [['seq2seq', 1000], ['attention', 300]] as const) {
      const tr = Seq2SeqTrainer.fromText(resolveMtConfig({ ...TINY, model, numExamples: 40, batchSize: 4, epochs: 100 }), text);
      const batches = Math.ceil(tr.trainRows.length / 4);
      // Adam's moments appear with the first step: count after it.
      await tr.trainEpoch(1);
      const before = tf.memory().numTensors;
      let steps = batches;
      for (let e = 2; steps < total; e++, steps += batches) await tr.trainEpoch(e);
      assert.ok(steps >= total);
      assert.equal(tf.memory().numTensors, before, `${model}: tensors after ${steps} steps`);
      tr.dispose();
    }
  });
});
