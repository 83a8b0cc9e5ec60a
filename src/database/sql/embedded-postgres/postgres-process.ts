import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../../core/logger.js';
import type { ServerAccount } from './server-account.js';

/**
 * A shell that starts the server and stops it when its standard input closes: when the gateway
 * closes it on purpose, and when the gateway dies however it dies (`kill -9` included), since
 * the kernel closes the pipe then. SIGINT is PostgreSQL's fast shutdown: sessions are cut, a
 * checkpoint is written, and the server exits (it is asked again every second until it has).
 * The shell exits with the server, so the gateway also hears when the server stops on its own.
 */
const GUARD_SCRIPT = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'pid=$!',
  // Again every second while it runs: a job started with `&` ignores SIGINT until PostgreSQL sets
  // its own handler, so one sent at its very start (an aborted start) would be lost.
  '( read -r _ <&3; while kill -INT "$pid" 2>/dev/null; do sleep 1; done ) &',
  'exec 3<&-',
  'wait "$pid"',
].join('\n');

/** How many of the server's last log lines are kept for an error report. */
const KEPT_LINES = 40;

/** A program of the server run under the guard, or run to completion. */
export interface PostgresProcessOptions {
  account?: ServerAccount | undefined;
  logger: Logger;
  /** The binaries' `libraryPath`: a folder of library links searched first. */
  libraryPath?: string | undefined;
  /** The binaries' `environment`: variables added to the programs' environment. */
  environment?: Readonly<Record<string, string>> | undefined;
  /** How long a fast shutdown may take before the server is stopped at once. Default 30 s. */
  stopTimeoutMs?: number;
}

/**
 * The environment of the server's programs: messages in English (parsed), no PG* variables, the
 * folder of library links when the package's install script did not make them, and the
 * binaries' own variables (nss_wrapper's, for a uid without an account).
 */
const serverEnvironment = (options: PostgresProcessOptions): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  LC_ALL: 'C',
  LANG: 'C',
  ...(options.libraryPath === undefined ? {} : { LD_LIBRARY_PATH: options.libraryPath }),
  ...options.environment,
});

const identity = (account: ServerAccount | undefined): { uid?: number; gid?: number } =>
  account === undefined ? {} : { uid: account.uid, gid: account.gid };

/** Runs `program` with `args` to the end (initdb); rejects with its output when it fails. */
export function runToCompletion(
  program: string,
  args: readonly string[],
  options: PostgresProcessOptions & { signal?: AbortSignal | undefined },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: '/',
      env: serverEnvironment(options),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...identity(options.account),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${program} failed (${signal ?? `exit ${code}`}): ${output.trim()}`));
    });
  });
}

/** The running server's process under its guard. */
export interface GuardedServer {
  /** Settles when the server has exited (on purpose or not), with its exit code. */
  readonly exited: Promise<number | null>;
  /** The server's last log lines, for an error report. */
  recentLog(): string;
  /** Asks the server to stop (fast shutdown) and resolves when it has exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `postgres` with `args` under the guard, in a process group of its own (a Ctrl-C in the
 * terminal reaches the gateway, which closes its database last, not the server first). The
 * child holds no reference on the event loop: a gateway that exits without closing still stops
 * the server, through the guard.
 */
export function startGuardedServer(
  postgres: string,
  args: readonly string[],
  options: PostgresProcessOptions,
): GuardedServer {
  const child: ChildProcess = spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'postgres-guard', postgres, ...args], {
    cwd: '/',
    env: serverEnvironment(options),
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
    ...identity(options.account),
  });
  const lines: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      if (/\b(PANIC|FATAL):/.test(line)) options.logger.warn('embedded PostgreSQL', { line });
    }
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  let stopping: Promise<void> | undefined;
  return {
    exited,
    recentLog: () => [...lines, partial].join('\n').trim(),
    stop() {
      stopping ??= (async () => {
        // Held until the server is gone, so a process that is closing waits for it.
        child.ref();
        child.stdin?.end();
        // A fast shutdown that hangs gets an immediate one (crash recovery at the next start).
        const timer = setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGQUIT');
          } catch {
            // Already gone.
          }
        }, options.stopTimeoutMs ?? 30_000);
        timer.unref();
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
