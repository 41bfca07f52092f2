/**
 * Every job's config schema by job kind, from one module: the JSON Schema of experiment files
 * (zod's `z.toJSONSchema`), the settings in package.json (scripts/gen-manifest.ts) and the
 * parsers of each job read these. Every key carries a `.describe()` text.
 */
import { LMConfigSchema } from './lm-config';
import { MtConfigSchema } from '../translation/mt-config';

export { LMConfigSchema, parseLMConfig, type LMConfig, type LMConfigInput } from './lm-config';
export { MtConfigSchema, resolveMtConfig, MT_DEFAULTS, type MtConfig } from '../translation/mt-config';
export { LM_PRESETS, MT_PRESETS, TEXTBOOK_LM_HYPER, type Preset, type LMPresetName, type MtPresetName } from './presets';

export const JOB_CONFIG_SCHEMAS = { lm: LMConfigSchema, mt: MtConfigSchema } as const;
export type JobKind = keyof typeof JOB_CONFIG_SCHEMAS;
