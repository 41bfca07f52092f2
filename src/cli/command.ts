import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SeqlabError } from '../core/util/errors';
import { assertWithinLimit, type LimitName } from '../core/util/limits';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One `seqlab <name>` subcommand. `run` writes to `out` and throws SeqlabError for bad input. */
export interface CliCommand<O extends Options = Options> {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** Whether the command takes positional arguments (e.g. `translate "go ."`). */
  positionals?: boolean;
  run(args: ParsedArgs, io: CliIO): Promise<void>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** Set when the user pressed Ctrl-C: long commands stop at the next safe point. */
  signal: AbortSignal;
}

export function defineCommand<O extends Options>(c: CliCommand<O>): CliCommand<O> {
  return c;
}

/** `--lr -0.5` would read as two options; glue a negative number to its option (`--lr=-0.5`). */
function glueNegativeNumbers(cmd: CliCommand, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    const opt = name !== undefined ? cmd.options[name] : undefined;
    if (opt?.type === 'string' && i + 1 < argv.length && /^-\d|^-\.\d/.test(argv[i + 1])) {
      out.push(`${argv[i]}=${argv[++i]}`);
    } else out.push(argv[i]);
  }
  return out;
}

export function parseCommandArgs(cmd: CliCommand, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: glueNegativeNumbers(cmd, argv), options: cmd.options, allowPositionals: Boolean(cmd.positionals), strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.?$/, '.');
    throw new SeqlabError(`${msg} Usage: seqlab ${cmd.name} ${cmd.usage}`, 'usage');
  }
}

/** Typed option readers with one clear sentence on bad values. */
export function str(args: ParsedArgs, name: string, fallback?: string): string {
  const v = args.values[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new SeqlabError(`The option --${name} is required.`, 'usage');
}

export function optStr(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(args: ParsedArgs, name: string, fallback?: number): number {
  const v = args.values[name];
  if (v === undefined || typeof v === 'boolean') {
    if (fallback !== undefined) return fallback;
    throw new SeqlabError(`The option --${name} is required.`, 'usage');
  }
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new SeqlabError(`--${name} must be a number, got "${v}".`, 'usage');
  return n;
}

export function int(args: ParsedArgs, name: string, fallback?: number): number {
  const n = num(args, name, fallback);
  if (!Number.isInteger(n)) throw new SeqlabError(`--${name} must be a whole number, got ${n}.`, 'usage');
  return n;
}

/** A count option: a whole number from `min` up to its limit in core/util/limits.ts. */
export function count(args: ParsedArgs, name: string, limit: LimitName, fallback?: number, min = 1): number {
  const n = int(args, name, fallback);
  if (n < min) throw new SeqlabError(`--${name} must be ${min === 0 ? '0 or more' : `at least ${min}`}, got ${n}.`, 'usage');
  assertWithinLimit(limit, n, `--${name}`);
  return n;
}

/** An optional count option: undefined when absent. */
export function optCount(args: ParsedArgs, name: string, limit: LimitName, min = 1): number | undefined {
  return args.values[name] === undefined ? undefined : count(args, name, limit, undefined, min);
}

export function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback?: T): T {
  const v = str(args, name, fallback);
  if (!(allowed as readonly string[]).includes(v)) throw new SeqlabError(`--${name} must be one of ${allowed.join(', ')}; got "${v}".`, 'usage');
  return v as T;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export const jsonOption = { json: { type: 'boolean' } } as const;
