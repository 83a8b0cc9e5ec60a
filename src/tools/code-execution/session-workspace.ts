import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createBackgroundTasks,
  type BackgroundTaskLimits,
  type BackgroundTasks,
} from './background/background-tasks.js';
import { ExecutionCancelledError } from './backends/execution-backend.js';
import { createUserWorkDir, type SessionUser } from './create-user-work-dir.js';
import { ChurnSet } from '../../core/churn-map.js';

/** The code-execution state of one session: its work dir, background runs and active runs. */
export interface SessionWorkspace {
  readonly sessionId: string;
  /** The work dir, created on first use and kept until `cleanup`. */
  workDir(): Promise<string>;
  /**
   * The ids this session's code runs as, when it has its own (`users` was given): known once
   * the work dir exists; undefined otherwise.
   */
  user(): Promise<SessionUser | undefined>;
  readonly tasks: BackgroundTasks;
  /**
   * Runs `work` as one of the session's foreground runs: its signal aborts when either
   * `signal` does or the session is cleaned up, and cleanup waits for it to finish.
   */
  track<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Stops every run, then removes the work dir; idempotent. Later use fails as cancelled. */
  cleanup(): Promise<void>;
}

/**
 * Creates the lazily-initialised state of one session. The work dir is a fresh `mkdtemp`
 * directory, or, with `users` (a root gateway giving each session a user of its own), a 0700
 * directory owned by an id of the session's own from that range (see `createUserWorkDir`).
 * Cleanup order matters: runs are stopped and awaited before the directory they write into is
 * removed, so nothing recreates files in a deleted work dir.
 */
export function createSessionWorkspace(options: {
  sessionId: string;
  root: string;
  prefix: string;
  backgroundLimits: BackgroundTaskLimits;
  users?: { first: number; count: number } | undefined;
}): SessionWorkspace {
  const lifetime = new AbortController();
  const tasks = createBackgroundTasks(options.backgroundLimits);
  const active = new ChurnSet<Promise<unknown>>();
  const { users } = options;
  let created: Promise<{ dir: string; user: SessionUser | undefined }> | undefined;
  let cleaning: Promise<void> | undefined;

  const assertOpen = (): void => {
    if (lifetime.signal.aborted) throw new ExecutionCancelledError();
  };

  const create = async (): Promise<{ dir: string; user: SessionUser | undefined }> =>
    users === undefined
      ? { dir: await mkdtemp(join(options.root, options.prefix)), user: undefined }
      : createUserWorkDir({ root: options.root, prefix: options.prefix, range: users });

  const claim = () => {
    assertOpen();
    created ??= create().catch((error: unknown) => {
      created = undefined; // a failed creation (full disk, bad root) is retried by the next call
      throw error;
    });
    return created;
  };

  return {
    sessionId: options.sessionId,
    tasks,
    workDir: async () => (await claim()).dir,
    user: async () => (await claim()).user,
    track(signal, work) {
      assertOpen();
      const run = work(AbortSignal.any([signal, lifetime.signal]));
      const ticket = active.add(
        run
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => active.delete(ticket)),
      );
      return run;
    },
    cleanup() {
      cleaning ??= (async () => {
        lifetime.abort();
        await tasks.cancelAll();
        await Promise.all(active);
        const dir = (await created?.catch(() => undefined))?.dir;
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      })();
      return cleaning;
    },
  };
}
