import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { isInitIgnoringTerm, killProcessTree, listDescendants, sendSignal } from './process-tree.js';

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
  /**
   * The command only waits on a child that runs the code in a PID namespace of its own
   * (bubblewrap, `unshare --pid --fork`). Stopping then freezes this leader first and never
   * signals it before its descendants are dead: its death would orphan the namespace (and
   * bubblewrap's `--die-with-parent` loses a race at start-up). Default false: the leader is
   * the code itself.
   */
  leaderIsWrapper?: boolean;
  /** Process ids the child switches to (spawn's `uid`/`gid`); default: the gateway's. */
  user?: { uid: number; gid: number } | undefined;
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

/** How often, during the grace period, a stop checks whether the code already ended. */
const GRACE_POLL_MS = 50;

/**
 * Runs a command as the leader of a new process group and stops everything it started on
 * timeout or abort: SIGTERM first, SIGKILL after `killGraceMs`.
 *
 * Stopping walks the process tree in /proc, not just the group, because code can leave the
 * group with `setsid`. SIGTERM goes to the group and to every descendant (a PID namespace's
 * init that does not catch it gets SIGKILL at once: the kernel would drop the SIGTERM); after
 * the grace, or as soon as nothing below the leader is left, the whole tree is frozen with
 * SIGSTOP and killed (see `killProcessTree`). A double-forked orphan is reparented away from
 * the tree, out of reach of any walk, so the local backends run the code in a PID namespace
 * (`leaderIsWrapper`), where orphans are reparented to the namespace's init instead and die
 * with it.
 *
 * When the leader exits, whatever is left of its group is killed too. Output still in the
 * pipes is read for up to a second after that. Every timer is cleared when the promise
 * settles. Rejects only when the command cannot be started.
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
      ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
    });
    const leaderIsWrapper = options.leaderIsWrapper ?? false;
    let timedOut = false;
    let aborted = false;
    let exited = false;
    let settled = false;
    let exitStatus: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    let stopping = false;
    let killTimer: NodeJS.Timeout | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const signalGroup = (name: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const killEverything = async (): Promise<void> => {
      clearTimeout(killTimer);
      clearInterval(pollTimer);
      // Until 'exit' the leader is unreaped, so its pid cannot name another process.
      if (child.pid === undefined || exited) return;
      await killProcessTree(child.pid);
      signalGroup('SIGKILL');
    };
    const politelyStop = async (leader: number): Promise<void> => {
      if (leaderIsWrapper) sendSignal(leader, 'SIGSTOP');
      else signalGroup('SIGTERM');
      const descendants = await listDescendants(leader);
      for (const pid of descendants) {
        const isCodeInit = (await isInitIgnoringTerm(pid)) && (await listDescendants(pid)).length === 0;
        sendSignal(pid, isCodeInit ? 'SIGKILL' : 'SIGTERM');
      }
    };
    const terminate = (): void => {
      if (exited || stopping || child.pid === undefined) return;
      stopping = true;
      const leader = child.pid;
      killTimer = setTimeout(() => void killEverything(), killGraceMs);
      void politelyStop(leader).then(() => {
        if (!leaderIsWrapper || exited || settled) return;
        // A frozen wrapper cannot notice that the code ended; end the grace early when it has.
        pollTimer = setInterval(() => {
          void listDescendants(leader).then((left) => {
            if (left.length === 0) void killEverything();
          });
        }, GRACE_POLL_MS);
      });
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
      clearInterval(pollTimer);
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
      clearInterval(pollTimer);
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
