import { spawn } from 'node:child_process';
import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCodeEnvironment } from '../build-code-environment.js';
import type { ResolvedCodeExecutionConfig } from '../code-execution-config.js';
import {
  ExecutionCancelledError,
  TIMEOUT_RETURN_CODE,
  type BackendProbeResult,
  type ExecutionBackend,
} from './execution-backend.js';
import { findExecutable, SYSTEM_SEARCH_PATH } from './find-executable.js';
import type { LocalBackendSettings } from './local-backend-settings.js';
import { resolveResourceLimits } from './resource-limits.js';
import { runProcessGroup } from './run-process-group.js';
import { buildSubprocessCommand, PID_NAMESPACE_FLAGS } from './subprocess-command.js';

/** Settings of the subprocess backend. */
export type SubprocessBackendSettings = LocalBackendSettings &
  Pick<ResolvedCodeExecutionConfig, 'sandboxUser' | 'probeTimeoutMs'>;

interface Tools {
  python: string | null;
  prlimit: string | null;
  /** `unshare`, only when a trial PID namespace worked. */
  unshare: string | null;
}

/** Whether `unshare` can create the PID namespace the code runs in, as `user` (a trial run). */
function canCreatePidNamespace(
  unshare: string,
  user: { uid: number; gid: number } | undefined,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const trial = spawn(unshare, [...PID_NAMESPACE_FLAGS, '--', unshare, '--help'], {
      stdio: 'ignore',
      env: {},
      cwd: '/',
      timeout: timeoutMs,
      ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
    });
    trial.once('error', () => resolve(false));
    trial.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * The unsandboxed backend: Python as a plain child process of the gateway, with the session's
 * work dir as cwd and a minimal environment.
 *
 * It is not isolated: the code can reach the network and every file its user can, so it is
 * the one backend that needs approval. When the gateway runs as root the code runs as the
 * session's own ids (the request's `user`, from `sessionUidRange`; `sandboxUser` when a request
 * has none), so it cannot read the gateway's `/proc/<pid>/environ`, files only root may read, or
 * another session's work dir; otherwise it runs as the gateway's own user and can read
 * everything the gateway can, its environment included (which is why `createCodeExecution`
 * then lets only one session at a time use this backend, unless told otherwise).
 *
 * The code is the init of a PID namespace of its own (`unshare`, see `buildSubprocessCommand`)
 * when util-linux and the kernel allow it, so nothing it starts outlives a timeout or cancel.
 * CPU time, address space and file size are capped with util-linux `prlimit` when installed.
 * The process-count limit is left out on purpose: for a plain child it is counted per user,
 * not per run (see `prlimitArguments`).
 */
export function createSubprocessBackend(settings: SubprocessBackendSettings): ExecutionBackend {
  const isRoot = process.getuid?.() === 0;
  const sandboxUser = isRoot ? settings.sandboxUser : undefined;
  let located: Promise<Tools> | undefined;
  const locate = (): Promise<Tools> =>
    (located ??= (async () => {
      const [python, prlimit, unshare] = await Promise.all([
        findExecutable(settings.pythonCommand, settings.searchPath),
        findExecutable('prlimit', SYSTEM_SEARCH_PATH),
        findExecutable('unshare', SYSTEM_SEARCH_PATH),
      ]);
      const usable =
        unshare !== null && (await canCreatePidNamespace(unshare, sandboxUser, settings.probeTimeoutMs));
      return { python, prlimit, unshare: usable ? unshare : null };
    })());

  return {
    name: 'subprocess',
    sandboxed: false,
    async probe(): Promise<BackendProbeResult> {
      const { python } = await locate();
      return python === null
        ? { available: false, reason: `'${settings.pythonCommand}' was not found on ${settings.searchPath}` }
        : { available: true };
    },
    async run({ workDir, scriptName, user: sessionUser, timeoutMs, signal, onOutput }) {
      const { python, prlimit, unshare } = await locate();
      if (python === null) throw new Error(`'${settings.pythonCommand}' was not found`);
      const user = isRoot ? (sessionUser ?? sandboxUser) : undefined;
      // The unprivileged user must own the one directory it is meant to write.
      if (user !== undefined) await chown(workDir, user.uid, user.gid);
      const { command, args, leaderIsWrapper } = buildSubprocessCommand({
        python,
        pythonArgs: ['-u', join(workDir, scriptName)],
        prlimit,
        limits: resolveResourceLimits(settings.limits, timeoutMs, { limitProcesses: false }),
        unshare,
      });
      const result = await runProcessGroup({
        command,
        args,
        cwd: workDir,
        env: buildCodeEnvironment({
          homeDir: workDir,
          searchPath: settings.searchPath,
          extraEnv: settings.extraEnv,
        }),
        timeoutMs,
        killGraceMs: settings.killGraceMs,
        signal,
        onOutput,
        leaderIsWrapper,
        user,
      });
      if (result.aborted) throw new ExecutionCancelledError();
      return result.timedOut
        ? { returnCode: TIMEOUT_RETURN_CODE, timedOut: true }
        : { returnCode: result.returnCode, timedOut: false };
    },
  };
}
