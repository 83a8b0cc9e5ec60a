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

/** Set to `1` to keep V8's defaults: `serve` then runs in the process it was started in. */
export const V8_DEFAULTS_VARIABLE = 'AGENT_GATEWAY_V8_DEFAULTS';

/** Set by the parent in its re-executed child's environment, so that the child says so once. */
const REEXECUTED_VARIABLE = 'AGENT_GATEWAY_REEXECUTED';

/** The signals the parent passes on to its child (the others keep their default action). */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Whether `serve` must re-execute node to run under `NO_PRETENURING_FLAG`: not when the flag is
 * on node's command line already (ours after a re-execution, or the user's own choice, either
 * way), nor when `AGENT_GATEWAY_V8_DEFAULTS=1`. Node refuses the flag in `NODE_OPTIONS`, so the
 * command line is the only place to look.
 */
export function needsReexecution(execArgv: readonly string[], environment: NodeJS.ProcessEnv): boolean {
  if (environment[V8_DEFAULTS_VARIABLE] === '1') return false;
  return !execArgv.some((flag) => /^--(no[-_])?allocation[-_]site[-_]pretenuring(=.*)?$/.test(flag));
}

/**
 * The command line of the re-executed process: node's own flags, then `NO_PRETENURING_FLAG` (flags
 * after the script would be the script's), then the script and its arguments unchanged.
 */
export function reexecutionArguments(execArgv: readonly string[], argv: readonly string[]): string[] {
  return [...execArgv, NO_PRETENURING_FLAG, ...argv.slice(1)];
}

/** The environment of the re-executed process: this one, marked so that the child says so once. */
export function reexecutionEnvironment(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...environment, [REEXECUTED_VARIABLE]: '1' };
}

/**
 * Runs this CLI's command line again in a child node process under `NO_PRETENURING_FLAG` (V8's
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
  return `V8 allocation-site pretenuring is off: serve re-executed node with ${NO_PRETENURING_FLAG} (${V8_DEFAULTS_VARIABLE}=1 keeps V8's defaults)`;
}
