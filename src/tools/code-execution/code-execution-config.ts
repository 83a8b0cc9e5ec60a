import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { GatewayError } from '../../core/errors.js';

/** The kinds of place code can run: a container, a bubblewrap sandbox, or a plain child process. */
export type CodeExecutionBackendName = 'docker' | 'bwrap' | 'subprocess';

/** What the model may ask for in `host`: a backend, or `auto` (docker, then bwrap, then subprocess). */
export type CodeExecutionHost = 'auto' | CodeExecutionBackendName;

/** Operating-system limits applied to the code of one run (local backends; docker has its own). */
export interface CodeExecutionLimits {
  /** CPU seconds (RLIMIT_CPU); default: the run's timeout in whole seconds plus one (a backstop). */
  cpuSeconds?: number;
  /** Address space in MiB (RLIMIT_AS); default 1024. */
  memoryMb?: number;
  /** Processes and threads of the sandbox (RLIMIT_NPROC, bwrap only); default 128. */
  maxProcesses?: number;
  /** Largest file the code may write, in MiB (RLIMIT_FSIZE, at most `workDirMb`); default 256. */
  maxFileSizeMb?: number;
  /** Size of the sandbox's private /tmp (a tmpfs, so host memory), in MiB; default 64. */
  tmpfsMb?: number;
  /**
   * Disk quota of a session's work dir, in MiB; default 256. A run that takes the work dir
   * over it is stopped with `quota_exceeded` and the files it wrote beyond the quota are removed.
   */
  workDirMb?: number;
  /** Background runs one session may have running at once; default 4. */
  maxBackgroundRunsPerSession?: number;
  /** Background runs of all sessions of the app running at once; default 16. */
  maxBackgroundRuns?: number;
}

/**
 * Configuration of `createCodeExecution`; every field is optional. Names follow the original's
 * `CodeExecutionConfig` in camelCase, plus the bubblewrap backend and its limits.
 */
export interface CodeExecutionConfig {
  /** Image of the docker backend (default: env `CODE_EXECUTE_DOCKER_IMAGE`, else `agent-gateway-code-exec:latest`). */
  dockerImage?: string;
  /** The docker CLI (default `docker`, looked up on the gateway's PATH). */
  dockerCommand?: string;
  /** Python inside the image (default `python3`). */
  dockerPython?: string;
  /** Offer the docker backend (default true). It is used only when the engine answers and the image exists. */
  registerDocker?: boolean;
  /** Offer the bubblewrap backend, and run `subprocess` inside it when usable (default true). */
  registerBwrap?: boolean;
  /** Offer the subprocess backend (default true); unsandboxed unless bubblewrap is usable. */
  registerSubprocess?: boolean;
  /** Python of the local backends (default `python3`, looked up on `searchPath`). */
  pythonCommand?: string;
  /** PATH the code sees, also used to find `pythonCommand` (default `/usr/local/bin:/usr/bin:/bin`). */
  searchPath?: string;
  /** Extra environment for the code: `PATH` is prepended to `searchPath`, other names are set. */
  extraEnv?: Record<string, string>;
  /** Python run before the user's code, in the same namespace (e.g. `import numpy as np`). */
  preambleSuffix?: string;
  /** Where session work dirs are created (default: the system temp dir). */
  workDirRoot?: string;
  /** Name prefix of session work dirs (default `code_exec_`). */
  workDirPrefix?: string;
  /** Cap of stdout + stderr in a result (default 102 400 bytes). */
  maxOutputBytes?: number;
  /** Images returned per run (default 5); later ones are listed as skipped. */
  maxImages?: number;
  /** Largest image returned, measured as base64 (default 512 000 bytes). */
  maxImageBase64Bytes?: number;
  /** `timeout_ms` when the model gives none (default 30 000). */
  defaultTimeoutMs?: number;
  /** Largest `timeout_ms` (default 120 000). */
  maxTimeoutMs?: number;
  /** Appended to the `code_execute` description (e.g. the packages your image has). */
  toolDescriptionSuffix?: string;
  /** Operating-system limits of local runs. */
  limits?: CodeExecutionLimits;
  /** Unprivileged ids the bwrap backend switches to when the gateway runs as root (default 65534). */
  sandboxUser?: { uid: number; gid: number };
  /** Extra read-only paths inside the bwrap sandbox (e.g. a Python installed under /opt). */
  bwrapReadOnlyPaths?: string[];
  /** Time between SIGTERM and SIGKILL when a run is stopped (default 2000 ms). */
  killGraceMs?: number;
  /** Limit of each availability probe (docker image inspect, bwrap trial run; default 3000 ms). */
  probeTimeoutMs?: number;
  /**
   * Honour "always allow" for runs on the unsandboxed subprocess backend (default false: each
   * such run asks again, since the code runs as a real user of the host).
   */
  allowAlwaysForUnsandboxed?: boolean;
}

