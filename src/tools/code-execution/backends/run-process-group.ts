import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Which pipe a piece of output came from. */
export type OutputStream = 'stdout' | 'stderr';

/** Options of `runProcessGroup`. */
export interface ProcessGroupRunOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  /** The child's complete environment (nothing is inherited). */
  env: Record<string, string>;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Aborting stops the process like a timeout does. */
  signal: AbortSignal;
  /** Raw output as it arrives. */
  onOutput: (stream: OutputStream, chunk: Buffer) => void;
}

/** How the process ended. */
export interface ProcessGroupRunResult {
  /** Exit status, or minus the signal number when a signal ended it (as Python reports it). */
  returnCode: number;
  timedOut: boolean;
  /** The run was stopped because `signal` aborted. */
  aborted: boolean;
}

/** How long output may keep flowing after the leader exited before the pipes are closed. */
const DRAIN_MS = 1000;

/**
 * Runs a command as the leader of a new process group and stops the whole group on timeout
 * or abort: SIGTERM first, SIGKILL after `killGraceMs`.
 *
 * When the leader exits, whatever is left of its group is killed too, so a run never leaves
 * processes behind (a script that started a child and returned). Output still in the pipes is
 * read for up to a second after that; a descendant that escaped the group (setsid) and keeps a
 * pipe open is cut off then. Every timer is cleared when the promise settles. Rejects only
 * when the command cannot be started.
 */
export function runProcessGroup(options: ProcessGroupRunOptions): Promise<ProcessGroupRunResult> {
  const { signal, killGraceMs } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      resolve({ returnCode: -constants.signals.SIGKILL, timedOut: false, aborted: true });
      return;
    }
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    let exited = false;
    let settled = false;
    let exitStatus: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const signalGroup = (name: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = (): void => {
      if (exited || killTimer !== undefined) return;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), killGraceMs);
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const finish = (): void => {
      settled = true;
      clearTimeout(deadline);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      signal.removeEventListener('abort', onAbort);
    };
    const forward = (stream: OutputStream) => (chunk: Buffer) => {
      try {
        options.onOutput(stream, chunk);
      } catch {
        // A failing consumer must not leave the process running unobserved.
      }
    };
    child.stdout.on('data', forward('stdout'));
    child.stderr.on('data', forward('stderr'));

    child.once('error', (error) => {
      if (settled) return;
      finish();
      signalGroup('SIGKILL');
      reject(error);
    });
    child.once('exit', (code, exitSignal) => {
      exited = true;
      exitStatus = { code, signal: exitSignal };
      clearTimeout(deadline);
      clearTimeout(killTimer);
      signalGroup('SIGKILL');
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
    });
    child.once('close', () => {
      if (settled) return;
      finish();
      const { code, signal: exitSignal } = exitStatus;
      const returnCode =
        code ?? (exitSignal === null ? -constants.signals.SIGKILL : -constants.signals[exitSignal]);
      resolve({ returnCode, timedOut, aborted });
    });
  });
}
