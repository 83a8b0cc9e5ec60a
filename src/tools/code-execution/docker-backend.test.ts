import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../core/logger.js';
import { dispatchCall, handlerContext, resultOf } from './__fixtures__/code-execution-harness.js';
import { installFakeDocker, type FakeDocker } from './__fixtures__/fake-docker.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import { BACKEND_ERROR_MESSAGE } from './backend-failure.js';
import { createCodeExecution, type CodeExecution } from './create-code-execution.js';

describe('docker backend (recording fake docker CLI on PATH)', () => {
  let fake: FakeDocker;
  const opened: CodeExecution[] = [];
  const open = (config: CodeExecutionConfig & { logger?: Logger } = {}): CodeExecution => {
    const { logger, ...rest } = config;
    const codeExecution = createCodeExecution(
      // A generous probe bound: the fake docker CLI is a script that starts slowly under load.
      {
        registerBwrap: false,
        dockerImage: 'sandbox:test',
        killGraceMs: 1000,
        probeTimeoutMs: 30_000,
        ...rest,
      },
      logger === undefined ? {} : { logger },
    );
    opened.push(codeExecution);
    return codeExecution;
  };

  beforeEach(async () => {
    fake = await installFakeDocker();
    vi.stubEnv('PATH', `${fake.binDir}:${process.env.PATH ?? ''}`);
    vi.stubEnv('FAKE_DOCKER_DIR', fake.stateDir);
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-docker-secret');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
    vi.unstubAllEnvs();
    await fake.remove();
  });

  it('prefers docker and runs one isolated container per call, removed afterwards', async () => {
    const codeExecution = open({ extraEnv: { DATA_DIR: '/data' } });
    expect((await codeExecution.probe()).auto).toBe('docker');
    const bundle = await codeExecution.forSession('s1');
    expect(bundle.approvalKeyQualifier('code_execute', { code: 'x' })).toBe('docker');
    expect(bundle.needsApproval('code_execute', { code: 'x' }, 'docker')).toBe(false);

    const { outcome, chunks } = await dispatchCall(bundle, 'code_execute', { code: 'print("hi")' });
    const result = resultOf(outcome);
    expect(result).toMatchObject({
      stdout: 'hello from the container\n',
      stderr: 'a container warning\n',
      return_code: 0,
      timed_out: false,
      images: [{ filename: 'container_plot.png', media_type: 'image/png', data_base64: 'iVBORw0KGgo=' }],
    });
    expect(chunks.map((chunk) => [chunk.seq, chunk.stream])).toHaveLength(2);

    const invocations = await fake.invocations();
    expect(invocations[0]).toEqual(['image', 'inspect', '--format', '{{.Id}}', 'sandbox:test']);
    const run = invocations.find((args) => args[0] === 'run') ?? [];
    const name = run[run.indexOf('--name') + 1] ?? '';
    const mount = run[run.indexOf('-v') + 1] ?? '';
    const workDir = mount.replace(/:\/workspace:rw$/, '');
    const owner = await stat(workDir);
    // Never root inside the container: a root-owned work dir is handed to nobody.
    expect(owner.uid).not.toBe(0);
    const scriptArgument = run.at(-1) ?? '';

    expect(name).toMatch(/^code-exec-[0-9a-f]{12}$/);
    expect(workDir.startsWith(join(tmpdir(), 'code_exec_'))).toBe(true);
    expect(scriptArgument).toMatch(/^\/workspace\/_code_execute_[0-9a-f]{8}\.py$/);
    expect(run).toEqual([
      'run',
      '-d',
      '--name',
      name,
      '--pull',
      'never',
      '--network',
      'none',
      '--label',
      'agent-gateway.code-exec=1',
      '--read-only',
      '--tmpfs',
      '/tmp:rw,nosuid,nodev,size=64m,mode=1777',
      '--shm-size',
      '64m',
      '--memory',
      '1024m',
      '--memory-swap',
      '1024m',
      '--cpus',
      '1.0',
      '--pids-limit',
      '128',
      '--ulimit',
      `fsize=${256 * 1024 * 1024}`,
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--user',
      `${owner.uid}:${owner.gid}`,
      '-v',
      `${workDir}:/workspace:rw`,
      '-w',
      '/workspace',
      '-e',
      'HOME=/workspace',
      '-e',
      'LANG=C.UTF-8',
      '-e',
      'LC_ALL=C.UTF-8',
      '-e',
      'PYTHONUNBUFFERED=1',
      '-e',
      'MPLBACKEND=Agg',
      '-e',
      'MPLCONFIGDIR=/workspace/.cache/matplotlib',
      '-e',
      'XDG_CACHE_HOME=/workspace/.cache',
      '-e',
      'DATA_DIR=/data',
      'sandbox:test',
      'python3',
      '-u',
      scriptArgument,
    ]);
    expect(JSON.stringify(invocations)).not.toContain('sk-ant-docker-secret');
    expect(invocations.slice(1).map((args) => args[0])).toEqual(
      expect.arrayContaining(['run', 'logs', 'wait', 'rm']),
    );
    expect(invocations).toContainEqual(['logs', '-f', name]);
    expect(invocations).toContainEqual(['wait', name]);
    expect(invocations.at(-1)).toEqual(['rm', '-f', name]);
    expect(invocations.some((args) => args[0] === 'stop')).toBe(false);
  });

  it('stops the container on timeout, reports return code 124 and removes it', async () => {
    vi.stubEnv('FAKE_DOCKER_MODE', 'hang');
    const bundle = await open().forSession('s1');
    const result = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'while True: pass', timeout_ms: 1000 })).outcome,
    );
    expect(result).toMatchObject({
      timed_out: true,
      return_code: 124,
      stdout: 'working\n',
      stderr: 'Process killed after timeout',
    });

    const invocations = await fake.invocations();
    const name = invocations.find((args) => args[0] === 'run')?.[3] ?? '';
    const commands = invocations.map((args) => args.join(' '));
    expect(commands).toContain(`stop -t 1 ${name}`);
    expect(commands.at(-1)).toBe(`rm -f ${name}`);
    expect(commands.indexOf(`stop -t 1 ${name}`)).toBeLessThan(commands.length - 1);
  });

  it('stops the container when the call is cancelled', async () => {
    vi.stubEnv('FAKE_DOCKER_MODE', 'hang');
    const bundle = await open().forSession('s1');
    const controller = new AbortController();
    const input = { code: 'import time\ntime.sleep(60)' };
    const running = bundle.handlers.code_execute(
      input,
      handlerContext(bundle, input, { signal: controller.signal, onEvent: () => controller.abort() }),
    );
    await expect(running).rejects.toThrow('cancelled');
    const commands = (await fake.invocations()).map((args) => args[0]);
    expect(commands).toContain('stop');
    expect(commands.at(-1)).toBe('rm');
  });

  it('is unavailable when the image is missing: auto falls back, host docker is refused', async () => {
    vi.stubEnv('FAKE_DOCKER_IMAGE_MISSING', '1');
    const codeExecution = open();
    const probe = await codeExecution.probe();
    expect(probe.backends.docker.available).toBe(false);
    expect(probe.backends.docker.reason).toContain('No such image');
    expect(probe.auto).toBe('subprocess');

    const bundle = await codeExecution.forSession('s1');
    const refused = await dispatchCall(bundle, 'code_execute', { code: 'print(1)', host: 'docker' });
    expect(refused.outcome).toMatchObject({ ok: false, error: { code: 'backend_unavailable' } });
    expect((await fake.invocations()).some((args) => args[0] === 'run')).toBe(false);
  });

  it('tells clients a stable code and a fixed sentence when the backend fails, and logs the detail', async () => {
    vi.stubEnv('FAKE_DOCKER_DAEMON_DOWN', '1');
    const logged: { message: string; details: Record<string, unknown> | undefined }[] = [];
    const record = (message: string, details?: Record<string, unknown>) => logged.push({ message, details });
    const codeExecution = open({ logger: { debug: record, info: record, warn: record, error: record } });
    const bundle = await codeExecution.forSession('s1');

    const failed = await dispatchCall(bundle, 'code_execute', { code: 'print(1)' });
    expect(failed.outcome).toEqual({
      ok: false,
      error: { code: 'backend_error', message: BACKEND_ERROR_MESSAGE },
      server: null,
    });
    const started = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'print(1)', background: true })).outcome,
    );
    let status = await dispatchCall(bundle, 'code_execute_status', { task_id: started.task_id });
    while (status.outcome.ok && (status.outcome.result as { status?: string }).status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await dispatchCall(bundle, 'code_execute_status', { task_id: started.task_id });
    }
    expect(status.outcome).toMatchObject({
      ok: false,
      error: { code: 'backend_error', message: BACKEND_ERROR_MESSAGE },
    });

    const seenByClients = JSON.stringify([failed, status]);
    for (const internal of ['docker.sock', 'Docker daemon', 'sandbox:test', 'docker run']) {
      expect(seenByClients).not.toContain(internal);
    }
    const details = JSON.stringify(logged);
    expect(details).toContain('Cannot connect to the Docker daemon at unix:///var/run/docker.sock');
    expect(logged.filter((line) => line.message === 'code execution failed')).toHaveLength(2);
  });

  it('names neither the image nor the engine when no backend is available', async () => {
    vi.stubEnv('FAKE_DOCKER_IMAGE_MISSING', '1');
    const logged: string[] = [];
    const record = (message: string, details?: Record<string, unknown>) =>
      logged.push(`${message} ${JSON.stringify(details)}`);
    const bundle = await open({
      registerSubprocess: false,
      logger: { debug: record, info: record, warn: record, error: record },
    }).forSession('s1');
    const refused = await dispatchCall(bundle, 'code_execute', { code: 'print(1)' });
    expect(refused.outcome).toEqual({
      ok: false,
      error: {
        code: 'backend_unavailable',
        message: "No code execution backend is available for host 'auto'.",
      },
      server: null,
    });
    expect(logged.join('\n')).toContain('No such image: sandbox:test');
  });

  it('takes the image from CODE_EXECUTE_DOCKER_IMAGE when none is configured', async () => {
    vi.stubEnv('CODE_EXECUTE_DOCKER_IMAGE', 'from-env:1');
    await open({ dockerImage: undefined }).probe();
    expect((await fake.invocations())[0]).toEqual(['image', 'inspect', '--format', '{{.Id}}', 'from-env:1']);
  });

  it('is unavailable when no docker CLI exists', async () => {
    const probe = await open({ dockerCommand: join(fake.stateDir, 'no-such-docker') }).probe();
    expect(probe.backends.docker).toMatchObject({ available: false });
    expect(probe.backends.docker.reason).toContain('was not found');
  });
});
