import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PACKAGE_JSON, currentManifest } from '../../scripts/gen-manifest';

// The settings' defaults come from the presets and the config schemas (scripts/gen-manifest.ts).
test('package.json carries the generated seqlab.defaults.* settings (run `npm run gen:manifest`)', () => {
  const text = readFileSync(PACKAGE_JSON, 'utf8');
  assert.equal(currentManifest(text), text, 'package.json is not current: run `npm run gen:manifest`');
  const props = (JSON.parse(text) as { contributes: { configuration: { properties: Record<string, { default: Record<string, number> }> } } }).contributes.configuration.properties;
  assert.deepEqual(props['seqlab.defaults.gru'].default, { hidden: 256, layers: 1, epochs: 500, lr: 1, batch: 32, steps: 35, clip: 1 });
  assert.deepEqual(props['seqlab.defaults.translator'].default, { numExamples: 600, numSteps: 10, embedSize: 32, numHiddens: 32, numLayers: 2, dropout: 0.1, lr: 0.005, epochs: 300, batchSize: 64, clip: 1 });
});