/** `CodeExecutionConfig` after validation, with every default applied. */
export interface ResolvedCodeExecutionConfig {
  dockerImage: string;
  dockerCommand: string;
  dockerPython: string;
  registered: readonly CodeExecutionBackendName[];
  pythonCommand: string;
  searchPath: string;
  extraEnv: Readonly<Record<string, string>>;
  preambleSuffix: string;
  workDirRoot: string;
  workDirPrefix: string;
  maxOutputBytes: number;
  maxImages: number;
  maxImageBase64Bytes: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  toolDescriptionSuffix: string;
  limits: Required<Omit<CodeExecutionLimits, 'cpuSeconds'>> & { cpuSeconds: number | undefined };
  sandboxUser: { uid: number; gid: number };
  bwrapReadOnlyPaths: readonly string[];
  killGraceMs: number;
  probeTimeoutMs: number;
  allowAlwaysForUnsandboxed: boolean;
}

/** Smallest `timeout_ms` a call may ask for. */
export const MIN_TIMEOUT_MS = 1000;

/** Image used when neither the config nor `CODE_EXECUTE_DOCKER_IMAGE` names one. */
export const DEFAULT_DOCKER_IMAGE = 'agent-gateway-code-exec:latest';

/** PATH of the executed code unless `searchPath` says otherwise: system directories only. */
export const DEFAULT_SEARCH_PATH = '/usr/local/bin:/usr/bin:/bin';

const KNOWN_KEYS = new Set<string>([
  'dockerImage',
  'dockerCommand',
  'dockerPython',
  'registerDocker',
  'registerBwrap',
  'registerSubprocess',
  'pythonCommand',
  'searchPath',
  'extraEnv',
  'preambleSuffix',
  'workDirRoot',
  'workDirPrefix',
  'maxOutputBytes',
  'maxImages',
  'maxImageBase64Bytes',
  'defaultTimeoutMs',
  'maxTimeoutMs',
  'toolDescriptionSuffix',
  'limits',
  'sandboxUser',
  'bwrapReadOnlyPaths',
  'killGraceMs',
  'probeTimeoutMs',
  'allowAlwaysForUnsandboxed',
]);

function fail(problem: string): never {
  throw new GatewayError('invalid_option', `createCodeExecution: ${problem}`);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(value: unknown, name: string, fallback: string, allowEmpty = false): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === '')) {
    return fail(`\`${name}\` must be a ${allowEmpty ? '' : 'non-empty '}string`);
  }
  return value;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') return fail(`\`${name}\` must be a boolean`);
  return value;
}

function count(value: unknown, name: string, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    return fail(`\`${name}\` must be an integer >= ${minimum}`);
  }
  return value;
}

function resolveLimits(value: unknown): ResolvedCodeExecutionConfig['limits'] {
  if (value !== undefined && !isRecord(value)) fail('`limits` must be an object');
  const limits = isRecord(value) ? value : {};
  for (const key of Object.keys(limits)) {
    if (
      ![
        'cpuSeconds',
        'memoryMb',
        'maxProcesses',
        'maxFileSizeMb',
        'tmpfsMb',
        'workDirMb',
        'maxBackgroundRunsPerSession',
        'maxBackgroundRuns',
      ].includes(key)
    ) {
      fail(`unknown limit \`${key}\``);
    }
  }
  return {
    cpuSeconds:
      limits.cpuSeconds === undefined ? undefined : count(limits.cpuSeconds, 'limits.cpuSeconds', 1),
    memoryMb: count(limits.memoryMb, 'limits.memoryMb', 1024, 16),
    maxProcesses: count(limits.maxProcesses, 'limits.maxProcesses', 128, 4),
    maxFileSizeMb: count(limits.maxFileSizeMb, 'limits.maxFileSizeMb', 256),
    tmpfsMb: count(limits.tmpfsMb, 'limits.tmpfsMb', 64),
    workDirMb: count(limits.workDirMb, 'limits.workDirMb', 256),
    maxBackgroundRunsPerSession: count(
      limits.maxBackgroundRunsPerSession,
      'limits.maxBackgroundRunsPerSession',
      4,
    ),
    maxBackgroundRuns: count(limits.maxBackgroundRuns, 'limits.maxBackgroundRuns', 16),
  };
}

