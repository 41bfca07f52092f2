import { spawn } from 'node:child_process';
import { hasTrainingGcFlags, TRAINING_EXEC_ARGV } from '../core/training/gc-tuning';
import { SeqlabError } from '../core/util/errors';
import { watchParent } from '../core/util/parent-watch';
import { parseCommandArgs, type CliIO } from './command';
import { COMMANDS } from './commands';

/**
 * A sentence for an error that is not a SeqlabError: running out of memory gets its own (the
 * sizes checks catch most cases first); anything else is a bug, shown by its message only.
 */
export function describeInternalError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof RangeError && /allocation failed|Invalid (typed )?array length|out of memory|Array buffer/i.test(e.message)) {
    return 'this needs more memory than is available; choose smaller sizes.';
  }
  const detail = process.env.SEQLAB_DEBUG === '1' ? `\n${e.stack ?? ''}` : ' (set SEQLAB_DEBUG=1 for details)';
  return `internal error: ${e.message}${detail}`;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['Usage: seqlab <command> [options] [--json]', '', 'Commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) throw new SeqlabError(`Unknown command "${name}". Run seqlab --help for the list.`, 'usage');
    if (rest.includes('--help')) {
      io.out(`Usage: seqlab ${cmd.name} ${cmd.usage}\n\n${cmd.summary}`);
      return 0;
    }
    await cmd.run(parseCommandArgs(cmd, rest), io);
    return 0;
  } catch (err) {
    if (err instanceof SeqlabError) {
      io.err(`seqlab: ${err.message}`);
      return err.code === 'usage' ? 2 : 1;
    }
    io.err(`seqlab: ${describeInternalError(err)}`);
    return 70;
  }
}

/** Commands that train: they run with the training young-generation size (see gc-tuning.ts). */
const TRAINING_COMMANDS = new Set(['train-lm', 'train-mt', 'run']);

/** Signals that stop a run cleanly (after the current batch; the last checkpoint stays). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Marks the training child this CLI starts, so it watches its parent. */
const CHILD_ENV = 'SEQLAB_CLI_CHILD';

/**
 * Output piped into a command that stops reading (`seqlab generate … | head -1`) ends quietly
 * instead of with an EPIPE stack trace.
 */
function endQuietlyOnEpipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

/**
 * Last resort: an exception nothing caught prints one line (never Node's dump, which for the
 * bundled CLI quotes a whole line of minified source); SEQLAB_DEBUG=1 shows the stack.
 */
function reportUncaught(): void {
  const report = (err: unknown) => {
    process.stderr.write(`seqlab: ${describeInternalError(err)}\n`);
    process.exit(70);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
}

/** Entry used by bin/seqlab.js and `tsx src/cli/main.ts`. */
export function runCli(argv = process.argv.slice(2)): void {
  endQuietlyOnEpipe();
  reportUncaught();
  if (TRAINING_COMMANDS.has(argv[0]) && !hasTrainingGcFlags()) {
    runInTrainingChild(argv);
    return;
  }
  const controller = new AbortController();
  let firstStop = 0;
  for (const sig of STOP_SIGNALS) {
    process.on(sig, () => {
      // The first signal stops at the next batch boundary; another one a second later does not
      // wait. (A terminal's Ctrl-C reaches the training child twice: directly and passed on.)
      if (firstStop && Date.now() - firstStop > 1000) process.exit(130);
      firstStop ||= Date.now();
      controller.abort();
    });
  }
  if (process.env[CHILD_ENV] === '1') watchParent(() => controller.abort(), { unrefChannel: true });
  const io: CliIO = {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    signal: controller.signal,
  };
  main(argv, io).then((code) => {
    process.exitCode = code;
  });
}

/**
 * V8 sizes its heap at start-up, so training needs a fresh process with the flag. The child
 * must not outlive this one: it has an IPC channel to us and stops when it closes (this process
 * killed, even by SIGKILL), and every stop signal sent to this pid is passed on to it.
 */
function runInTrainingChild(argv: string[]): void {
  const child = spawn(process.execPath, [...process.execArgv, ...TRAINING_EXEC_ARGV, process.argv[1], ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [CHILD_ENV]: '1' },
  });
  // The channel only signals our death to the child; it must not keep us alive.
  child.channel?.unref();
  for (const sig of STOP_SIGNALS) {
    process.on(sig, () => {
      // A Ctrl-C in a terminal reaches the child too (same process group); the child ignores duplicates.
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    });
  }
  child.on('error', (err) => {
    process.stderr.write(`seqlab: could not start the training process (${err.message}).\n`);
    process.exitCode = 70;
  });
  child.on('exit', (code, signal) => {
    if (signal === 'SIGKILL' || code === 134 || signal === 'SIGABRT') {
      process.stderr.write(`seqlab: the training process ended abruptly (${signal ?? `exit code ${code}`}${signal === 'SIGKILL' ? ', killed — perhaps out of memory' : ''}); the last checkpoint in --out is intact, resume with --resume.\n`);
    }
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (require.main === module) runCli();
