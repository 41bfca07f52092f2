import { spawn } from 'node:child_process';
import { hasTrainingGcFlags, TRAINING_EXEC_ARGV } from '../core/training/gc-tuning';
import { SeqlabError } from '../core/util/errors';
import { parseCommandArgs, type CliIO } from './command';
import { COMMANDS } from './commands';

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
    io.err(`seqlab: internal error: ${(err as Error).stack ?? String(err)}`);
    return 70;
  }
}

/** Entry used by bin/seqlab.js and `tsx src/cli/main.ts`. */
/** Commands that train: they run with the training young-generation size (see gc-tuning.ts). */
const TRAINING_COMMANDS = new Set(['train-lm', 'train-mt', 'run']);

export function runCli(argv = process.argv.slice(2)): void {
  if (TRAINING_COMMANDS.has(argv[0]) && !hasTrainingGcFlags()) {
    // V8 sizes its heap at start-up, so the flag needs a fresh process; SIGINT reaches both.
    const child = spawn(process.execPath, [...process.execArgv, ...TRAINING_EXEC_ARGV, process.argv[1], ...argv], { stdio: 'inherit' });
    process.on('SIGINT', () => {
      /* the child stops the run and exits; this process follows */
    });
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? (signal ? 1 : 0);
    });
    return;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const io: CliIO = {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    signal: controller.signal,
  };
  main(argv, io).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCli();
