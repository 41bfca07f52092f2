/**
 * The extension's training process (dist/train-process.js): the same TrainingSession the
 * worker-thread entry (src/worker/worker.ts) drives, but in a child process, so a crash in
 * native code (tfjs-node) ends this process and fails the run instead of the extension host.
 * Messages: the protocol of src/core/training/protocol.ts over the IPC channel.
 */
import { TrainingSession } from '../../core/training/session';
import type { RunEvent } from '../../core/training/protocol';

if (!process.send) throw new Error('train-process must be started with child_process.fork.');

const session = new TrainingSession((e: RunEvent) => process.send?.(e));
let queue: Promise<void> = Promise.resolve();
process.on('message', (raw: unknown) => {
  const isShutdown = (raw as { type?: unknown } | null)?.type === 'shutdown';
  queue = queue.then(async () => {
    await session.handle(raw);
    if (isShutdown) process.exit(0);
  });
});
// The extension host went away: nothing to report to any more.
process.on('disconnect', () => process.exit(0));
