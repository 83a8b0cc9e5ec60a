/** How often the parent is looked at, in ms. */
const WATCH_INTERVAL_MS = 500;

/**
 * Whether this process was started by npm (`npx agent-gateway …`, `npm exec`, `npm start` and
 * any other script of package.json): npm 11 runs the command through `sh -c`, and on SIGTERM
 * passes the signal to that shell only, which dies without passing it on. The gateway would then
 * run on, orphaned, with its embedded database. npm marks what it starts with `npm_command` (and
 * a script with `npm_lifecycle_event`).
 */
export const isStartedByNpm = (environment: NodeJS.ProcessEnv): boolean =>
  environment['npm_command'] !== undefined || environment['npm_lifecycle_event'] !== undefined;

/** Options of `watchLauncher`. */
export interface WatchLauncherOptions {
  /** Called once when the parent process is gone (this one was re-parented). */
  onGone: () => void;
  /** The parent's pid, read each time (default `process.ppid`, which the runtime keeps current). */
  parentPid?: () => number;
  /** How often it is read, in ms (default 500). */
  intervalMs?: number;
}

/**
 * Calls `onGone` once the process that started this one has exited: the process is then
 * re-parented (to init or a sub-reaper), so its parent's pid changes. This is how a gateway
 * started by npm hears the SIGTERM npm's shell swallowed: within `intervalMs` of the shell's
 * death it shuts down as on SIGTERM. A layer in between (a parent `node` that re-runs the CLI
 * with other flags and forwards signals) watches its own parent the same way and signals its
 * child, so any number of layers stops from the outermost one. The timer holds no reference on
 * the event loop. Returns the function that stops watching (idempotent).
 */
export function watchLauncher(options: WatchLauncherOptions): () => void {
  const parentPid = options.parentPid ?? (() => process.ppid);
  const launcher = parentPid();
  const timer = setInterval(() => {
    if (parentPid() === launcher) return;
    clearInterval(timer);
    options.onGone();
  }, options.intervalMs ?? WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
