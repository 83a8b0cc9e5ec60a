import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { buildCodeEnvironment } from '../build-code-environment.js';
import type { ResolvedCodeExecutionConfig } from '../code-execution-config.js';
import { buildDockerRunArguments, CONTAINER_WORK_DIR } from './docker-command.js';
import {
  ExecutionCancelledError,
  TIMEOUT_RETURN_CODE,
  type BackendProbeResult,
  type ExecutionBackend,
} from './execution-backend.js';
import type { OutputStream } from './run-process-group.js';

const execFileAsync = promisify(execFile);

/** Settings of the docker backend. */
export type DockerBackendSettings = Pick<
  ResolvedCodeExecutionConfig,
  | 'dockerCommand'
  | 'dockerImage'
  | 'dockerPython'
  | 'extraEnv'
  | 'searchPath'
  | 'killGraceMs'
  | 'probeTimeoutMs'
  | 'limits'
>;

/** Who the code runs as when the work dir belongs to root: `nobody` (never root in the container). */
const UNPRIVILEGED_ID = 65534;

/** How long logs may keep flowing after the container ended, and the grace of a stuck CLI. */
const DRAIN_MS = 1000;
const STUCK_CLI_MS = 10_000;

/**
 * The ids the code runs as: the work dir's owner, so the gateway can remove what the code
 * wrote, unless that is root; then the work dir is handed to `nobody`, who runs the code, so
 * no code ever runs as root inside the container.
 */
async function runAsUserOf(workDir: string): Promise<{ uid: number; gid: number }> {
  const owner = await stat(workDir);
  if (owner.uid !== 0) return { uid: owner.uid, gid: owner.gid };
  await chown(workDir, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
  return { uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID };
}

/** First line of a failed CLI call's stderr (or its message), for error texts. */
function describeCliFailure(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : String(error);
  return text.trim().split('\n')[0] ?? '';
}

/**
 * The docker backend: each run is a fresh container (see `buildDockerRunArguments`), its logs
 * followed while it runs, its exit awaited with `docker wait`, and the container removed
 * afterwards whatever happened. On timeout or cancellation the container is stopped
 * (`docker stop`: SIGTERM, SIGKILL after the grace) and a timeout reports return code 124.
 *
 * The docker CLI itself runs with the gateway's environment (it needs DOCKER_HOST and
 * friends); the code inside only gets the `-e` variables. Available when the engine answers
 * and the image exists locally (it is never pulled implicitly).
 */
export function createDockerBackend(settings: DockerBackendSettings): ExecutionBackend {
  const docker = (args: string[], signal?: AbortSignal, timeout?: number) =>
    execFileAsync(settings.dockerCommand, args, {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
      ...(signal === undefined ? {} : { signal }),
      ...(timeout === undefined ? {} : { timeout }),
    });

  const followLogs = (
    name: string,
    onOutput: (stream: OutputStream, chunk: Buffer) => void,
    signal: AbortSignal,
  ): Promise<void> =>
    new Promise((resolve) => {
      const child = spawn(settings.dockerCommand, ['logs', '-f', name], {
        signal,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => onOutput('stdout', chunk));
      child.stderr.on('data', (chunk: Buffer) => onOutput('stderr', chunk));
      child.once('error', () => resolve());
      child.once('close', () => resolve());
    });

  const environment = (): Record<string, string> => {
    // The image decides PATH (python may live anywhere in it) unless the deployment sets one.
    const { PATH: _path, ...rest } = buildCodeEnvironment({
      homeDir: CONTAINER_WORK_DIR,
      searchPath: settings.searchPath,
      extraEnv: {},
    });
    return { ...rest, ...settings.extraEnv };
  };

  return {
    name: 'docker',
    sandboxed: true,
    async probe(signal): Promise<BackendProbeResult> {
      try {
        await docker(
          ['image', 'inspect', '--format', '{{.Id}}', settings.dockerImage],
          signal,
          settings.probeTimeoutMs,
        );
        return { available: true };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return code === 'ENOENT'
          ? { available: false, reason: `the docker CLI ('${settings.dockerCommand}') was not found` }
          : {
              available: false,
              reason: `docker image '${settings.dockerImage}' is not available: ${describeCliFailure(error)}`,
            };
      }
    },
    async run({ workDir, scriptName, timeoutMs, signal, onOutput }) {
      const name = `code-exec-${randomBytes(6).toString('hex')}`;
      const owner = await runAsUserOf(workDir);
      const cli = new AbortController();
      let started = false;
      let timedOut = false;
      let stopping: Promise<void> | undefined;
      let stuckTimer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        if (!started || stopping !== undefined) return;
        const graceSeconds = String(Math.ceil(settings.killGraceMs / 1000));
        stopping = docker(['stop', '-t', graceSeconds, name]).then(
          () => undefined,
          () => undefined,
        );
        // If the engine does not answer, give up on the CLI calls rather than hang the run.
        stuckTimer = setTimeout(() => cli.abort(), settings.killGraceMs + STUCK_CLI_MS);
      };
      const deadline = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      signal.addEventListener('abort', stop, { once: true });

      let returnCode = 0;
      try {
        await docker(
          buildDockerRunArguments({
            containerName: name,
            image: settings.dockerImage,
            workDir,
            user: `${owner.uid}:${owner.gid}`,
            env: environment(),
            python: settings.dockerPython,
            scriptName,
            memoryMb: settings.limits.memoryMb,
            maxProcesses: settings.limits.maxProcesses,
            maxFileSizeMb: settings.limits.maxFileSizeMb,
            tmpfsMb: settings.limits.tmpfsMb,
          }),
          cli.signal,
        ).catch((error: unknown) => {
          throw new Error(`docker run failed: ${describeCliFailure(error)}`);
        });
        started = true;
        if (timedOut || signal.aborted) stop();
        const logs = followLogs(name, onOutput, cli.signal);
        const { stdout } = await docker(['wait', name], cli.signal);
        returnCode = Number.parseInt(stdout.trim(), 10);
        let drainTimer: NodeJS.Timeout | undefined;
        await Promise.race([
          logs,
          new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, DRAIN_MS))),
        ]);
        clearTimeout(drainTimer);
      } catch (error) {
        // A stopped container may also end `docker wait` with an error; only a run that was
        // neither stopped nor cancelled failed for real.
        if (!timedOut && !signal.aborted) throw error;
      } finally {
        clearTimeout(deadline);
        signal.removeEventListener('abort', stop);
        await stopping;
        clearTimeout(stuckTimer);
        cli.abort();
        await docker(['rm', '-f', name], undefined, settings.probeTimeoutMs + STUCK_CLI_MS).catch(
          () => undefined,
        );
      }
      if (signal.aborted) throw new ExecutionCancelledError();
      if (timedOut) return { returnCode: TIMEOUT_RETURN_CODE, timedOut: true };
      return { returnCode: Number.isNaN(returnCode) ? -1 : returnCode, timedOut: false };
    },
  };
}
