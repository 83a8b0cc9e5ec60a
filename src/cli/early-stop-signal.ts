/** The signals that stop `serve`. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** A stop signal heard while `serve` was still starting. */
export interface EarlyStopSignal {
  /** The first stop signal that arrived before `release()`, if any. */
  received(): NodeJS.Signals | undefined;
  /** Stops listening (idempotent): the running gateway's own handlers take over. */
  release(): void;
}

/**
 * Listens for SIGINT and SIGTERM from the start of `serve`, before the agent module loads and
 * the database opens: without a listener Node ends the process at once, so a SIGTERM sent while
 * the gateway starts (a rollout that stops a pod it has just created) killed it mid-start
 * instead of letting it shut down. The signal is remembered; once the gateway serves, `serve`
 * shuts down as if the signal had come then. A second stop signal before that (a start that
 * hangs, waiting for a database) ends the process at once, as Node would have.
 */
export function listenForEarlyStop(): EarlyStopSignal {
  let first: NodeJS.Signals | undefined;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    for (const signal of STOP_SIGNALS) process.off(signal, remember);
  };
  function remember(signal: NodeJS.Signals): void {
    if (first === undefined) {
      first = signal;
      return;
    }
    // Asked twice: no listener left, so the signal's default action ends the process.
    release();
    process.kill(process.pid, signal);
  }
  for (const signal of STOP_SIGNALS) process.on(signal, remember);
  return { received: () => first, release };
}
