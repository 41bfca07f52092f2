/**
 * What a resume may change. A resumed run continues the checkpoint's model on the checkpoint's
 * data, so options that define them (model, sizes, corpus, tokenizer, partition, seed…) must
 * match; only options that can take effect from the next epoch on (epochs, learning rate,
 * clipping, reporting and checkpoint interval, where the data is found) may differ, and the
 * user is told which of them apply. Before this, `--resume --hidden 128` silently trained the
 * old 256-unit model.
 */
import { SeqlabError } from '../util/errors';

export interface ResumeOptionsResult {
  /** The given values of the options that may change and differ from the checkpoint's. */
  overrides: Record<string, unknown>;
  /** One line per applied change, e.g. "lr 0.5 (was 1)". */
  applied: string[];
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compares the options given with a resume (`given`: only what the user set) with the
 * checkpoint's config (`saved`). Refuses, naming every option, when one outside `changeable`
 * differs; returns the changeable ones that differ. `label` names an option for the message
 * (the CLI's `--flag`, the config key elsewhere).
 */
export function checkResumeOptions(
  saved: Record<string, unknown>,
  given: Record<string, unknown>,
  changeable: readonly string[],
  label: (key: string) => string = (k) => k,
): ResumeOptionsResult {
  const refused: string[] = [];
  const overrides: Record<string, unknown> = {};
  const applied: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (key === 'job' || value === undefined || same(saved[key], value)) continue;
    if (changeable.includes(key)) {
      overrides[key] = value;
      applied.push(`${label(key)} ${show(value)} (was ${saved[key] === undefined ? 'unset' : show(saved[key])})`);
    } else {
      refused.push(`${label(key)} ${show(value)} (the checkpoint has ${saved[key] === undefined ? 'none' : show(saved[key])})`);
    }
  }
  if (refused.length > 0) {
    throw new SeqlabError(
      `The checkpoint was trained with other settings, so resuming cannot change ${refused.join(', ')}; resume without ${refused.length === 1 ? 'it' : 'them'} (only ${changeable.map(label).join(', ')} can change), or train a new run.`,
      'resume-mismatch',
    );
  }
  return { overrides, applied };
}
