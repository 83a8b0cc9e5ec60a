import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { isStartedByNpm, watchLauncher } from './launcher-watch.js';

/**
 * The V8 flag `serve` runs under: no allocation-site pretenuring.
 *
 * V8 "pretenures" an object literal's allocation site when most of the objects it made were still
 * alive at the last young-generation collection: from then on they are created in the old
 * generation. A chat's setup objects live about as long as the chat, so under load their sites
 * are pretenured; each such object, dead as soon as its chat ends, stays in the old generation
 * until the next full collection, and everything young it points to is copied there too.
 * Measured on the warm default `serve` at 32 clients: 9.0 KB per chat promoted with pretenuring,
 * 0.8 KB without (docs/PERFORMANCE.md, "Young-GC guard").
 */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * The V8 flag that bounds `serve`'s old generation: after each full collection it may grow to
 * twice what survived before the next one, instead of by a factor V8 picks from its collector's
 * speed (up to four times what survived, under load). Measured at 32 clients: the default `serve`
 * held 232-248 MiB at every answer length and in every run, against 260-346 MiB that moved by
 * tens of MiB from one run to the next; the same chats/s with short answers, about 6% fewer with
 * 500-delta ones (docs/PERFORMANCE.md, "The old generation's growth bounded").
 */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent=100';

/** Whether `execArgv` sets the V8 flag named `name` (`heap-growing-percent`), in either spelling. */
const setsFlag = (execArgv: readonly string[], name: string): boolean => {
  const pattern = new RegExp(`^--(no[-_])?${name.replaceAll('-', '[-_]')}(=.*)?$`);
  return execArgv.some((flag) => pattern.test(flag));
};

/**
 * The V8 flags `serve` adds to node's own flags `execArgv` when it re-executes node: no
 * pretenuring, and the bounded growth unless the user set the growth themselves.
 */
export function serveV8Flags(execArgv: readonly string[]): string[] {
  return setsFlag(execArgv, 'heap-growing-percent')
    ? [NO_PRETENURING_FLAG]
    : [NO_PRETENURING_FLAG, HEAP_GROWTH_FLAG];
}

/** Set to `1` to keep V8's defaults: `serve` then runs in the process it was started in. */
export const V8_DEFAULTS_VARIABLE = 'AGENT_GATEWAY_V8_DEFAULTS';

/** Set by the parent in its re-executed child's environment, so that the child says so once. */
const REEXECUTED_VARIABLE = 'AGENT_GATEWAY_REEXECUTED';

/** The signals the parent passes on to its child (the others keep their default action). */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Whether `serve` must re-execute node to run under `serveV8Flags`: not when the pretenuring flag
 * is on node's command line already (ours after a re-execution, or the user's own choice, either
 * way), nor when `AGENT_GATEWAY_V8_DEFAULTS=1`. Node refuses the flag in `NODE_OPTIONS`, so the
 * command line is the only place to look.
 */
export function needsReexecution(execArgv: readonly string[], environment: NodeJS.ProcessEnv): boolean {
  if (environment[V8_DEFAULTS_VARIABLE] === '1') return false;
  return !setsFlag(execArgv, 'allocation-site-pretenuring');
}

/**
 * The command line of the re-executed process: node's own flags, then `serveV8Flags` (flags
 * after the script would be the script's), then the script and its arguments unchanged.
 */
export function reexecutionArguments(execArgv: readonly string[], argv: readonly string[]): string[] {
  return [...execArgv, ...serveV8Flags(execArgv), ...argv.slice(1)];
}

/** The environment of the re-executed process: this one, marked so that the child says so once. */
export function reexecutionEnvironment(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...environment, [REEXECUTED_VARIABLE]: '1' };
}

/**
 * Runs this CLI's command line again in a child node process under `serveV8Flags` (V8's
 * flags are set before anything starts, as Node's documentation asks, instead of
 * `v8.setFlagsFromString` after start). Resolves the child's exit code; a child ended by a signal
 * ends this process with the same signal.
 *
 * The child shares standard input, output and error. SIGTERM, SIGINT and SIGHUP sent to this
 * process are passed on, once each; the child runs in a process group of its own (except on
 * Windows), so a terminal's Ctrl-C reaches it only through this process, not twice. Nothing of the
 * command runs in this process before the child starts, so no startup side effect happens twice.
 * An IPC channel ties the child to this process: if this process dies without passing a signal on
 * (SIGKILL), the child sees the channel close and kills itself (`adoptReexecution`). Started by
 * npm, whose shell swallows SIGTERM, this process watches its launcher and passes SIGTERM on when
 * the launcher is gone (`watchLauncher`).
 */
export function serveInReexecutedProcess(): Promise<number> {
  const child = spawn(process.execPath, reexecutionArguments(process.execArgv, process.argv), {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: reexecutionEnvironment(process.env),
    detached: process.platform !== 'win32',
  });
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const stopWatching = isStartedByNpm(process.env)
    ? watchLauncher({ onGone: () => forward('SIGTERM') })
    : () => undefined;
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      stopWatching();
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      stopWatching();
      for (const forwarded of FORWARDED_SIGNALS) process.off(forwarded, forward);
      if (signal === null) {
        resolve(code ?? 1);
        return;
      }
      process.kill(process.pid, signal);
      // Reached only if this process survives the signal: the shells' code for it.
      resolve(128 + (constants.signals[signal] ?? 0));
    });
  });
}

/**
 * In the re-executed child: unmarks the environment (so the agent's own subprocesses do not
 * inherit the mark), and ties this process's life to its parent's. Returns the line to log once
 * at start, or undefined when this process was not re-executed by `serveInReexecutedProcess`.
 */
export function adoptReexecution(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  if (environment[REEXECUTED_VARIABLE] !== '1') return undefined;
  delete environment[REEXECUTED_VARIABLE];
  const channel = process.channel;
  if (channel !== undefined) {
    // The channel is only a lifeline: it must not keep this process alive by itself.
    channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }
  const flags = process.execArgv.filter((flag) => flag === NO_PRETENURING_FLAG || flag === HEAP_GROWTH_FLAG);
  return `V8 allocation-site pretenuring is off: serve re-executed node with ${flags.join(' ')} (${V8_DEFAULTS_VARIABLE}=1 keeps V8's defaults)`;
}
