// Experiment files: the generated JSON Schema (current, every run-config key in it), JSONC
// parsing with located problems, sweep × seeds expansion, --only / --set, the results folder,
// the run queue (one at a time, stress, resume from saved state) and `seqlab run` on the example.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOB_CONFIG_SCHEMAS } from '../../src/core/training/job-configs';
import { EXPERIMENT_SCHEMA_PATH, experimentJsonSchema, experimentJsonSchemaText } from '../../src/core/experiments/json-schema';
import {
  RUN_RESULT_FILES,
  SUMMARY_FILES,
  RunQueue,
  parseExperimentText,
  parseOverrides,
  resultsDirFor,
  writeRunResult,
  writeSummary,
  type QueueState,
  type QueuedRunState,
} from '../../src/core/experiments';
import { runCli } from './helpers/cli';

const root = join(__dirname, '..', '..');

type Props = { properties: Record<string, { description?: string }> };

describe('experiment JSON Schema', () => {
  const schema = experimentJsonSchema() as { properties: { runs: { items: { anyOf: Props[] } }; sweep: Props } };

  test('the committed schema file is the one the zod schemas generate', () => {
    const committed = readFileSync(join(root, EXPERIMENT_SCHEMA_PATH), 'utf8');
    assert.equal(committed, experimentJsonSchemaText(), `${EXPERIMENT_SCHEMA_PATH} is out of date: run node --import tsx scripts/experiment-schema.ts`);
  });

  test('the manifest contributes it for *.seqlab.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.seqlab.json', url: `./${EXPERIMENT_SCHEMA_PATH}` }]);
    const langs = pkg.contributes.languages as { id: string; filenamePatterns?: string[] }[];
    assert.ok(langs.some((l) => l.id === 'jsonc' && l.filenamePatterns?.includes('*.seqlab.json')), 'experiment files open as JSON with comments');
  });

  test('every key of both run configs appears, with a description, in runs and in sweep', () => {
    const [lm, mt] = schema.properties.runs.items.anyOf;
    for (const key of Object.keys(JOB_CONFIG_SCHEMAS.lm.shape)) {
      assert.ok(lm.properties[key], `language-model key ${key} missing`);
      assert.ok(lm.properties[key].description, `language-model key ${key} has no description`);
      if (key !== 'job' && key !== 'dataDirectory') assert.ok(schema.properties.sweep.properties[key], `sweep key ${key} missing`);
    }
    for (const key of [...Object.keys(JOB_CONFIG_SCHEMAS.mt.shape), 'preset']) {
      assert.ok(mt.properties[key], `translator key ${key} missing`);
      assert.ok(mt.properties[key].description, `translator key ${key} has no description`);
    }
  });
});

const SWEEP_2x2 = `{
  // JSONC: comments and trailing commas are fine
  "runs": [{ "name": "tiny", "model": "gru", "epochs": 1, "maxTokens": 1500, }],
  "sweep": { "lr": [0.5, 2], "hidden": [8, 16] },
}`;

