/**
 * The extension's training process (dist/train-process.js): the same TrainingSession the
 * worker-thread entry (src/worker/worker.ts) drives, but in a child process, so a crash in
 * native code (tfjs-node) ends this process and fails the run instead of the extension host.
 * Messages: the protocol of src/core/training/protocol.ts over the IPC channel.
 */
import { TrainingSession } from '../../core/training/session';
import type { RunEvent } from '../../core/training/protocol';
import { watchParent } from '../../core/util/parent-watch';

if (!process.send) throw new Error('train-process must be started with child_process.fork.');

// SEQLAB_TEST_HOLD_LAST_EPOCH_MS: the UI tests' tiny runs would otherwise finish before the
// dashboard that watches them has loaded.
const session = new TrainingSession((e: RunEvent) => {
  if (process.connected) process.send?.(e);
}, { holdLastEpochMs: Number(process.env.SEQLAB_TEST_HOLD_LAST_EPOCH_MS) || 0 });
let queue: Promise<void> = Promise.resolve();
process.on('message', (raw: unknown) => {
  const isShutdown = (raw as { type?: unknown } | null)?.type === 'shutdown';
  queue = queue.then(async () => {
    await session.handle(raw);
    if (isShutdown) process.exit(0);
  });
});
// The extension host went away (closed, crashed or killed): stop the run at its next batch
// (the last checkpoint stays) and end, instead of training on unseen as an orphan.
watchParent(() => void session.shutdown().finally(() => process.exit(0)), { exitCode: 0 });
