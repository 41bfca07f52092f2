import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingProcess } from '../../src/core/training/process-client';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import type { RunEvent } from '../../src/protocol/training';

const entry = join(__dirname, '../../src/worker/train-process.ts');
const tiny = { job: 'lm', corpus: 'timemachine', token: 'char', model: 'gru', impl: 'fused', hidden: 8, batch: 4, steps: 10, lr: 1, maxTokens: 3000, seed: 1, sampleLength: 10 };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'seqlab-train-process-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function client(): { c: TrainingProcess; events: RunEvent[] } {
  // Each process loads whichever kernel path is fastest here, native included, and must exit cleanly.
  const c = new TrainingProcess({ entry });
  const events: RunEvent[] = [];
  c.onEvent((e) => events.push(e));
  return { c, events };
}

describe('training process (the one transport of background training)', () => {
  test('runs a job to the end with typed events, a sample and a checkpoint, and answers generate', async () => {
    const { c, events } = client();
    try {
      const dir = tmp();
      c.start({ runId: 'r1', config: { ...tiny, epochs: 2 }, checkpointDir: dir, backend: 'cpu' });
      const done = await c.waitForRun('r1');
      assert.equal(done.reason, 'completed');
      assert.equal(done.history.length, 2);
      const metrics = events.filter((e) => e.type === 'metrics');
      assert.deepEqual(metrics.map((m) => m.epoch), [1, 2]);
      for (const m of metrics) {
        assert.ok(m.perplexity! > 1 && m.perplexity! < 40);
        assert.ok(m.valPerplexity! > 1);
        assert.ok(m.tokensPerSecond > 0);
      }
      // the sample marks where generation begins: after the prefix as the model reads it
      assert.ok(events.some((e) => e.type === 'sample' && e.text.startsWith('time traveller') && e.lead === 'time traveller'.length));
      assert.ok(events.some((e) => e.type === 'progress'));
      assert.equal(readCheckpoint(dir, 'lm').epoch, 2);
      const g = await c.generate({ prefix: 'time traveller', length: 5 });
      assert.equal(g.text.length, 'time traveller'.length + 5);
      const a = await c.activations({ text: 'the time' });
      assert.deepEqual(Object.keys(a.layers[0].gates), ['z', 'r', 'h̃']);
      assert.equal(a.layers[0].hidden.length, 8);
      await assert.rejects(c.generate({ prefix: '', length: 3 }), /prefix/);
    } finally {
      await c.dispose();
    }
  });

  test('pause holds the run, resume continues it, stop keeps the last checkpoint for a resume', async () => {
    const { c, events } = client();
    try {
      const dir = tmp();
      c.start({ runId: 'r2', config: { ...tiny, epochs: 200 }, checkpointDir: dir, backend: 'cpu' });
      await c.next('checkpoint', (e) => e.epoch >= 1);
      c.pause();
      await c.next('state', (e) => e.state === 'paused');
      const before = events.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(events.slice(before).filter((e) => e.type === 'progress').length, 0, 'no batches while paused');
      c.resume();
      await c.next('progress');
      c.stop();
      const done = await c.waitForRun('r2');
      assert.equal(done.reason, 'stopped');
      const ckpt = readCheckpoint(dir, 'lm');
      assert.ok(ckpt.epoch >= 1 && ckpt.epoch <= done.epoch);
      // Resume: the epoch count and the curve continue from the checkpoint.
      c.start({ runId: 'r3', config: { epochs: ckpt.epoch + 1 }, checkpointDir: dir, resume: true });
      const resumed = await c.waitForRun('r3');
      assert.equal(resumed.reason, 'completed');
      assert.equal(resumed.history.length, ckpt.epoch + 1);
      assert.deepEqual(resumed.history.slice(0, ckpt.epoch), ckpt.history);
      assert.equal(resumed.history.at(-1)!.epoch, ckpt.epoch + 1);
    } finally {
      await c.dispose();
    }
  });

  test('bad commands and bad configs come back as error events, and the process keeps working', async () => {
    const { c, events } = client();
    try {
      c.send({ type: 'start', runId: 5 });
      await c.next('error', (e) => e.code === 'protocol');
      c.start({ runId: 'bad', config: { ...tiny, hidden: 0 }, backend: 'cpu' });
      await assert.rejects(c.waitForRun('bad'), /hidden units must be a positive whole number/);
      c.start({ runId: 'bad2', config: { ...tiny, steps: 5000 }, backend: 'cpu' });
      await assert.rejects(c.waitForRun('bad2'), /too short/);
      c.start({ runId: 'ok', config: { ...tiny, epochs: 1 }, backend: 'cpu' });
      assert.equal((await c.waitForRun('ok')).reason, 'completed');
      // 'ready' names the backend and, for the fused impl, the kernel path the run trains on.
      const ready = events.find((e) => e.type === 'ready' && e.kernel !== undefined);
      assert.ok(ready && ready.type === 'ready');
      assert.equal(ready.backend, 'cpu');
      assert.match(ready.kernel!, /^(native|wasm-simd|wasm-simd-threads|TypeScript)\b/);
    } finally {
      await c.dispose();
    }
  });
});
