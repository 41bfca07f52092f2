/**
 * A child process that must not outlive its parent (the `seqlab` CLI's training child, the
 * extension's training process): it reacts when the IPC channel to the parent closes (the
 * parent exited or was killed, even with SIGKILL) and, as a second line for a parent that died
 * without closing it, when its parent pid changes (re-parented to init or a subreaper).
 */
export interface ParentWatch {
  dispose(): void;
}

/**
 * Calls `onParentGone` once when the parent goes away; `graceMs` later the process exits with
 * `exitCode` whatever `onParentGone` did (a stop that waits for a batch must not hang forever).
 */
export function watchParent(onParentGone: () => void, opts: { pollMs?: number; graceMs?: number; exitCode?: number; unrefChannel?: boolean } = {}): ParentWatch {
  const parent = process.ppid;
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    const timer = setTimeout(() => process.exit(opts.exitCode ?? 1), opts.graceMs ?? 10_000);
    timer.unref();
    onParentGone();
  };
  // A process that only runs its command (the CLI's child) must not be kept alive by the channel.
  if (opts.unrefChannel) process.channel?.unref();
  process.on('disconnect', fire);
  const poll = setInterval(() => {
    if (process.ppid !== parent) fire();
  }, opts.pollMs ?? 1000);
  poll.unref();
  return {
    dispose() {
      clearInterval(poll);
      process.removeListener('disconnect', fire);
    },
  };
}