function resolveExtraEnv(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) return fail('`extraEnv` must be an object of strings');
  for (const [name, entry] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`extraEnv name '${name}' is not a valid variable name`);
    if (typeof entry !== 'string') fail(`extraEnv['${name}'] must be a string`);
  }
  return { ...(value as Record<string, string>) };
}

function resolveSandboxUser(value: unknown): { uid: number; gid: number } {
  if (value === undefined) return { uid: 65534, gid: 65534 };
  if (!isRecord(value)) return fail('`sandboxUser` must be { uid, gid }');
  return {
    uid: count(value.uid, 'sandboxUser.uid', 65534),
    gid: count(value.gid, 'sandboxUser.gid', 65534),
  };
}

/**
 * Validates a `CodeExecutionConfig` before anything runs and applies the defaults. The docker
 * image falls back to `CODE_EXECUTE_DOCKER_IMAGE` read now, so one app keeps one image.
 */
export function resolveCodeExecutionConfig(config: CodeExecutionConfig = {}): ResolvedCodeExecutionConfig {
  if (!isRecord(config)) return fail('config must be an object');
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option \`${key}\``);
  }
  const registered: CodeExecutionBackendName[] = [];
  if (flag(config.registerDocker, 'registerDocker')) registered.push('docker');
  if (flag(config.registerBwrap, 'registerBwrap')) registered.push('bwrap');
  if (flag(config.registerSubprocess, 'registerSubprocess')) registered.push('subprocess');
  if (registered.length === 0) fail('at least one backend must be registered');

  const maxTimeoutMs = count(config.maxTimeoutMs, 'maxTimeoutMs', 120_000, MIN_TIMEOUT_MS);
  const defaultTimeoutMs = count(config.defaultTimeoutMs, 'defaultTimeoutMs', 30_000, MIN_TIMEOUT_MS);
  if (defaultTimeoutMs > maxTimeoutMs) fail('`defaultTimeoutMs` must not exceed `maxTimeoutMs`');

  const workDirRoot = text(config.workDirRoot, 'workDirRoot', tmpdir());
  if (!isAbsolute(workDirRoot)) fail('`workDirRoot` must be an absolute path');
  const workDirPrefix = text(config.workDirPrefix, 'workDirPrefix', 'code_exec_');
  if (workDirPrefix.includes('/')) fail('`workDirPrefix` must not contain "/"');

  const readOnlyPaths: unknown = config.bwrapReadOnlyPaths ?? [];
  if (
    !Array.isArray(readOnlyPaths) ||
    !readOnlyPaths.every((path: unknown) => typeof path === 'string' && isAbsolute(path))
  ) {
    fail('`bwrapReadOnlyPaths` must be an array of absolute paths');
  }
  const bwrapReadOnlyPaths = [...(readOnlyPaths as string[])];

  const environmentImage = process.env.CODE_EXECUTE_DOCKER_IMAGE?.trim();
  return {
    dockerImage: text(
      config.dockerImage,
      'dockerImage',
      environmentImage !== undefined && environmentImage !== '' ? environmentImage : DEFAULT_DOCKER_IMAGE,
    ),
    dockerCommand: text(config.dockerCommand, 'dockerCommand', 'docker'),
    dockerPython: text(config.dockerPython, 'dockerPython', 'python3'),
    registered,
    pythonCommand: text(config.pythonCommand, 'pythonCommand', 'python3'),
    searchPath: text(config.searchPath, 'searchPath', DEFAULT_SEARCH_PATH),
    extraEnv: resolveExtraEnv(config.extraEnv),
    preambleSuffix: text(config.preambleSuffix, 'preambleSuffix', '', true),
    workDirRoot,
    workDirPrefix,
    maxOutputBytes: count(config.maxOutputBytes, 'maxOutputBytes', 102_400, 64),
    maxImages: count(config.maxImages, 'maxImages', 5, 0),
    maxImageBase64Bytes: count(config.maxImageBase64Bytes, 'maxImageBase64Bytes', 512_000),
    defaultTimeoutMs,
    maxTimeoutMs,
    toolDescriptionSuffix: text(config.toolDescriptionSuffix, 'toolDescriptionSuffix', '', true),
    limits: resolveLimits(config.limits),
    sandboxUser: resolveSandboxUser(config.sandboxUser),
    bwrapReadOnlyPaths,
    killGraceMs: count(config.killGraceMs, 'killGraceMs', 2000, 0),
    probeTimeoutMs: count(config.probeTimeoutMs, 'probeTimeoutMs', 3000),
    allowAlwaysForUnsandboxed:
      config.allowAlwaysForUnsandboxed === undefined
        ? false
        : flag(config.allowAlwaysForUnsandboxed, 'allowAlwaysForUnsandboxed'),
  };
}
