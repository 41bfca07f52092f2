/**
 * The training worker (bundled to dist/worker.js): a worker_threads entry that hands every
 * message to a TrainingSession and posts its events back. Training happens here so the
 * extension host (or the CLI) never blocks. Protocol: src/core/training/protocol.ts.
 */
import { parentPort } from 'node:worker_threads';
import { TrainingSession } from '../core/training/session';
import type { RunEvent } from '../core/training/protocol';

if (!parentPort) throw new Error('src/worker/worker.ts must run as a worker thread.');
const port = parentPort;

const session = new TrainingSession((e: RunEvent) => port.postMessage(e));

// Commands are handled in order, so a `stop` right after `start` finds the run it stops.
let queue: Promise<void> = Promise.resolve();
port.on('message', (raw: unknown) => {
  const isShutdown = (raw as { type?: unknown } | null)?.type === 'shutdown';
  queue = queue.then(async () => {
    await session.handle(raw);
    if (isShutdown) port.close();
  });
});
