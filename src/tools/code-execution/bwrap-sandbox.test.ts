import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cwdFrom,
  dispatchCall,
  liveProcessesWith,
  PRINT_CWD,
  resultOf,
} from './__fixtures__/code-execution-harness.js';
import { findExecutable, SYSTEM_SEARCH_PATH } from './backends/find-executable.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import {
  createCodeExecution,
  type CodeExecution,
  type CodeExecutionBundle,
} from './create-code-execution.js';

const SANDBOX: CodeExecutionConfig = {
  registerDocker: false,
  killGraceMs: 300,
  limits: { memoryMb: 256, maxProcesses: 32 },
};

// bwrap is installed in CI (.ci/run); elsewhere these tests are skipped with the reason.
const bwrapPath = await findExecutable('bwrap', `${process.env.PATH ?? ''}:${SYSTEM_SEARCH_PATH}`);
if (bwrapPath === null) console.warn('bwrap sandbox tests skipped: bubblewrap (bwrap) is not installed');

describe.skipIf(bwrapPath === null)('code execution in the bubblewrap sandbox', () => {
  let codeExecution: CodeExecution;
  let bundle: CodeExecutionBundle;

  beforeAll(async () => {
    codeExecution = createCodeExecution(SANDBOX);
    const probe = await codeExecution.probe();
    // Installed but unusable is a failure here, not a skip: the sandbox must work where bwrap exists.
    expect(probe.backends.bwrap, probe.backends.bwrap.reason).toEqual({ available: true });
    bundle = await codeExecution.forSession('sandboxed');
  });

  afterAll(async () => {
    await codeExecution.close();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const run = async (code: string, timeoutMs = 10_000, target = bundle): Promise<Record<string, unknown>> =>
    resultOf((await dispatchCall(target, 'code_execute', { code, timeout_ms: timeoutMs })).outcome);

  it('runs auto and subprocess inside bwrap, sandboxed, without approval', async () => {
    for (const host of [undefined, 'subprocess', 'bwrap']) {
      const input = host === undefined ? { code: 'x' } : { code: 'x', host };
      expect(bundle.approvalKeyQualifier('code_execute', input)).toBe('bwrap');
      expect(bundle.needsApproval('code_execute', input, 'bwrap')).toBe(false);
    }
    const record = await dispatchCall(bundle, 'code_execute', { code: 'import os\nprint(os.getuid() != 0)' });
    expect(record.approvals).toEqual([]);
    expect(resultOf(record.outcome)).toMatchObject({ stdout: 'True\n', return_code: 0 });
  });

  it('keeps the gateway API key out of the environment and out of reach in /proc', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-sandbox-secret');
    const code = [
      'import json, os',
      'found = []',
      'for pid in os.listdir("/proc"):',
      '    try:',
      '        if b"sk-ant-sandbox-secret" in open(f"/proc/{pid}/environ", "rb").read(): found.append(pid)',
      '    except Exception:',
      '        pass',
      'print(json.dumps({"environment": dict(os.environ), "found": found}))',
    ].join('\n');
    const result = await run(code);
    const report = JSON.parse(String(result.stdout)) as {
      environment: Record<string, string>;
      found: string[];
    };
    expect(report.environment.ANTHROPIC_API_KEY).toBeUndefined();
    expect(report.found).toEqual([]);
    expect(String(result.stdout)).not.toContain('sk-ant-sandbox-secret');
  });

  it('cannot connect to a listener on the host loopback', async () => {
    let connections = 0;
    const listener = createTcpServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const code = [
        'import socket',
        'try:',
        `    socket.create_connection(("127.0.0.1", ${port}), timeout=2)`,
        '    print("connected")',
        'except OSError as error:',
        '    print("blocked", error.errno)',
      ].join('\n');
      const result = await run(code);
      expect(result.stdout).toMatch(/^blocked/);
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('cannot write outside its work dir', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'code-exec-outside-'));
    await chmod(outside, 0o777);
    const marker = randomUUID();
    try {
      const targets = [
        join(outside, 'pwned.txt'),
        '/etc/pwned.txt',
        '/usr/pwned.txt',
        `/tmp/pwned-${marker}.txt`,
      ];
      const code = [
        'import json',
        'outcomes = {}',
        `for path in ${JSON.stringify(targets)}:`,
        '    try:',
        '        open(path, "w").write("pwned")',
        '        outcomes[path] = "written"',
        '    except OSError as error:',
        '        outcomes[path] = "refused"',
        'print(json.dumps(outcomes))',
      ].join('\n');
      const outcomes = JSON.parse(String((await run(code)).stdout)) as Record<string, string>;
      expect(outcomes[join(outside, 'pwned.txt')]).toBe('refused');
      expect(outcomes['/etc/pwned.txt']).toBe('refused');
      expect(outcomes['/usr/pwned.txt']).toBe('refused');
      // The sandbox's /tmp is a private tmpfs: the write lands there and vanishes with it.
      for (const target of targets) expect(existsSync(target)).toBe(false);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("cannot read another session's work dir", async () => {
    const other = await codeExecution.forSession('other-session');
    const secretWrite = 'open("secret.txt", "w").write("other session data")\n' + PRINT_CWD;
    const otherDir = cwdFrom((await run(secretWrite, 10_000, other)).stdout);
    const code = [
      'try:',
      `    print(open(${JSON.stringify(join(otherDir, 'secret.txt'))}).read())`,
      'except OSError as error:',
      '    print("unreadable", type(error).__name__)',
    ].join('\n');
    const result = await run(code);
    expect(result.stdout).toMatch(/^unreadable/);
    expect(String(result.stdout)).not.toContain('other session data');
    await other.cleanup();
  });

  it('contains a fork bomb while the gateway keeps serving', async () => {
    const server: Server = createServer((_request, response) => response.end('alive'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const workDir = cwdFrom((await run(PRINT_CWD)).stdout);
      const code = [
        'import os, time',
        'try:',
        '    while True:',
        '        os.fork()',
        'except OSError as error:',
        '    print("fork refused", error.errno, flush=True)',
        'time.sleep(60)',
      ].join('\n');
      const bomb = dispatchCall(bundle, 'code_execute', { code, timeout_ms: 3000 });
      const answers: string[] = [];
      // Ask the gateway-side server while the bomb is running.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        answers.push(await (await fetch(`http://127.0.0.1:${port}/`)).text());
      }
      const result = resultOf((await bomb).outcome);

      expect(answers).toEqual(['alive', 'alive', 'alive']);
      expect(result.stdout).toContain('fork refused 11');
      expect(result.timed_out).toBe(true);
      expect(await liveProcessesWith(workDir)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('stops a memory bomb and the session keeps working', async () => {
    const bomb = await run('blocks = []\nwhile True:\n    blocks.append(bytearray(32 * 1024 * 1024))\n');
    expect(bomb.return_code).not.toBe(0);
    expect(bomb.stderr).toContain('MemoryError');
    expect((await run('print("survived")')).stdout).toBe('survived\n');
  });

  it('kills an infinite loop at the timeout and leaves nothing running', async () => {
    const workDir = cwdFrom((await run(PRINT_CWD)).stdout);
    const result = await run('while True:\n    pass\n', 1000);
    expect(result).toMatchObject({
      timed_out: true,
      return_code: 124,
      stderr: 'Process killed after timeout',
    });
    expect(await liveProcessesWith(workDir)).toEqual([]);
  });

  it('kills a process that ignores SIGTERM', async () => {
    const workDir = cwdFrom((await run(PRINT_CWD)).stdout);
    const code =
      'import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)\n';
    const result = await run(code, 1000);
    expect(result).toMatchObject({ timed_out: true, return_code: 124 });
    expect(await liveProcessesWith(workDir)).toEqual([]);
  });

  it('caps an output flood', async () => {
    const result = await run('import sys\nfor _ in range(200000):\n    sys.stdout.write("y" * 99 + "\\n")\n');
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(String(result.stdout))).toBeLessThanOrEqual(102_400);
  });

  it('rejects an out-of-range timeout and empty code before anything runs', async () => {
    const outcome = async (input: Record<string, unknown>) =>
      (await dispatchCall(bundle, 'code_execute', input)).outcome;
    expect(await outcome({ code: 'print(1)', timeout_ms: 500 })).toMatchObject({
      error: { code: 'invalid_input' },
    });
    expect(await outcome({ code: 'print(1)', timeout_ms: 600_000 })).toMatchObject({
      error: { code: 'invalid_input' },
    });
    expect(await outcome({ code: '' })).toMatchObject({
      error: { code: 'invalid_input', message: 'code is required' },
    });
  });
});
