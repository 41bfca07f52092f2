/**
 * Building blocks of the job config schemas (./lm-config.ts, ../translation/mt-config.ts):
 * numeric fields whose failure is one sentence naming the value ("The batch size must be a
 * positive whole number, got 2.5."), and the formatting of the first failed check.
 */
import { z } from 'zod';

const shown = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));

/** A whole number > 0; `what` starts the error sentence. */
export function positiveInt(what: string) {
  const error = (i: { input?: unknown }) => `${what} must be a positive whole number, got ${shown(i.input)}.`;
  return z.number({ error }).int({ error }).positive({ error });
}

/** A whole number ≥ 0; `expected` overrides "a whole number of at least 0" in the sentence. */
export function nonNegativeInt(what: string, expected = 'a whole number of at least 0') {
  const error = (i: { input?: unknown }) => `${what} must be ${expected}, got ${shown(i.input)}.`;
  return z.number({ error }).int({ error }).min(0, { error });
}

/** A finite number > 0. */
export function positiveNumber(what: string) {
  const error = (i: { input?: unknown }) => `${what} must be a positive number, got ${shown(i.input)}.`;
  return z.number({ error }).positive({ error });
}

/** A number in [0, 1): dropout rates, held-out fractions. */
export function fractionBelowOne(what: string) {
  const error = (i: { input?: unknown }) => `${what} must be at least 0 and below 1, got ${shown(i.input)}.`;
  return z.number({ error }).min(0, { error }).lt(1, { error });
}

/**
 * One sentence for the first failed check: the field's own sentence when it has one (they end
 * with a full stop), else "<what> is invalid: <key>: <zod's message>."
 */
export function formatConfigIssue(what: string, error: z.ZodError): string {
  const i = error.issues[0];
  if (!i) return `${what} is invalid.`;
  if (i.message.endsWith('.')) return i.message;
  return `${what} is invalid: ${i.path.join('.') || 'config'}: ${i.message}.`;
}

/**
 * Copies an object with keys renamed old → new (configs written by earlier builds stay
 * readable). A key given under both spellings keeps the new one's value.
 */
export function renameLegacyKeys(raw: unknown, renames: Readonly<Record<string, string>>): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [old, now] of Object.entries(renames)) {
    if (!(old in out)) continue;
    if (out[now] === undefined) out[now] = out[old];
    delete out[old];
  }
  return out;
}
