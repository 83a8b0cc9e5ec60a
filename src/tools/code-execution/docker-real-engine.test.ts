import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { dispatchCall, resultOf } from './__fixtures__/code-execution-harness.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import { createCodeExecution, type CodeExecution } from './create-code-execution.js';

const execFileAsync = promisify(execFile);
// `.ci/docker-engine.sh` starts the engine and builds this image from Debian's mirror.
const image = process.env.CODE_EXECUTE_DOCKER_IMAGE ?? 'agent-gateway-code-exec:latest';

/** Why the real-engine tests cannot run here, or null when they can. */
async function whyDockerIsUnusable(): Promise<string | null> {
  try {
    await execFileAsync('docker', ['info'], { timeout: 5000 });
  } catch (error) {
    const detail =
      String((error as { stderr?: unknown }).stderr ?? error)
        .trim()
        .split('\n')[0] ?? '';
    return `\`docker info\` failed (no Docker engine): ${detail}`;
  }
  try {
    await execFileAsync('docker', ['image', 'inspect', image], { timeout: 5000 });
  } catch {
    return `image ${image} is not present locally (run .ci/docker-engine.sh, or set CODE_EXECUTE_DOCKER_IMAGE)`;
  }
  return null;
}

const skipReason = await whyDockerIsUnusable();
if (skipReason !== null) console.warn(`real Docker engine tests skipped: ${skipReason}`);

/** Names of every container the docker backend made that still exists (running or not). */
async function containersNow(): Promise<string[]> {
  const { stdout } = await execFileAsync('docker', [
    'ps',
    '-a',
    '--filter',
    'label=agent-gateway.code-exec',
    '--format',
    '{{.Names}}',
  ]);
  return stdout.split('\n').filter((name) => name !== '');
}

/** The backend's containers once removal had its chance (`docker rm` is asynchronous to a cancel). */
async function leftoverContainers(): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const names = await containersNow();
    if (names.length === 0 || Date.now() > deadline) return names;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const CONFIG: CodeExecutionConfig = {
  dockerImage: image,
  registerBwrap: false,
  registerSubprocess: false,
  killGraceMs: 500,
  limits: { memoryMb: 128, maxProcesses: 32, maxFileSizeMb: 8, tmpfsMb: 16 },
};

