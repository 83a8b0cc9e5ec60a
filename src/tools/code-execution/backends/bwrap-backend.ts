import { chown, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCodeEnvironment } from '../build-code-environment.js';
import type { ResolvedCodeExecutionConfig } from '../code-execution-config.js';
import { buildBwrapCommand, isInsideAny, SANDBOX_SYSTEM_PATHS } from './bwrap-command.js';
import {
  ExecutionCancelledError,
  TIMEOUT_RETURN_CODE,
  type BackendProbeResult,
  type ExecutionBackend,
} from './execution-backend.js';
import { findExecutable, SYSTEM_SEARCH_PATH } from './find-executable.js';
import type { LocalBackendSettings } from './local-backend-settings.js';
import { resolveResourceLimits } from './resource-limits.js';
import { runProcessGroup, type OutputStream } from './run-process-group.js';

/** Settings of the bubblewrap backend. */
export type BwrapBackendSettings = LocalBackendSettings &
  Pick<ResolvedCodeExecutionConfig, 'sandboxUser' | 'bwrapReadOnlyPaths' | 'probeTimeoutMs' | 'workDirRoot'>;

interface Tools {
  bwrap: string;
  prlimit: string;
  python: string;
  setpriv: string | undefined;
}

const PROBE_MARKER = 'code-execution-sandbox-ok';

/**
 * The bubblewrap backend: Python in a throw-away sandbox with no network, a read-only system,
 * only the session's work dir writable, private /tmp and /proc, and CPU, memory, process and
 * file-size limits (see `buildBwrapCommand`).
 *
 * It is available only when bwrap, prlimit and Python are found, Python lives on a path the
 * sandbox binds, and a trial sandbox really runs; as root it also needs `setpriv`, because the
 * code must not run as root (the kernel never limits root's process count). Anything missing
 * makes the backend unavailable rather than less isolated: it fails closed.
 */
export function createBwrapBackend(settings: BwrapBackendSettings): ExecutionBackend {
  const isRoot = process.getuid?.() === 0;
  let located: Promise<Tools | string> | undefined;

  const locate = (): Promise<Tools | string> =>
    (located ??= (async () => {
      const helperPath = `${process.env.PATH ?? ''}:${SYSTEM_SEARCH_PATH}`;
      const [bwrap, prlimit, python, setpriv] = await Promise.all([
        findExecutable('bwrap', helperPath),
        findExecutable('prlimit', SYSTEM_SEARCH_PATH),
        findExecutable(settings.pythonCommand, settings.searchPath),
        isRoot ? findExecutable('setpriv', SYSTEM_SEARCH_PATH) : Promise.resolve(null),
      ]);
      if (bwrap === null) return 'bubblewrap (bwrap) is not installed';
      if (prlimit === null) return 'prlimit (util-linux) is not installed';
      if (python === null) return `'${settings.pythonCommand}' was not found on ${settings.searchPath}`;
      if (isRoot && setpriv === null) return 'setpriv (util-linux) is needed to leave root before sandboxing';
      const visible = [...SANDBOX_SYSTEM_PATHS, ...settings.bwrapReadOnlyPaths];
      for (const [name, path] of [
        ['Python', python],
        ['prlimit', prlimit],
      ] as const) {
        if (!isInsideAny(path, visible)) {
          return `${name} (${path}) is outside the sandbox's read-only paths; add its prefix to bwrapReadOnlyPaths`;
        }
      }
      return { bwrap, prlimit, python, setpriv: setpriv ?? undefined };
    })());

  const start = async (
    tools: Tools,
    options: {
      workDir: string;
      user?: { uid: number; gid: number } | undefined;
      pythonArgs: string[];
      timeoutMs: number;
      signal: AbortSignal;
      onOutput: (stream: OutputStream, chunk: Buffer) => void;
    },
  ) => {
    const { uid, gid } = options.user ?? settings.sandboxUser;
    // The unprivileged sandbox user must own the one directory it may write.
    if (isRoot) await chown(options.workDir, uid, gid);
    const { command, args } = buildBwrapCommand({
      bwrap: tools.bwrap,
      prlimit: tools.prlimit,
      python: tools.python,
      pythonArgs: options.pythonArgs,
      workDir: options.workDir,
      readOnlyPaths: settings.bwrapReadOnlyPaths,
      limits: resolveResourceLimits(settings.limits, options.timeoutMs, { limitProcesses: true }),
      tmpfsBytes: settings.limits.tmpfsMb * 1024 * 1024,
      dropPrivileges: tools.setpriv === undefined ? undefined : { setpriv: tools.setpriv, uid, gid },
    });
    return runProcessGroup({
      command,
      args,
      cwd: options.workDir,
      env: buildCodeEnvironment({
        homeDir: options.workDir,
        searchPath: settings.searchPath,
        extraEnv: settings.extraEnv,
      }),
      timeoutMs: options.timeoutMs,
      killGraceMs: settings.killGraceMs,
      signal: options.signal,
      onOutput: options.onOutput,
      // bwrap (setpriv execs it) waits on the sandbox's PID namespace init: stopping must
      // keep it until the namespace is dead (see runProcessGroup).
      leaderIsWrapper: true,
    });
  };

  return {
    name: 'bwrap',
    sandboxed: true,
    async probe(signal): Promise<BackendProbeResult> {
      try {
        const tools = await locate();
        if (typeof tools === 'string') return { available: false, reason: tools };
        const trialDir = await mkdtemp(join(settings.workDirRoot, 'code_exec_probe_'));
        try {
          let output = '';
          const result = await start(tools, {
            workDir: trialDir,
            pythonArgs: ['-c', `print(${JSON.stringify(PROBE_MARKER)})`],
            timeoutMs: settings.probeTimeoutMs,
            signal,
            onOutput: (_stream, chunk) => {
              output += chunk.toString('utf8');
            },
          });
          if (result.returnCode === 0 && output.includes(PROBE_MARKER)) return { available: true };
          return {
            available: false,
            reason: `a trial sandbox failed (exit ${result.returnCode}): ${output.trim().slice(0, 500)}`,
          };
        } finally {
          await rm(trialDir, { recursive: true, force: true });
        }
      } catch (error) {
        return { available: false, reason: `a trial sandbox could not start: ${String(error)}` };
      }
    },
    async run({ workDir, scriptName, user, timeoutMs, signal, onOutput }) {
      const tools = await locate();
      if (typeof tools === 'string') throw new Error(tools);
      const result = await start(tools, {
        workDir,
        user,
        pythonArgs: ['-u', join(workDir, scriptName)],
        timeoutMs,
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
