// Writes schemas/seqlab-experiment.schema.json, the JSON Schema of *.seqlab.json experiment
// files, from the run configs' zod schemas (src/core/experiments/json-schema.ts). Run by
// scripts/build.mjs; the file is committed so the manifest's jsonValidation finds it in a
// checkout too, and test/unit/experiments.test.ts fails when it is out of date.
// Usage: node --import tsx scripts/experiment-schema.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENT_SCHEMA_PATH, experimentJsonSchemaText } from '../src/core/experiments/json-schema';

const file = join(__dirname, '..', EXPERIMENT_SCHEMA_PATH);
const text = experimentJsonSchemaText();
let current = '';
try {
  current = readFileSync(file, 'utf8');
} catch {
  /* not written yet */
}
if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${EXPERIMENT_SCHEMA_PATH} is out of date: run node --import tsx scripts/experiment-schema.ts`);
    process.exit(1);
  }
} else if (current !== text) {
  writeFileSync(file, text);
  console.log(`wrote ${EXPERIMENT_SCHEMA_PATH}`);
}
