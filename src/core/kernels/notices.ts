/**
 * Kernel notices: a path switch or fallback that happened while running (a helper thread died,
 * a path failed its start-up check). Nothing falls back silently: each notice is kept for
 * kernelInfo().notes and handed to the listeners (the run's log); with no listener it goes to
 * stderr.
 */
const notices: string[] = [];
const listeners = new Set<(msg: string) => void>();

export function kernelNotice(msg: string): void {
  notices.push(msg);
  if (listeners.size === 0) console.warn(`seqlab: ${msg}`);
  for (const l of listeners) l(msg);
}

/** Listens for notices; returns the function that stops listening. */
export function onKernelNotice(listener: (msg: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function kernelNotices(): string[] {
  return [...notices];
}
