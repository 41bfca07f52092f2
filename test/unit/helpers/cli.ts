import { main } from '../../../src/cli/main';

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), signal: new AbortController().signal });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

export async function runJson<T = unknown>(...argv: string[]): Promise<T> {
  const r = await runCli(...argv);
  if (r.code !== 0) throw new Error(`seqlab ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as T;
}
