import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import { buildCodeEnvironment } from './build-code-environment.js';
import { resolveCodeExecutionConfig, type CodeExecutionConfig } from './code-execution-config.js';
import {
  createCodeExecuteStatusToolDefinition,
  createCodeExecuteToolDefinition,
} from './code-execution-tool-definitions.js';
import { createCodeExecution } from './create-code-execution.js';

describe('code execution configuration', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("applies the original's defaults", () => {
    vi.stubEnv('CODE_EXECUTE_DOCKER_IMAGE', undefined);
    expect(resolveCodeExecutionConfig()).toMatchObject({
      dockerImage: 'agent-gateway-code-exec:latest',
      registered: ['docker', 'bwrap', 'subprocess'],
      pythonCommand: 'python3',
      searchPath: '/usr/local/bin:/usr/bin:/bin',
      extraEnv: {},
      preambleSuffix: '',
      workDirRoot: tmpdir(),
      workDirPrefix: 'code_exec_',
      maxOutputBytes: 102_400,
      maxImages: 5,
      maxImageBase64Bytes: 512_000,
      defaultTimeoutMs: 30_000,
      maxTimeoutMs: 120_000,
      toolDescriptionSuffix: '',
      limits: {
        memoryMb: 1024,
        maxProcesses: 128,
        maxFileSizeMb: 256,
        tmpfsMb: 64,
        workDirMb: 256,
        maxBackgroundRunsPerSession: 4,
        maxBackgroundRuns: 16,
      },
      sandboxUser: { uid: 65534, gid: 65534 },
      sessionUidRange: { first: 2_000_000_000, count: 65_536 },
      allowSharedSubprocessSandbox: false,
      killGraceMs: 2000,
      allowAlwaysForUnsandboxed: false,
    });
  });

  it('takes the docker image from CODE_EXECUTE_DOCKER_IMAGE unless configured', () => {
    vi.stubEnv('CODE_EXECUTE_DOCKER_IMAGE', 'team/python:3');
    expect(resolveCodeExecutionConfig().dockerImage).toBe('team/python:3');
    expect(resolveCodeExecutionConfig({ dockerImage: 'mine:1' }).dockerImage).toBe('mine:1');
  });

  it.each<[string, CodeExecutionConfig]>([
    [
      "unknown option 'dockerimage' — did you mean 'dockerImage'?",
      { dockerimage: 'x' } as CodeExecutionConfig,
    ],
    ['at least one backend', { registerDocker: false, registerBwrap: false, registerSubprocess: false }],
    ['defaultTimeoutMs: must not exceed maxTimeoutMs', { defaultTimeoutMs: 60_000, maxTimeoutMs: 30_000 }],
    ['maxTimeoutMs: Too small: expected number to be >=1000', { maxTimeoutMs: 500 }],
    ['workDirRoot: must be an absolute path', { workDirRoot: 'relative/dir' }],
    ['workDirPrefix: must not contain "/"', { workDirPrefix: 'a/b' }],
    [
      'extraEnv.TOKEN: Invalid input: expected string',
      { extraEnv: { TOKEN: 1 } } as unknown as CodeExecutionConfig,
    ],
    ['extraEnv.NOT-VALID: is not a valid variable name', { extraEnv: { 'NOT-VALID': 'x' } }],
    ['bwrapReadOnlyPaths.0: must be an absolute path', { bwrapReadOnlyPaths: ['opt'] }],
    [
      "unknown option 'limits.memory' — did you mean 'limits.memoryMb'?",
      { limits: { memory: 1 } } as CodeExecutionConfig,
    ],
    [
      "option 'limits.cpuSeconds' was replaced: use 'limits.cpuTimeMs' (milliseconds)",
      { limits: { cpuSeconds: 30 } } as CodeExecutionConfig,
    ],
    ['limits.tmpfsMb: Too small: expected number to be >=1', { limits: { tmpfsMb: 0 } }],
    ['limits.maxBackgroundRuns: Invalid input: expected int', { limits: { maxBackgroundRuns: 1.5 } }],
    ['sandboxUser.uid: Too small', { sandboxUser: { uid: 0 } }],
    ['sessionUidRange.first: Too small', { sessionUidRange: { first: 0 } }],
    ['sessionUidRange: must end at or below 2147483647', { sessionUidRange: { first: 2_147_483_600 } }],
    [
      'allowSharedSubprocessSandbox: Invalid input: expected boolean',
      { allowSharedSubprocessSandbox: 1 } as unknown as CodeExecutionConfig,
    ],
    [
      'allowAlwaysForUnsandboxed: Invalid input: expected boolean',
      { allowAlwaysForUnsandboxed: 'yes' } as unknown as CodeExecutionConfig,
    ],
  ])('rejects a bad configuration up front: %s', (message, config) => {
    expect(() => createCodeExecution(config)).toThrow(GatewayError);
    expect(() => createCodeExecution(config)).toThrow(message);
  });

  it('keeps the configured values it checked', () => {
    const resolved = resolveCodeExecutionConfig({
      registerDocker: false,
      extraEnv: { PYTHONPATH: '/opt/lib' },
      limits: { cpuTimeMs: 10_000, memoryMb: 512 },
      sandboxUser: { uid: 1000 },
    });
    expect(resolved.registered).toEqual(['bwrap', 'subprocess']);
    expect(resolved.extraEnv).toEqual({ PYTHONPATH: '/opt/lib' });
    expect(resolved.limits).toMatchObject({ cpuTimeMs: 10_000, memoryMb: 512, maxProcesses: 128 });
    expect(resolved.sandboxUser).toEqual({ uid: 1000, gid: 65534 });
  });
});

