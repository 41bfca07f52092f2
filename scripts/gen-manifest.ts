/**
 * Writes the `seqlab.defaults.rnn|gru|lstm|translator` settings of package.json from their one
 * source: the config schemas (types, bounds, descriptions) and the textbook presets (defaults),
 * see src/core/training/setting-defaults.ts. test/unit/manifest.test.ts fails when package.json
 * is not current.
 *
 *   npm run gen:manifest            rewrite package.json
 *   npm run gen:manifest -- --check exit 1 when package.json differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LMConfigSchema } from '../src/core/training/lm-config';
import { MtConfigSchema } from '../src/core/translation/mt-config';
import { LM_SETTING_DEFAULTS, LM_SETTING_KEYS, TRANSLATOR_SETTING_DEFAULTS, TRANSLATOR_SETTING_KEYS } from '../src/core/training/setting-defaults';
import { LANGUAGE_MODELS } from '../src/core/models/registry';

export const PACKAGE_JSON = join(__dirname, '..', 'package.json');

/** zod bounds every integer by Number.MAX_SAFE_INTEGER: noise in a settings editor. */
function withoutSafeIntegerBound(p: Record<string, unknown>): Record<string, unknown> {
  const out = { ...p };
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.map((s: Record<string, unknown>) => withoutSafeIntegerBound(s));
  return out;
}

/** JSON Schema of some keys of a config schema, as a VS Code setting's `properties`. */
function settingProperties(schema: z.ZodObject, keys: readonly string[]): Record<string, unknown> {
  const picked = schema.pick(Object.fromEntries(keys.map((k) => [k, true])) as never);
  const json = z.toJSONSchema(picked, { io: 'input' }) as { properties: Record<string, Record<string, unknown>> };
  return Object.fromEntries(
    keys.map((k) => {
      const { default: _default, ...p } = json.properties[k];
      return [k, withoutSafeIntegerBound(p)];
    }),
  );
}

/** The generated settings, keyed like package.json's contributes.configuration.properties. */
export function generatedSettings(): Record<string, unknown> {
  const lm = LM_SETTING_DEFAULTS;
  const mt = TRANSLATOR_SETTING_DEFAULTS;
  const out: Record<string, unknown> = {};
  for (const m of LANGUAGE_MODELS) {
    out[`seqlab.defaults.${m.name}`] = {
      type: 'object',
      default: lm,
      description: `Default hyper-parameters of ${m.article} ${m.label} language model (d2l ch. 9/10, character-level Time Machine: ${lm.hidden} hidden, ${lm.epochs} epochs, lr ${lm.lr}, batch ${lm.batch}, ${lm.steps} steps, gradient clipping θ = ${lm.clip}).`,
      properties: settingProperties(LMConfigSchema, LM_SETTING_KEYS),
      additionalProperties: false,
    };
  }
  out['seqlab.defaults.translator'] = {
    type: 'object',
    default: mt,
    description: `Default settings of a seq2seq translator (d2l 10.7: the first ${mt.numExamples} pairs, embedding ${mt.embedSize}, ${mt.numLayers}-layer GRU with ${mt.numHiddens} hidden units, dropout ${mt.dropout}, lr ${mt.lr}, ${mt.epochs} epochs, batch ${mt.batchSize}, ${mt.numSteps} steps).`,
    properties: settingProperties(MtConfigSchema, TRANSLATOR_SETTING_KEYS),
    additionalProperties: false,
  };
  return out;
}

/** package.json's text with the generated settings in place (other keys keep their order). */
export function currentManifest(text: string): string {
  const pkg = JSON.parse(text) as { contributes: { configuration: { properties: Record<string, unknown> } } };
  Object.assign(pkg.contributes.configuration.properties, generatedSettings());
  return JSON.stringify(pkg, null, 2) + '\n';
}

if (require.main === module) {
  const text = readFileSync(PACKAGE_JSON, 'utf8');
  const next = currentManifest(text);
  if (process.argv.includes('--check')) {
    if (next !== text) {
      console.error('package.json is not current: run `npm run gen:manifest`.');
      process.exit(1);
    }
    console.log('package.json settings are current.');
  } else if (next !== text) {
    writeFileSync(PACKAGE_JSON, next);
    console.log('package.json: seqlab.defaults.* settings regenerated.');
  } else {
    console.log('package.json settings are current.');
  }
}
