/** The compute thread's entry (dist/compute.js): runs ./jobs.ts functions on request. */
import { parentPort } from 'node:worker_threads';
import { SeqlabError } from '../../core/util/errors';
import { jobs, type ComputeReply, type ComputeRequest } from './jobs';

parentPort?.on('message', async (m: ComputeRequest) => {
  let reply: ComputeReply;
  try {
    const fn = jobs[m.job] as (a: unknown) => unknown;
    if (typeof fn !== 'function') throw new SeqlabError(`Unknown compute job "${String(m.job)}".`);
    reply = { id: m.id, ok: true, result: await fn(m.args) };
  } catch (err) {
    reply = { id: m.id, ok: false, message: (err as Error).message, code: err instanceof SeqlabError ? err.code : undefined };
  }
  parentPort!.postMessage(reply);
});
