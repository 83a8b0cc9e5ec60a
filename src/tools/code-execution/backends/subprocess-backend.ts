import { join } from 'node:path';
import { buildCodeEnvironment } from '../build-code-environment.js';
import {
  ExecutionCancelledError,
  TIMEOUT_RETURN_CODE,
  type BackendProbeResult,
  type ExecutionBackend,
} from './execution-backend.js';
import { findExecutable, SYSTEM_SEARCH_PATH } from './find-executable.js';
import type { LocalBackendSettings } from './local-backend-settings.js';
import { prlimitArguments, resolveResourceLimits } from './resource-limits.js';
import { runProcessGroup } from './run-process-group.js';

/**
 * The unsandboxed backend: Python as a plain child process of the gateway, in its own process
 * group, with the session's work dir as cwd and a minimal environment.
 *
 * It is not isolated: the code can reach the network and every file the gateway user can, so
 * it is the one backend that needs approval. What the OS allows is still applied: CPU time,
 * address space and file size via util-linux `prlimit` when it is installed (without it only
 * the timeout and the output cap apply). The process-count limit is left out on purpose: for
 * a plain child it is counted per user, not per run (see `prlimitArguments`).
 */
export function createSubprocessBackend(settings: LocalBackendSettings): ExecutionBackend {
  let located: Promise<{ python: string | null; prlimit: string | null }> | undefined;
  const locate = (): Promise<{ python: string | null; prlimit: string | null }> =>
    (located ??= Promise.all([
      findExecutable(settings.pythonCommand, settings.searchPath),
      findExecutable('prlimit', SYSTEM_SEARCH_PATH),
    ]).then(([python, prlimit]) => ({ python, prlimit })));

  return {
    name: 'subprocess',
    sandboxed: false,
    async probe(): Promise<BackendProbeResult> {
      const { python } = await locate();
      return python === null
        ? { available: false, reason: `'${settings.pythonCommand}' was not found on ${settings.searchPath}` }
        : { available: true };
    },
    async run({ workDir, scriptName, timeoutMs, signal, onOutput }) {
      const { python, prlimit } = await locate();
      if (python === null) throw new Error(`'${settings.pythonCommand}' was not found`);
      const pythonArgs = ['-u', join(workDir, scriptName)];
      const limits = resolveResourceLimits(settings.limits, timeoutMs, { limitProcesses: false });
      const [command, args] =
        prlimit === null
          ? [python, pythonArgs]
          : [prlimit, [...prlimitArguments(limits), '--', python, ...pythonArgs]];
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
      });
      if (result.aborted) throw new ExecutionCancelledError();
      return result.timedOut
        ? { returnCode: TIMEOUT_RETURN_CODE, timedOut: true }
        : { returnCode: result.returnCode, timedOut: false };
    },
  };
}
