import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { nonBlankString, parseOptions } from '../../core/parse-options.js';

/** The kinds of place code can run: a container, a bubblewrap sandbox, or a plain child process. */
export type CodeExecutionBackendName = 'docker' | 'bwrap' | 'subprocess';

/** What the model may ask for in `host`: a backend, or `auto` (docker, then bwrap, then subprocess). */
export type CodeExecutionHost = 'auto' | CodeExecutionBackendName;

/** Smallest `timeout_ms` a call may ask for. */
export const MIN_TIMEOUT_MS = 1000;

/** The image `CODE_EXECUTE_DOCKER_IMAGE` names when the config names none, else ours. */
const dockerImageFromEnvironment = (): string => {
  const named = process.env.CODE_EXECUTE_DOCKER_IMAGE?.trim();
  return named === undefined || named === '' ? 'agent-gateway-code-exec:latest' : named;
};

/** Largest id the kernel and Node's `spawn` take as a uid or gid (a signed 32-bit int). */
const MAX_ID = 2_147_483_647;

/** A whole number of at least `minimum`. */
const atLeast = (minimum: number) => z.number().int().min(minimum);

const absolutePath = () => nonBlankString().refine(isAbsolute, { message: 'must be an absolute path' });

/** Operating-system limits applied to the code of one run (local backends; docker has its own). */
export const codeExecutionLimitsSchema = z.strictObject({
  /**
   * CPU time in ms (RLIMIT_CPU, rounded up to whole seconds); default: the run's timeout in
   * whole seconds plus one (a backstop).
   */
  cpuTimeMs: atLeast(1).optional(),
  /** Address space in MiB (RLIMIT_AS); default 1024. */
  memoryMb: atLeast(16).default(1024),
  /** Processes and threads of the sandbox (RLIMIT_NPROC, bwrap only); default 128. */
  maxProcesses: atLeast(4).default(128),
  /** Largest file the code may write, in MiB (RLIMIT_FSIZE, at most `workDirMb`); default 256. */
  maxFileSizeMb: atLeast(1).default(256),
  /** Size of the sandbox's private /tmp (a tmpfs, so host memory), in MiB; default 64. */
  tmpfsMb: atLeast(1).default(64),
  /**
   * Disk quota of a session's work dir, in MiB; default 256. A run that takes the work dir
   * over it is stopped with `quota_exceeded` and the files it wrote beyond the quota are removed.
   */
  workDirMb: atLeast(1).default(256),
  /** Background runs one session may have running at once; default 4. */
  maxBackgroundRunsPerSession: atLeast(1).default(4),
  /** Background runs of all sessions of the app running at once; default 16. */
  maxBackgroundRuns: atLeast(1).default(16),
});

/** Operating-system limits applied to the code of one run (`CodeExecutionConfig.limits`). */
export type CodeExecutionLimits = z.input<typeof codeExecutionLimitsSchema>;

/**
 * Configuration of `createCodeExecution`; every field is optional. Names are the
 * `CodeExecutionConfig` settings in camelCase, plus the bubblewrap backend and its limits.
 */
