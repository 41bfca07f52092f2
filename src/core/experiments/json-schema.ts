/**
 * The JSON Schema of `*.seqlab.json`, generated from the same zod schemas that validate run
 * configs (./format.ts → ./run-configs.ts → ../training/lm-config.ts). The manifest contributes
 * the generated file (`schemas/seqlab-experiment.schema.json`, written by
 * scripts/experiment-schema.ts during the build) through `contributes.jsonValidation`, so the
 * editor completes keys, shows their descriptions and underlines bad values while typing;
 * a unit test keeps the committed file equal to what this function returns.
 */
import { z } from 'zod';
import { ExperimentSchema } from './format';

export const EXPERIMENT_SCHEMA_PATH = 'schemas/seqlab-experiment.schema.json';

export function experimentJsonSchema(): Record<string, unknown> {
  // io 'input': keys with defaults are optional, as a user writes them.
  const schema = z.toJSONSchema(ExperimentSchema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://seqlab.dev/schemas/seqlab-experiment.schema.json', title: 'Seqlab experiment' };
}

/** The file's text: stable key order, two-space indent, final newline. */
export function experimentJsonSchemaText(): string {
  return JSON.stringify(experimentJsonSchema(), null, 2) + '\n';
}
