import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { JOB_CONFIG_SCHEMAS, LM_PRESETS, MT_PRESETS, parseLMConfig, resolveMtConfig } from '../../src/core/training/job-configs';

test('every key of every job config has a description, and zod turns each schema into JSON Schema', () => {
  for (const [job, schema] of Object.entries(JOB_CONFIG_SCHEMAS)) {
    const json = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    const missing = Object.entries(json.properties).filter(([, p]) => !p.description).map(([k]) => k);
    assert.deepEqual(missing, [], `${job}: keys without .describe()`);
  }
});

test("the textbook LM preset is d2l's load_data_time_machine(32, 35, max_tokens=10000); whole book holds out 10%", () => {
  const book = parseLMConfig(LM_PRESETS.textbook.config);
  assert.deepEqual(
    { batch: book.batch, steps: book.steps, maxTokens: book.maxTokens, split: book.split, partition: book.partition, token: book.token, hidden: book.hidden, epochs: book.epochs, lr: book.lr, clip: book.clip },
    { batch: 32, steps: 35, maxTokens: 10000, split: 1, partition: 'sequential', token: 'char', hidden: 256, epochs: 500, lr: 1, clip: 1 },
  );
  assert.match(LM_PRESETS.textbook.description, /10,000 characters, no held-out split/);
  const whole = parseLMConfig(LM_PRESETS['whole-book'].config);
  assert.equal(whole.maxTokens, 0);
  assert.equal(whole.split, 0.9);
});

test('one spelling: dataDirectory; configs written with the old dataDir still parse', () => {
  assert.equal(parseLMConfig({ dataDir: '/old' }).dataDirectory, '/old');
  assert.equal(parseLMConfig({ dataDirectory: '/new' }).dataDirectory, '/new');
  assert.equal('dataDir' in parseLMConfig({ dataDir: '/old' }), false);
  assert.equal(resolveMtConfig({ dataDirectory: '/d' }).dataDirectory, '/d');
});

test('the MT config is validated by its zod schema with one sentence per bad value', () => {
  assert.throws(() => resolveMtConfig({ numSteps: 1 }), /num_steps must be at least 2/);
  assert.throws(() => resolveMtConfig({ lr: 0 }), /learning rate must be a positive number, got 0\./);
  assert.throws(() => resolveMtConfig({ validFraction: 1 }), /held-out fraction must be at least 0 and below 1, got 1\./);
  assert.throws(() => resolveMtConfig({ seed: -1 }), /seed must be a whole number of at least 0, got -1\./);
  assert.throws(() => resolveMtConfig({ job: 'lm' }), /This is a translation run/);
  assert.throws(() => resolveMtConfig({ pairs: ' ' }), /pairs file must be "fra-eng" or a path/);
  assert.equal(resolveMtConfig({ preset: 'quick' }).numExamples, MT_PRESETS.quick.config.numExamples);
  assert.equal(resolveMtConfig({ numExamples: null }).numExamples, null);
});

test('models are named by the registries; a translator config without one (older checkpoints) is seq2seq', async () => {
  const { LANGUAGE_MODEL_NAMES } = await import('../../src/core/models/registry');
  const { TRANSLATOR_NAMES, translatorArchitecture } = await import('../../src/core/translation/registry');
  assert.deepEqual(LANGUAGE_MODEL_NAMES, ['rnn', 'gru', 'lstm']);
  assert.deepEqual(TRANSLATOR_NAMES, ['seq2seq', 'attention']);
  assert.equal(resolveMtConfig({}).model, 'seq2seq');
  assert.throws(() => resolveMtConfig({ model: 'transformer' }), /model/);
  assert.throws(() => translatorArchitecture('transformer'), /Unknown translator "transformer"; use seq2seq/);
  assert.throws(() => parseLMConfig({ model: 'transformer' }), /model/);
});
