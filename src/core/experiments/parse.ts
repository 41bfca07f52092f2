/**
 * Reading an experiment file: JSONC (comments, trailing commas) with jsonc-parser, the format's
 * zod schema, then the expansion that checks every run's resolved config. Every problem comes
 * back with its place in the text, so the editor underlines it and the CLI names line:column.
 */
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { SeqlabError } from '../util/errors';
import { expandExperiment, kindOf, type ExpandOptions, type ExpandedRun, type ExperimentProblem, type JsonPath } from './expand';
import { ExperimentSchema, LMRunSchema, MTRunSchema, experimentBaseName, type Experiment } from './format';

export interface LocatedProblem extends ExperimentProblem {
  /** Character offset and length in the text. */
  offset: number;
  length: number;
  line: number;
  column: number;
}

export interface ParsedExperiment {
  /** The experiment's name: its `name`, else the file name without `.seqlab.json`. */
  name: string;
  experiment: Experiment;
  runs: ExpandedRun[];
}

export interface ParseResult {
  parsed?: ParsedExperiment;
  problems: LocatedProblem[];
}

function pathText(path: JsonPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function zodProblems(error: z.ZodError, value: unknown, prefix: JsonPath = []): ExperimentProblem[] {
  const out: ExperimentProblem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...(issue.path as JsonPath)];
    // A run that matches neither a language model nor a translator: report the errors of the
    // kind its "job" names, which is what the user meant.
    if (issue.code === 'invalid_union' && path.length === 2 && path[0] === 'runs') {
      const run = (value as { runs: unknown[] }).runs[path[1] as number];
      const schema = kindOf((run ?? {}) as { job?: unknown }) === 'mt' ? MTRunSchema : LMRunSchema;
      const r = schema.safeParse(run);
      if (!r.success) {
        out.push(...zodProblems(r.error, run, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ source: 'schema', path: [...path, key], message: `Unknown key "${key}"${path.length ? ` in ${pathText(path)}` : ''}.` });
      continue;
    }
    out.push({ source: 'schema', path, message: `${path.length ? `${pathText(path)}: ` : ''}${issue.message}.`.replace(/\.\.$/, '.') });
  }
  return out;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

function locate(text: string, tree: Node | undefined, p: ExperimentProblem, unknownKey: boolean): LocatedProblem {
  let node = tree ? findNodeAtLocation(tree, p.path) : undefined;
  // An unknown key has no value node the schema knows: underline the key itself.
  if (node && unknownKey && node.parent?.type === 'property') node = node.parent.children?.[0];
  // A missing key: underline the object that lacks it.
  for (let path = p.path.slice(0, -1); !node && tree && path.length >= 0; path = path.slice(0, -1)) {
    node = findNodeAtLocation(tree, path);
    if (path.length === 0) break;
  }
  const offset = node?.offset ?? 0;
  const length = node ? (node.type === 'object' || node.type === 'array' ? 1 : node.length) : 1;
  return { ...p, offset, length, ...lineColumn(text, offset) };
}

/** Parses and checks the text of `file`; never throws for bad content (problems instead). */
export function parseExperimentText(text: string, file: string, opts: ExpandOptions = {}): ParseResult {
  if (text.trim() === '') return { problems: [{ source: 'syntax', path: [], message: 'The file is empty; an experiment needs at least "runs".', offset: 0, length: 0, line: 1, column: 1 }] };
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length || !tree) {
    const list = errors.length ? errors : [{ error: 0, offset: 0, length: 1 } as unknown as ParseError];
    return {
      problems: list.map((e) => ({ source: 'syntax' as const, path: [], message: `Not valid JSON: ${errors.length ? printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'no value'}.`, offset: e.offset, length: Math.max(1, e.length), ...lineColumn(text, e.offset) })),
    };
  }
  const value: unknown = getNodeValue(tree);
  const r = ExperimentSchema.safeParse(value);
  if (!r.success) {
    const problems = zodProblems(r.error, value);
    return { problems: problems.map((p) => locate(text, tree, p, /^Unknown key/.test(p.message))) };
  }
  // Expand the raw value, not zod's output: zod fills defaults, and a run passes on only what the file says.
  const experiment = value as Experiment;
  const { runs, problems } = expandExperiment(experiment, opts);
  return {
    parsed: problems.length ? undefined : { name: experiment.name ?? experimentBaseName(file), experiment, runs },
    problems: problems.map((p) => locate(text, tree, p, false)),
  };
}

/** For the CLI: the parsed experiment, or a SeqlabError naming the first problem's line and column. */
export function parseExperimentOrThrow(text: string, file: string, opts: ExpandOptions = {}): ParsedExperiment {
  const r = parseExperimentText(text, file, opts);
  if (r.parsed) return r.parsed;
  const [first, ...rest] = r.problems;
  throw new SeqlabError(`${file}:${first.line}:${first.column}: ${first.message}${rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''}`);
}
