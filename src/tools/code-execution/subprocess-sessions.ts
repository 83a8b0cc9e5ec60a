import type { ExecutionBackend } from './backends/execution-backend.js';

/**
 * How the unsandboxed subprocess backend keeps sessions apart:
 *
 * - `user-per-session`: the gateway runs as root, so each session's code runs as an id of its
 *   own (`sessionUidRange`) in a work dir only that id may enter;
 * - `one-at-a-time`: the gateway cannot switch users, so all code would run as one user; the
 *   backend serves one session until that session is cleaned up, and refuses the others;
 * - `shared`: as `one-at-a-time`, but the operator accepted sharing
 *   (`allowSharedSubprocessSandbox`): every session's code runs as the gateway's user.
 */
export type SubprocessSessions = 'user-per-session' | 'one-at-a-time' | 'shared';

/** The policy for a gateway that can (root) or cannot switch users. */
export function subprocessSessionsFor(options: {
  canSwitchUsers: boolean;
  allowShared: boolean;
}): SubprocessSessions {
  if (options.canSwitchUsers) return 'user-per-session';
  return options.allowShared ? 'shared' : 'one-at-a-time';
}

/** Whether one session may run code on a backend. */
export interface BackendAccess {
  /** Whether the session may run on `backend` now; takes nothing. */
  mayUse(backend: ExecutionBackend): boolean;
  /** Takes `backend` for the session when it may use it; returns whether it may. */
  take(backend: ExecutionBackend): boolean;
}

/** Who may use the unsandboxed subprocess backend, the one backend sessions could share. */
export interface SubprocessAccess {
  /** Whether `sessionId` may run on `backend` now; takes nothing. */
  mayUse(sessionId: string, backend: ExecutionBackend): boolean;
  /**
   * The access of one session. `isCurrent` says whether the session is still live: a bundle
   * left over from before its session was cleaned up must not take the backend, since nothing
   * would give it back.
   */
  forSession(sessionId: string, isCurrent: () => boolean): BackendAccess;
  /** Gives the backend back when `sessionId` holds it (its session was cleaned up). */
  release(sessionId: string): void;
}

const isUnsandboxedSubprocess = (backend: ExecutionBackend): boolean =>
  backend.name === 'subprocess' && !backend.sandboxed;

/**
 * Creates the access rule of `policy`: under `one-at-a-time` the first session that runs on
 * the unsandboxed subprocess backend holds it until `release`; every other backend, and every
 * other policy, lets every session in.
 */
export function createSubprocessAccess(policy: SubprocessSessions): SubprocessAccess {
  let holder: string | undefined;
  const mayUse = (sessionId: string, backend: ExecutionBackend): boolean =>
    policy !== 'one-at-a-time' ||
    !isUnsandboxedSubprocess(backend) ||
    holder === undefined ||
    holder === sessionId;
  return {
    mayUse,
    forSession(sessionId, isCurrent) {
      return {
        mayUse: (backend) => mayUse(sessionId, backend),
        take(backend) {
          if (policy !== 'one-at-a-time' || !isUnsandboxedSubprocess(backend)) return true;
          if (!isCurrent() || !mayUse(sessionId, backend)) return false;
          holder = sessionId;
          return true;
        },
      };
    },
    release(sessionId) {
      if (holder === sessionId) holder = undefined;
    },
  };
}