export const codeExecutionConfigSchema = z
  .strictObject({
    /** Image of the docker backend (default: env `CODE_EXECUTE_DOCKER_IMAGE`, else `agent-gateway-code-exec:latest`). */
    dockerImage: nonBlankString().default(dockerImageFromEnvironment),
    /** The docker CLI (default `docker`, looked up on the gateway's PATH). */
    dockerCommand: nonBlankString().default('docker'),
    /** Python inside the image (default `python3`). */
    dockerPython: nonBlankString().default('python3'),
    /** Offer the docker backend (default true). It is used only when the engine answers and the image exists. */
    registerDocker: z.boolean().default(true),
    /** Offer the bubblewrap backend, and run `subprocess` inside it when usable (default true). */
    registerBwrap: z.boolean().default(true),
    /** Offer the subprocess backend (default true); unsandboxed unless bubblewrap is usable. */
    registerSubprocess: z.boolean().default(true),
    /** Python of the local backends (default `python3`, looked up on `searchPath`). */
    pythonCommand: nonBlankString().default('python3'),
    /** PATH the code sees, also used to find `pythonCommand` (default `/usr/local/bin:/usr/bin:/bin`). */
    searchPath: nonBlankString().default('/usr/local/bin:/usr/bin:/bin'),
    /** Extra environment for the code: `PATH` is prepended to `searchPath`, other names are set. */
    extraEnv: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'is not a valid variable name' }),
        z.string(),
      )
      .default({}),
    /** Python run before the user's code, in the same namespace (e.g. `import numpy as np`). */
    preambleSuffix: z.string().default(''),
    /** Where session work dirs are created (default: the system temp dir). */
    workDirRoot: absolutePath().default(() => tmpdir()),
    /** Name prefix of session work dirs (default `code_exec_`). */
    workDirPrefix: nonBlankString()
      .refine((prefix) => !prefix.includes('/'), { message: 'must not contain "/"' })
      .default('code_exec_'),
    /** Cap of stdout + stderr in a result (default 102 400 bytes). */
    maxOutputBytes: atLeast(64).default(102_400),
    /** Images returned per run (default 5); later ones are listed as skipped. */
    maxImages: atLeast(0).default(5),
    /** Largest image returned, measured as base64 (default 512 000 bytes). */
    maxImageBase64Bytes: atLeast(1).default(512_000),
    /** `timeout_ms` when the model gives none (default 30 000). */
    defaultTimeoutMs: atLeast(MIN_TIMEOUT_MS).default(30_000),
    /** Largest `timeout_ms` (default 120 000). */
    maxTimeoutMs: atLeast(MIN_TIMEOUT_MS).default(120_000),
    /** Appended to the `code_execute` description (e.g. the packages your image has). */
    toolDescriptionSuffix: z.string().default(''),
    /** Operating-system limits of local runs. */
    limits: codeExecutionLimitsSchema.prefault({}),
    /**
     * Ids the subprocess backend gives sessions when the gateway runs as root: each session's
     * code runs as its own uid (gid the same) from `first` to `first + count - 1`, in a work dir
     * only that id may enter. No other account of the host may use these ids. The default block
     * lies in the range systemd leaves unused (between its container range, which ends at
     * 1 879 048 191, and 2 147 352 576), clear of `/etc/subuid` blocks, which start at 100 000.
     */
    sessionUidRange: z
      .strictObject({
        first: atLeast(1).default(2_000_000_000),
        count: atLeast(1).default(65_536),
      })
      .refine((range) => range.first + range.count - 1 <= MAX_ID, {
        message: `must end at or below ${MAX_ID}`,
      })
      .prefault({}),
    /**
     * Let every session share the unsandboxed subprocess backend where the gateway cannot give
     * each its own user (it does not run as root). Their code then runs as one user and can read
     * and change each other's work dirs. Default false: the backend serves one session at a time.
     */
    allowSharedSubprocessSandbox: z.boolean().default(false),
    /** Unprivileged ids the bwrap backend switches to when the gateway runs as root (default 65534). */
    sandboxUser: z
      .strictObject({ uid: atLeast(1).default(65534), gid: atLeast(1).default(65534) })
      .prefault({}),
    /** Extra read-only paths inside the bwrap sandbox (e.g. a Python installed under /opt). */
    bwrapReadOnlyPaths: z.array(absolutePath()).default([]),
    /** Time between SIGTERM and SIGKILL when a run is stopped (default 2000 ms). */
    killGraceMs: atLeast(0).default(2000),
    /** Limit of each availability probe (docker image inspect, bwrap trial run; default 3000 ms). */
    probeTimeoutMs: atLeast(1).default(3000),
    /**
     * Honour "always allow" for runs on the unsandboxed subprocess backend (default false: each
     * such run asks again, since the code runs as a real user of the host).
     */
    allowAlwaysForUnsandboxed: z.boolean().default(false),
  })
  .refine((config) => config.registerDocker || config.registerBwrap || config.registerSubprocess, {
    message: 'at least one backend must be registered',
  })
  .refine((config) => config.defaultTimeoutMs <= config.maxTimeoutMs, {
    message: 'must not exceed maxTimeoutMs',
    path: ['defaultTimeoutMs'],
  });

/** Configuration of `createCodeExecution`; every field is optional. */
export type CodeExecutionConfig = z.input<typeof codeExecutionConfigSchema>;

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
  limits: z.output<typeof codeExecutionLimitsSchema>;
  sandboxUser: { uid: number; gid: number };
  sessionUidRange: { first: number; count: number };
  allowSharedSubprocessSandbox: boolean;
  bwrapReadOnlyPaths: readonly string[];
  killGraceMs: number;
  probeTimeoutMs: number;
  allowAlwaysForUnsandboxed: boolean;
}

/** Options of 0.1.0 that changed (see CHANGELOG.md). */
const RENAMED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['limits.cpuSeconds', "use 'limits.cpuTimeMs' (milliseconds)"],
]);

/**
 * Validates a `CodeExecutionConfig` before anything runs and applies the defaults. The docker
 * image falls back to `CODE_EXECUTE_DOCKER_IMAGE` read now, so one app keeps one image.
 */
export function resolveCodeExecutionConfig(config: CodeExecutionConfig = {}): ResolvedCodeExecutionConfig {
  const {
    registerDocker,
    registerBwrap,
    registerSubprocess,
    dockerImage,
    bwrapReadOnlyPaths,
    extraEnv,
    ...parsed
  } = parseOptions(codeExecutionConfigSchema, config, 'createCodeExecution', RENAMED_OPTIONS);
  const registered: CodeExecutionBackendName[] = [];
  if (registerDocker) registered.push('docker');
  if (registerBwrap) registered.push('bwrap');
  if (registerSubprocess) registered.push('subprocess');
  return {
    ...parsed,
    dockerImage,
    registered,
    extraEnv: { ...extraEnv },
    bwrapReadOnlyPaths: [...bwrapReadOnlyPaths],
  };
}
