/**
 * The training process (bundled to dist/train-process.js): a child process, forked by
 * TrainingProcess (src/core/training/process-client.ts), that hands every IPC message to a
 * TrainingSession and sends its events back. Training runs here, so the editor never waits on
 * it, and a crash in native code (tfjs-node, the N-API kernel) ends this process and fails the
 * run instead of the extension host. Messages: the training protocol of src/protocol/.
 */
import { TrainingSession } from '../core/training/session';
import type { RunEvent } from '../protocol/training';

if (!process.send) throw new Error('train-process must be started with child_process.fork (see TrainingProcess).');

const session = new TrainingSession((e: RunEvent) => process.send?.(e));
// Commands are handled in order, so a `stop` right after `start` finds the run it stops.
let queue: Promise<void> = Promise.resolve();
process.on('message', (raw: unknown) => {
  const isShutdown = (raw as { type?: unknown } | null)?.type === 'shutdown';
  queue = queue.then(async () => {
    await session.handle(raw);
    if (isShutdown) process.exit(0);
  });
});
// The host went away: nothing to report to any more.
process.on('disconnect', () => process.exit(0));
