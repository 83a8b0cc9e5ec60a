import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** How long the processes get to exit after SIGTERM before they are killed. */
const STOP_BOUND_MS = 10_000;

/** Children still running, each stopped when the bench itself is, with what to remove after it. */
const running = new Map<ChildProcess, (() => Promise<void>) | undefined>();
let installed = false;

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM to every child still running, SIGKILL after `STOP_BOUND_MS`; resolves once all exited. */
async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async ([child, removeAfter]) => {
      if (!hasExited(child)) {
        await new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }
      await removeAfter?.().catch(() => undefined);
    }),
  );
}

/** On SIGINT, SIGTERM or SIGHUP: stop the children, then exit as the signal would have. */
function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // `once`: a second signal while the children stop gets Node's default, an exit at once.
    process.once(signal, () => {
      const live = [...running.keys()].filter((child) => !hasExited(child)).length;
      console.error(
        `\n${signal}: stopping the ${live} process(es) of this bench still running, and removing their folders`,
      );
      void stopAll().finally(() => process.exit(128 + constants.signals[signal]));
    });
  }
}

/**
 * Stops `child` (SIGTERM, then SIGKILL after 10 s) when this bench is stopped by a signal, runs
 * `removeAfter` once it exited (its project folder, say), then exits. Node's default for SIGINT
 * and SIGTERM is to exit at once, skipping every `finally` that would have stopped the bench's
 * gateways (each with its embedded PostgreSQL), mocks and relays: an interrupted verdict left
 * them all running, holding ports, memory and CPU. Returns `child`.
 */
export function stopOnSignal<Child extends ChildProcess>(
  child: Child,
  removeAfter?: () => Promise<void>,
): Child {
  install();
  running.set(child, removeAfter);
  // Once it exited, only what it leaves behind is still to remove (a normal stop removes it).
  child.once('exit', () => {
    if (removeAfter === undefined) running.delete(child);
  });
  return child;
}