/** Any string (typed for the lint rule against `any` values). */
const anyText = expect.any(String) as unknown;

describe('code execution tool definitions', () => {
  it('describe code_execute with the configured limits and hosts', () => {
    const definition = createCodeExecuteToolDefinition({
      hosts: ['auto', 'docker', 'bwrap', 'subprocess'],
      defaultTimeoutMs: 30_000,
      maxTimeoutMs: 120_000,
      descriptionSuffix: 'numpy and pandas are installed.',
    });
    expect(definition.name).toBe('code_execute');
    expect(definition.description.endsWith(' numpy and pandas are installed.')).toBe(true);
    expect(definition.input_schema).toEqual({
      type: 'object',
      properties: {
        code: { type: 'string', description: anyText },
        timeout_ms: {
          type: 'integer',
          minimum: 1000,
          maximum: 120_000,
          default: 30_000,
          description: anyText,
        },
        background: { type: 'boolean', default: false, description: anyText },
        host: {
          type: 'string',
          enum: ['auto', 'docker', 'bwrap', 'subprocess'],
          default: 'auto',
          description: anyText,
        },
      },
      required: ['code'],
    });
  });

  it('describe code_execute_status with task_id and cancel', () => {
    expect(createCodeExecuteStatusToolDefinition()).toMatchObject({
      name: 'code_execute_status',
      input_schema: {
        type: 'object',
        properties: { task_id: { type: 'string' }, cancel: { type: 'boolean', default: false } },
        required: ['task_id'],
      },
    });
  });

  it('offer only the registered backends as hosts', async () => {
    const codeExecution = createCodeExecution({
      registerDocker: false,
      registerBwrap: false,
      maxTimeoutMs: 60_000,
    });
    try {
      const bundle = await codeExecution.forSession('s1');
      expect(bundle.definitions.map((definition) => definition.name)).toEqual([
        'code_execute',
        'code_execute_status',
      ]);
      expect(bundle.definitions[0]?.input_schema).toMatchObject({
        properties: { host: { enum: ['auto', 'subprocess'] }, timeout_ms: { maximum: 60_000 } },
      });
    } finally {
      await codeExecution.close();
    }
  });
});

describe('the environment of executed code', () => {
  it('is built from nothing but the minimal variables and extraEnv', () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-not-for-code');
    const environment = buildCodeEnvironment({
      homeDir: '/work/dir',
      searchPath: '/usr/bin:/bin',
      extraEnv: { PATH: '/opt/venv/bin', PYTHONPATH: '/opt/lib' },
    });
    expect(environment).toEqual({
      PATH: '/opt/venv/bin:/usr/bin:/bin',
      HOME: '/work/dir',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      PYTHONUNBUFFERED: '1',
      MPLBACKEND: 'Agg',
      MPLCONFIGDIR: '/work/dir/.cache/matplotlib',
      XDG_CACHE_HOME: '/work/dir/.cache',
      PYTHONPATH: '/opt/lib',
    });
    vi.unstubAllEnvs();
  });
});