describe.skipIf(skipReason !== null)('docker backend against a real engine: hostile code', () => {
  const opened: CodeExecution[] = [];
  const open = (): CodeExecution => {
    const codeExecution = createCodeExecution(CONFIG);
    opened.push(codeExecution);
    return codeExecution;
  };
  const shared = open();

  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await Promise.all(opened.map((codeExecution) => codeExecution.close()));
  });

  const run = async (code: string, timeoutMs = 30_000, codeExecution = shared) => {
    const bundle = await codeExecution.forSession('hostile');
    return resultOf((await dispatchCall(bundle, 'code_execute', { code, timeout_ms: timeoutMs })).outcome);
  };

  it('runs in /workspace as a user other than root, without capabilities', async () => {
    const bundle = await shared.forSession('hostile');
    expect(bundle.approvalKeyQualifier('code_execute', { code: 'x' })).toBe('docker');
    const result = await run(
      [
        'import os',
        'print(os.getcwd(), os.getuid(), os.getgid())',
        'print([line for line in open("/proc/self/status") if line.startswith("CapEff")][0].split()[1])',
        'open("kept.txt", "w").write("kept")',
      ].join('\n'),
    );
    const [where, capabilities] = String(result.stdout).trim().split('\n');
    const [cwd, uid, gid] = (where ?? '').split(' ');
    expect(cwd).toBe('/workspace');
    expect(uid).not.toBe('0');
    expect(gid).not.toBe('0');
    expect(capabilities).toBe('0000000000000000');
    expect((await run('print(open("kept.txt").read())')).stdout).toBe('kept\n');
  });

  it('has no network', async () => {
    const result = await run(
      [
        'import socket',
        'for host in ("1.1.1.1", "127.0.0.1", "172.17.0.1"):',
        '    try:',
        '        socket.create_connection((host, 80), timeout=2)',
        '        print("reached", host)',
        '    except OSError:',
        '        print("blocked", host)',
      ].join('\n'),
    );
    expect(result.stdout).toBe('blocked 1.1.1.1\nblocked 127.0.0.1\nblocked 172.17.0.1\n');
  });

  it('does not see the gateway environment', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-docker-secret');
    const result = await run(
      [
        'import os',
        'leaked = [pid for pid in os.listdir("/proc") if pid.isdigit() and',
        '          b"sk-ant-docker-secret" in open(f"/proc/{pid}/environ", "rb").read()]',
        'print("ANTHROPIC_API_KEY" in os.environ, leaked)',
      ].join('\n'),
    );
    expect(result.stdout).toBe('False []\n');
  });

  it('cannot write outside /workspace and /tmp, and /tmp is small', async () => {
    const result = await run(
      [
        'for path in ("/etc/evil", "/usr/evil", "/evil"):',
        '    try:',
        '        open(path, "w").write("x")',
        '        print("wrote", path)',
        '    except OSError:',
        '        print("refused", path)',
        'try:',
        '    with open("/tmp/fill", "wb") as out:',
        '        for _ in range(64):',
        '            out.write(b"x" * (1024 * 1024))',
        '    print("filled /tmp")',
        'except OSError as error:',
        '    print("tmp full", error.errno)',
      ].join('\n'),
    );
    expect(result.stdout).toMatch(
      /^refused \/etc\/evil\nrefused \/usr\/evil\nrefused \/evil\ntmp full \d+\n$/,
    );
  });

  it('bounds /dev/shm by limits.tmpfsMb and cannot write into /dev', async () => {
    const result = await run(
      [
        'import errno, os',
        'written = 0',
        'try:',
        '    for index in range(48):',
        '        with open(f"/dev/shm/fill_{index // 4}", "ab") as out:',
        '            out.write(b"x" * (1024 * 1024))',
        '            out.flush()',
        '        written += 1',
        '    print("filled /dev/shm")',
        'except OSError as error:',
        '    print("shm", errno.errorcode[error.errno], written <= 16)',
        'try:',
        '    open("/dev/planted", "wb").write(b"x")',
        '    print("wrote /dev")',
        'except OSError as error:',
        '    print("dev", errno.errorcode[error.errno])',
      ].join('\n'),
    );
    // 48 MiB asked in files below the file-size cap, 16 MiB (limits.tmpfsMb) granted: Docker's
    // default /dev/shm is 64 MiB.
    expect(result.stdout).toMatch(/^shm ENOSPC True\ndev (EACCES|EROFS)\n$/);
  });

  it('caps the size of a file', async () => {
    const result = await run(
      [
        'try:',
        '    with open("big.bin", "wb") as out:',
        '        for _ in range(32):',
        '            out.write(b"x" * (1024 * 1024))',
        '            out.flush()',
        '    print("wrote 32 MiB")',
        'except OSError as error:',
        '    print("capped", error.errno)',
      ].join('\n'),
    );
    // EFBIG (27), or the process killed by SIGXFSZ (153 = 128 + 25) before it can print.
    expect(result.stdout === 'capped 27\n' || result.return_code === 153).toBe(true);
  });

  it('kills a memory bomb and contains a fork bomb', async () => {
    const memory = await run('blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))');
    expect(memory.return_code).not.toBe(0);
    const forks = await run(
      [
        'import os',
        'count = 0',
        'try:',
        '    for _ in range(200):',
        '        if os.fork() == 0:',
        '            import time; time.sleep(30); os._exit(0)',
        '        count += 1',
        'except OSError:',
        '    pass',
        'print(count < 200)',
        'os._exit(0)',
      ].join('\n'),
    );
    expect(forks.stdout).toBe('True\n');
  });

  it('removes the container on timeout, on cancel and when the gateway closes', async () => {
    const timedOut = await run('while True:\n    pass', 2000);
    expect(timedOut).toMatchObject({ timed_out: true, return_code: 124 });
    expect(await leftoverContainers()).toEqual([]);

    const codeExecution = open();
    const bundle = await codeExecution.forSession('cancelled');
    const started = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'import time\ntime.sleep(60)', background: true }))
        .outcome,
    );
    const taskId = String(started.task_id);
    const cancelled = resultOf(
      (await dispatchCall(bundle, 'code_execute_status', { task_id: taskId, cancel: true })).outcome,
    );
    expect(cancelled).toEqual({ status: 'cancelled', task_id: taskId });
    expect(await leftoverContainers()).toEqual([]);

    const closing = open();
    const closingBundle = await closing.forSession('closing');
    await dispatchCall(closingBundle, 'code_execute', {
      code: 'import time\ntime.sleep(60)',
      background: true,
    });
    await closing.close();
    expect(await leftoverContainers()).toEqual([]);
  });
});