describe('experiment files: parsing and expansion', () => {
  test('a 2×2 sweep expands to 4 runs with the right configs, first key outermost', () => {
    const r = parseExperimentText(SWEEP_2x2, '/x/tiny.seqlab.json');
    assert.deepEqual(r.problems, []);
    const runs = r.parsed!.runs;
    assert.equal(r.parsed!.name, 'tiny');
    assert.deepEqual(runs.map((x) => x.label), ['lr=0.5 · hidden=8', 'lr=0.5 · hidden=16', 'lr=2 · hidden=8', 'lr=2 · hidden=16']);
    assert.deepEqual(runs.map((x) => [x.config.lr, x.config.hidden]), [[0.5, 8], [0.5, 16], [2, 8], [2, 16]]);
    for (const x of runs) {
      assert.equal(x.config.model, 'gru');
      assert.equal(x.config.epochs, 1);
      assert.equal(x.config.batch, 32, 'defaults are filled in the resolved config');
      assert.equal(x.given.batch, undefined, 'only what the file says is passed on');
    }
    assert.deepEqual(runs.map((x) => x.slug), ['lr=0.5_hidden=8', 'lr=0.5_hidden=16', 'lr=2_hidden=8', 'lr=2_hidden=16']);
  });

  test('seeds repeat every grid point; several runs keep their names in the label', () => {
    const text = JSON.stringify({ runs: [{ name: 'a', model: 'rnn' }, { name: 'b', job: 'mt', epochs: 2 }], sweep: { lr: [0.1, 0.2] }, seeds: [0, 1] });
    const r = parseExperimentText(text, 'two.seqlab.json');
    assert.deepEqual(r.problems, []);
    assert.equal(r.parsed!.runs.length, 8);
    assert.deepEqual(r.parsed!.runs.slice(0, 2).map((x) => x.label), ['a · lr=0.1 · seed 0', 'a · lr=0.1 · seed 1']);
    const mt = r.parsed!.runs.filter((x) => x.kind === 'mt');
    assert.deepEqual(mt.map((x) => [x.config.lr, x.config.seed, x.config.numHiddens]), [[0.1, 0, 32], [0.1, 1, 32], [0.2, 0, 32], [0.2, 1, 32]]);
  });

  test('--set overrides every run and takes its key out of the sweep; --only keeps one run', () => {
    const set = parseOverrides(['epochs=1', 'hidden=8', 'corpus=timemachine', 'bidirectional=true']);
    assert.deepEqual(set, { epochs: 1, hidden: 8, corpus: 'timemachine', bidirectional: true });
    const r = parseExperimentText(SWEEP_2x2, 'tiny.seqlab.json', { set: { hidden: 4 } });
    assert.deepEqual(r.parsed!.runs.map((x) => [x.label, x.config.hidden]), [['lr=0.5', 4], ['lr=2', 4]]);
    const one = parseExperimentText(SWEEP_2x2, 'tiny.seqlab.json', { only: 'lr=2 · hidden=16' });
    assert.deepEqual(one.parsed!.runs.map((x) => x.label), ['lr=2 · hidden=16']);
    assert.throws(() => parseExperimentText(SWEEP_2x2, 'tiny.seqlab.json', { only: 'nope' }), /No run is named "nope"; the runs are "tiny", "lr=0.5 · hidden=8"/);
    assert.throws(() => parseOverrides(['epochs']), /--set needs key=value, got "epochs"/);
  });

  test('bad values are problems at their place in the text, one sentence each', () => {
    const text = '{\n  "runs": [\n    { "model": "transformer", "hiden": 8, "epochs": -1 }\n  ],\n  "sweep": { "lr": [] }\n}';
    const r = parseExperimentText(text, 'bad.seqlab.json');
    assert.equal(r.parsed, undefined);
    const byMsg = (re: RegExp) => r.problems.find((p) => re.test(p.message));
    const model = byMsg(/runs\[0\]\.model/);
    assert.ok(model, JSON.stringify(r.problems));
    assert.equal(text.slice(model.offset, model.offset + model.length), '"transformer"');
    assert.equal(model.line, 3);
    const key = byMsg(/Unknown key "hiden"/)!;
    assert.equal(text.slice(key.offset, key.offset + key.length), '"hiden"');
    assert.ok(byMsg(/sweep\.lr/), 'an empty sweep list is a problem');
  });

  test('values the run config refuses are problems at their place, in the run config\'s words', () => {
    const text = JSON.stringify({ runs: [{ name: 'r', hidden: 0 }] });
    const r = parseExperimentText(text, 'x.seqlab.json');
    assert.deepEqual(r.problems.map((p) => p.message), ['runs[0].hidden: The number of hidden units must be a positive whole number, got 0.']);
    const trunc = parseExperimentText(JSON.stringify({ runs: [{ impl: 'layers' }], sweep: { truncation: ['full', 'fixed'] } }), 'x.seqlab.json');
    assert.deepEqual(trunc.problems.map((p) => p.message), ['truncation=fixed: Truncated BPTT needs --impl scratch or fused; the layers implementation trains with full BPTT.']);
  });

  test('not JSON, empty, unknown sweep key, duplicate names: one clear sentence', () => {
    assert.match(parseExperimentText('{ "runs": [ }', 'x').problems[0].message, /^Not valid JSON: /);
    assert.match(parseExperimentText('', 'x').problems[0].message, /The file is empty/);
    assert.match(parseExperimentText('{"runs":[{}],"sweep":{"numHiddens":[1]}}', 'x').problems[0].message, /No run has a setting "numHiddens" to sweep/);
    assert.match(parseExperimentText('{"runs":[{"name":"a"},{"name":"a"}]}', 'x').problems[0].message, /Two runs are named "a"/);
    assert.match(parseExperimentText('{"runs":[{"job":"mt","numHiddens":"big"}]}', 'x').problems[0].message, /runs\[0\]\.numHiddens: numHiddens must be a positive whole number, got "big"\./);
  });

  test('both examples parse: 3 runs (RNN, GRU, LSTM) and 3 learning rates × 2 seeds', () => {
    const rgl = parseExperimentText(readFileSync(join(root, 'examples/rnn-gru-lstm.seqlab.json'), 'utf8'), 'rnn-gru-lstm.seqlab.json');
    assert.deepEqual(rgl.parsed!.runs.map((r) => r.config.model), ['rnn', 'gru', 'lstm']);
    assert.deepEqual(rgl.parsed!.runs.map((r) => [r.config.hidden, r.config.batch, r.config.steps, r.config.lr, r.config.clip]), Array(3).fill([256, 32, 35, 1, 1]));
    const lr = parseExperimentText(readFileSync(join(root, 'examples/learning-rate-sweep.seqlab.json'), 'utf8'), 'learning-rate-sweep.seqlab.json');
    assert.deepEqual(lr.parsed!.runs.map((r) => [r.config.lr, r.config.seed]), [[0.5, 0], [0.5, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
  });
});

describe('results folder', () => {
  test('per run: resolved config, metrics CSV and JSON, result with the best values and checkpoint; a summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-results-'));
    const file = join(dir, 'tiny.seqlab.json');
    const exp = parseExperimentText(SWEEP_2x2, file).parsed!;
    const results = resultsDirFor(file);
    assert.equal(results, join(dir, 'tiny.seqlab-results'));
    const history = [
      { epoch: 1, loss: 3, perplexity: 20, valPerplexity: 21, tokensPerSecond: 100, elapsedMs: 10 },
      { epoch: 2, loss: 2.5, perplexity: 12, valPerplexity: 14, tokensPerSecond: 100, elapsedMs: 20, extra: { bleu: 0.5 } },
      { epoch: 3, loss: 2.6, perplexity: 13, valPerplexity: 15, tokensPerSecond: 100, elapsedMs: 30, extra: { bleu: 0.25 } },
    ];
    writeRunResult(results, exp.runs[1], { status: 'done', history, checkpoint: '/ck/1' });
    const rows = writeSummary(results, exp);
    assert.deepEqual(readdirSync(join(results, exp.runs[1].slug)).sort(), [...RUN_RESULT_FILES].sort());
    for (const f of SUMMARY_FILES) assert.ok(existsSync(join(results, f)), f);
    const result = JSON.parse(readFileSync(join(results, exp.runs[1].slug, 'result.json'), 'utf8'));
    assert.deepEqual(result.best, { valPerplexity: 14, loss: 2.5, bleu: 0.5 });
    assert.equal(result.checkpoint, '/ck/1');
    assert.deepEqual(result.swept, { lr: 0.5, hidden: 16 });
    assert.equal(JSON.parse(readFileSync(join(results, exp.runs[1].slug, 'config.json'), 'utf8')).hidden, 16);
    const csv = readFileSync(join(results, exp.runs[1].slug, 'metrics.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'epoch,loss,perplexity,valPerplexity,tokensPerSecond,elapsedMs,gradNorm,bleu');
    assert.equal(csv[1], '1,3,20,21,100,10,,');
    assert.deepEqual(rows.map((r) => r.status), ['pending', 'done', 'pending', 'pending']);
    assert.match(readFileSync(join(results, 'summary.md'), 'utf8'), /\| lr=0\.5 · hidden=16 \| done \| 3 \| 14\.000 \| 2\.5000 \| 0\.500 \| \/ck\/1 \|/);
  });
});

/** Fake runs for the queue: each "trains" until finish(id) is called. */
function fakeRuns() {
  const status = new Map<string, QueuedRunState>();
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  return {
    status,
    log,
    max: () => maxActive,
    state: (id: string): QueuedRunState => status.get(id) ?? 'ended',
    async start(id: string) {
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      log.push(`start ${id}`);
      if (status.get(id) !== 'waiting') throw new Error(`${id} started twice`);
      status.set(id, 'active');
      maxActive = Math.max(maxActive, ++active);
    },
    /** The window closed under the run: its process is gone, the registry says interrupted. */
    interrupt(id: string) {
      assert.equal(status.get(id), 'active');
      status.set(id, 'waiting');
      active--;
    },
    finish(id: string) {
      if (status.get(id) !== 'active') return false;
      status.set(id, 'ended');
      active--;
      log.push(`end ${id}`);
      return true;
    },
  };
}

const items = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => ({ runId: `${prefix}${i}`, experimentFile: '/x/e.seqlab.json', slug: `s${i}` }));
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('run queue', () => {
  test('concurrency 1: queued runs start one at a time, in order', async () => {
    const runs = fakeRuns();
    const saved: QueueState[] = [];
    const q = new RunQueue({ concurrency: () => 1, state: runs.state, start: (id) => runs.start(id), failed: () => assert.fail('no failure expected'), save: (s) => saved.push(s) });
    for (const i of items(4)) runs.status.set(i.runId, 'waiting');
    q.enqueue(items(4));
    for (let k = 0; k < 4; k++) {
      while (!runs.finish(`r${k}`)) await tick();
      q.changed();
    }
    while (q.list().length) {
      await tick();
      q.changed();
    }
    assert.deepEqual(runs.log, ['start r0', 'end r0', 'start r1', 'end r1', 'start r2', 'end r2', 'start r3', 'end r3']);
    assert.equal(runs.max(), 1);
    assert.deepEqual(saved.at(-1), { version: 1, items: [] });
  });

  test('stress: random finishes and change storms never exceed the concurrency or start a run twice', async () => {
    for (const limit of [1, 2, 3]) {
      const runs = fakeRuns();
      const q = new RunQueue({ concurrency: () => limit, state: runs.state, start: (id) => runs.start(id), failed: (id, e) => assert.fail(`${id}: ${String(e)}`), save: () => undefined });
      const all = items(30, `L${limit}-`);
      for (const i of all) runs.status.set(i.runId, 'waiting');
      q.enqueue(all.slice(0, 10));
      let added = 10;
      while (q.list().length || added < all.length) {
        if (added < all.length && Math.random() < 0.3) q.enqueue(all.slice(added, (added += 5)));
        for (const i of all) if (Math.random() < 0.2) runs.finish(i.runId);
        for (let k = 0; k < 5; k++) q.changed();
        await new Promise((r) => setTimeout(r, Math.random() * 2));
      }
      assert.ok(runs.max() <= limit, `limit ${limit}: ${runs.max()} ran at once`);
      assert.equal(runs.log.filter((l) => l.startsWith('start')).length, 30);
      assert.ok(all.every((i) => runs.state(i.runId) === 'ended'));
    }
  });

  test('a reload mid-sweep: a queue made from the saved state resumes the interrupted run, then the rest', async () => {
    const runs = fakeRuns();
    let saved: QueueState = { version: 1, items: [] };
    const deps = { concurrency: () => 1, state: runs.state, start: (id: string) => runs.start(id), failed: () => assert.fail('no failure'), save: (s: QueueState) => (saved = structuredClone(s)) };
    const first = new RunQueue(deps);
    for (const i of items(4)) runs.status.set(i.runId, 'waiting');
    first.enqueue(items(4));
    while (!runs.finish('r0')) await tick();
    first.changed();
    while (runs.state('r1') !== 'active') await tick();
    // The window reloads: r1's process is gone, the registry marks it interrupted (waiting again).
    runs.interrupt('r1');
    assert.deepEqual(saved.items.map((i) => i.runId), ['r1', 'r2', 'r3']);
    const second = new RunQueue(deps, saved);
    second.changed();
    for (const id of ['r1', 'r2', 'r3']) {
      while (!runs.finish(id)) await tick();
      second.changed();
    }
    assert.deepEqual(runs.log.filter((l) => l.startsWith('start')), ['start r0', 'start r1', 'start r1', 'start r2', 'start r3']);
    assert.equal(runs.max(), 1);
  });

  test('a run that cannot start leaves the queue and is reported; the next one starts', async () => {
    const runs = fakeRuns();
    const failed: string[] = [];
    const q = new RunQueue({ concurrency: () => 1, state: runs.state, start: async (id) => (id === 'r0' ? Promise.reject(new Error('no process')) : runs.start(id)), failed: (id) => failed.push(id), save: () => undefined });
    for (const i of items(2)) runs.status.set(i.runId, 'waiting');
    q.enqueue(items(2));
    while (runs.state('r1') !== 'active') await tick();
    assert.deepEqual(failed, ['r0']);
    assert.deepEqual(q.list().map((i) => i.runId), ['r1']);
  });
});

describe('seqlab run', () => {
  test('runs the RNN/GRU/LSTM example with --set overrides into the results folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-run-'));
    const file = join(dir, 'rnn-gru-lstm.seqlab.json');
    copyFileSync(join(root, 'examples/rnn-gru-lstm.seqlab.json'), file);
    const r = await runCli('run', file, '--set', 'epochs=1', '--set', 'hidden=8', '--set', 'maxTokens=1500', '--json');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.at(-1);
    assert.deepEqual(summary.runs.map((x: { run: string; status: string }) => [x.run, x.status]), [['model=rnn', 'done'], ['model=gru', 'done'], ['model=lstm', 'done']]);
    const results = join(dir, 'rnn-gru-lstm.seqlab-results');
    assert.deepEqual(readdirSync(results).sort(), ['checkpoints', 'model=gru', 'model=lstm', 'model=rnn', ...SUMMARY_FILES].sort());
    for (const slug of ['model=rnn', 'model=gru', 'model=lstm']) {
      assert.deepEqual(readdirSync(join(results, slug)).sort(), [...RUN_RESULT_FILES].sort());
      const config = JSON.parse(readFileSync(join(results, slug, 'config.json'), 'utf8'));
      assert.deepEqual([config.model, config.hidden, config.epochs, config.batch], [slug.slice(6), 8, 1, 32]);
      const result = JSON.parse(readFileSync(join(results, slug, 'result.json'), 'utf8'));
      assert.ok(existsSync(join(result.checkpoint, 'checkpoint.json')), 'the final checkpoint is where result.json says');
      assert.ok(result.best.valPerplexity > 1 && result.best.valPerplexity < 40, String(result.best.valPerplexity));
    }
  });

  test('a bad experiment file: one sentence with line and column, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-run-'));
    const file = join(dir, 'bad.seqlab.json');
    writeFileSync(file, '{\n  "runs": [{ "hidden": "big" }]\n}');
    const r = await runCli('run', file);
    assert.equal(r.code, 1);
    assert.match(r.err, /^seqlab: .*bad\.seqlab\.json:2:24: runs\[0\]\.hidden: The number of hidden units must be a positive whole number, got "big"\.$/);
    writeFileSync(file, '{ "runs": [{}] }');
    const usage = await runCli('run', file, '--set', 'nokey=1');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--set nokey: no run of this experiment has a setting "nokey"/);
  });
});
