import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToolError } from '../../core/tool.js';
import {
  cwdFrom,
  dispatchCall,
  handlerContext,
  liveProcessesWith,
  PRINT_CWD,
  resultOf,
} from './__fixtures__/code-execution-harness.js';
import { createCodeExecution, type CodeExecution } from './create-code-execution.js';
import type { CodeExecutionConfig } from './code-execution-config.js';

// The unsandboxed backend on its own: bwrap and docker are not registered.
const SUBPROCESS_ONLY: CodeExecutionConfig = {
  registerDocker: false,
  registerBwrap: false,
  killGraceMs: 300,
  limits: { memoryMb: 256 },
};

describe('code execution on the subprocess backend', () => {
  const opened: CodeExecution[] = [];
  const open = (config: CodeExecutionConfig = {}): CodeExecution => {
    const codeExecution = createCodeExecution({ ...SUBPROCESS_ONLY, ...config });
    opened.push(codeExecution);
    return codeExecution;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
    vi.unstubAllEnvs();
  });

  it('resolves to the unsandboxed subprocess backend, which needs approval', async () => {
    const bundle = await open().forSession('s1');
    expect(bundle.approvalKeyQualifier('code_execute', { code: 'x' })).toBe('subprocess');
    expect(bundle.needsApproval('code_execute', { code: 'x' }, 'subprocess')).toBe(true);
    expect(bundle.needsApproval('code_execute_status', { task_id: 'ce_1' }, '')).toBe(false);
    expect(bundle.approvalKeyQualifier('code_execute_status', { task_id: 'ce_1' })).toBe('');

    const approved = await dispatchCall(bundle, 'code_execute', { code: 'print(6 * 7)' });
    expect(approved.approvals).toMatchObject([{ toolName: 'code_execute', resolvedQualifier: 'subprocess' }]);
    expect(resultOf(approved.outcome)).toMatchObject({ stdout: '42\n', return_code: 0, timed_out: false });

    const denied = await dispatchCall(bundle, 'code_execute', { code: 'print(1)' }, { approve: false });
    expect(denied.outcome).toMatchObject({ ok: false, error: { code: 'user_denied' } });
  });

  it('streams stdout and stderr lines as tool_output_chunk events with seq from 1', async () => {
    const bundle = await open().forSession('s1');
    const code = [
      'import sys',
      'for index in range(3):',
      '    print(f"out {index}")',
      '    print(f"err {index}", file=sys.stderr)',
    ].join('\n');
    const { outcome, chunks } = await dispatchCall(bundle, 'code_execute', { code }, { id: 'toolu_stream' });
    const result = resultOf(outcome);

    expect(result).toMatchObject({
      stdout: 'out 0\nout 1\nout 2\n',
      stderr: 'err 0\nerr 1\nerr 2\n',
      return_code: 0,
      images: [],
      timed_out: false,
      truncated: false,
    });
    expect(typeof result.duration_ms).toBe('number');
    expect(chunks.map((chunk) => chunk.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      chunks.every((chunk) => chunk.tool_call_id === 'toolu_stream' && chunk.tool_name === 'code_execute'),
    ).toBe(true);
    const streamed = (stream: string): string =>
      chunks
        .filter((chunk) => chunk.stream === stream)
        .map((chunk) => chunk.text)
        .join('');
    expect(streamed('stdout')).toBe(result.stdout);
    expect(streamed('stderr')).toBe(result.stderr);
  });

  it('reports errors with the user code line numbers and a non-zero return code', async () => {
    const bundle = await open().forSession('s1');
    const code = 'from __future__ import annotations\nvalue = 1\nraise ValueError("broken on line 3")\n';
    const result = resultOf((await dispatchCall(bundle, 'code_execute', { code })).outcome);
    expect(result.return_code).toBe(1);
    expect(result.stderr).toContain('File "<code>", line 3');
    expect(result.stderr).toContain('ValueError: broken on line 3');
  });

  it('kills the whole process group on timeout, including a child the script started', async () => {
    const bundle = await open().forSession('s1');
    const marker = `child-marker-${randomUUID()}`;
    const code = [
      'import subprocess, sys, time',
      `subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "${marker}"])`,
      'print("started", flush=True)',
      'time.sleep(60)',
    ].join('\n');
    const result = resultOf((await dispatchCall(bundle, 'code_execute', { code, timeout_ms: 1000 })).outcome);

    expect(result).toMatchObject({ timed_out: true, return_code: 124, stdout: 'started\n' });
    expect(result.stderr).toBe('Process killed after timeout');
    expect(await liveProcessesWith(marker)).toEqual([]);
  });

  it('kills a process that ignores SIGTERM with SIGKILL after the default 2 s grace', async () => {
    const bundle = await open({ killGraceMs: undefined }).forSession('s1');
    const workDir = await workDirOf(bundle);
    const code = [
      'import signal, time',
      'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
      'print("ignoring SIGTERM", flush=True)',
      'while True:',
      '    time.sleep(0.1)',
    ].join('\n');
    const result = resultOf((await dispatchCall(bundle, 'code_execute', { code, timeout_ms: 1000 })).outcome);
    expect(result).toMatchObject({ timed_out: true, return_code: 124, stdout: 'ignoring SIGTERM\n' });
    expect(await liveProcessesWith(workDir)).toEqual([]);
  });

  it('caps an output flood, marks it truncated and limits the streamed chunks', async () => {
    const bundle = await open({ maxOutputBytes: 2000 }).forSession('s1');
    const code =
      'import sys\nfor index in range(50000):\n    sys.stdout.write("x" * 99 + "\\n")\nprint("tail", file=sys.stderr)\n';
    const { outcome, chunks } = await dispatchCall(bundle, 'code_execute', { code });
    const result = resultOf(outcome);

    expect(result).toMatchObject({ truncated: true, return_code: 0, timed_out: false });
    const stdout = String(result.stdout);
    expect(Buffer.byteLength(stdout) + Buffer.byteLength(String(result.stderr))).toBeLessThanOrEqual(2000);
    expect(stdout.endsWith('...')).toBe(true);
    expect(result.stderr).toBe('tail\n');
    expect(chunks).toHaveLength(500);
    expect(chunks.at(-1)?.seq).toBe(500);
    expect(chunks.every((chunk) => Buffer.byteLength(chunk.text) <= 4096)).toBe(true);
  });

  it('splits a long line into chunks of at most 4 KiB', async () => {
    const bundle = await open().forSession('s1');
    const { outcome, chunks } = await dispatchCall(bundle, 'code_execute', { code: 'print("é" * 5000)' });
    expect(resultOf(outcome).truncated).toBe(false);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((chunk) => Buffer.byteLength(chunk.text) <= 4096)).toBe(true);
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(`${'é'.repeat(5000)}\n`);
  });

  it('never passes the gateway environment to the code', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-secret-from-the-gateway');
    vi.stubEnv('JWT_SECRET', 'jwt-secret-from-the-gateway');
    const bundle = await open({ extraEnv: { PATH: '/opt/tools/bin', DATA_DIR: '/data' } }).forSession('s1');
    const code = 'import json, os\nprint(json.dumps(dict(os.environ)))';
    const result = resultOf((await dispatchCall(bundle, 'code_execute', { code })).outcome);
    const environment = JSON.parse(String(result.stdout)) as Record<string, string>;
    const workDir = await workDirOf(bundle);

    expect(String(result.stdout)).not.toContain('secret-from-the-gateway');
    expect(environment).toMatchObject({
      HOME: workDir,
      PATH: '/opt/tools/bin:/usr/local/bin:/usr/bin:/bin',
      PYTHONUNBUFFERED: '1',
      MPLBACKEND: 'Agg',
      MPLCONFIGDIR: `${workDir}/.cache/matplotlib`,
      XDG_CACHE_HOME: `${workDir}/.cache`,
      DATA_DIR: '/data',
    });
    expect(environment.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it('stops a memory bomb with the address-space limit and keeps serving the session', async () => {
    const bundle = await open().forSession('s1');
    const code = 'blocks = []\nwhile True:\n    blocks.append(bytearray(32 * 1024 * 1024))\n';
    const bomb = resultOf((await dispatchCall(bundle, 'code_execute', { code, timeout_ms: 10000 })).outcome);
    expect(bomb.return_code).not.toBe(0);
    expect(bomb.timed_out).toBe(false);
    expect(bomb.stderr).toContain('MemoryError');

    const after = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'print("still here")' })).outcome,
    );
    expect(after.stdout).toBe('still here\n');
  });

  it('stops an infinite loop at the timeout and leaves no process behind', async () => {
    const bundle = await open().forSession('s1');
    const result = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'while True:\n    pass', timeout_ms: 1000 }))
        .outcome,
    );
    expect(result).toMatchObject({ timed_out: true, return_code: 124 });
    expect(await liveProcessesWith(await workDirOf(bundle))).toEqual([]);
  });

  it('kills the run when the call is aborted', async () => {
    const bundle = await open().forSession('s1');
    const controller = new AbortController();
    const input = { code: 'import time\nprint("running", flush=True)\ntime.sleep(60)' };
    const workDir = await workDirOf(bundle);
    const running = bundle.handlers.code_execute(
      input,
      // Abort as soon as the first line streams: the code is certainly running then.
      handlerContext(bundle, input, { signal: controller.signal, onEvent: () => controller.abort() }),
    );
    await expect(running).rejects.toThrow('cancelled');
    expect(await liveProcessesWith(workDir)).toEqual([]);
  });

  it('rejects invalid input with invalid_input and the original messages', async () => {
    const bundle = await open().forSession('s1');
    const failure = async (input: Record<string, unknown>) =>
      (await dispatchCall(bundle, 'code_execute', input)).outcome;

    expect(await failure({ code: '   ' })).toMatchObject({
      error: { code: 'invalid_input', message: 'code is required' },
    });
    expect(await failure({})).toMatchObject({
      error: { code: 'invalid_input', message: 'code is required' },
    });
    expect(await failure({ code: 'print(1)', timeout_ms: 1.5 })).toMatchObject({
      error: { code: 'invalid_input', message: 'timeout_ms must be an integer' },
    });
    expect(await failure({ code: 'print(1)', timeout_ms: 999 })).toMatchObject({
      error: { code: 'invalid_input', message: 'timeout_ms must be between 1000 and 120000' },
    });
    expect(await failure({ code: 'print(1)', timeout_ms: 120001 })).toMatchObject({
      error: { code: 'invalid_input', message: 'timeout_ms must be between 1000 and 120000' },
    });
    expect(await failure({ code: 'print(1)', host: 'mars' })).toMatchObject({
      error: { code: 'invalid_input', message: "Unknown host: 'mars'" },
    });
    expect(await failure({ code: 'print(1)', host: 'docker' })).toMatchObject({
      error: { code: 'invalid_input', message: "Unknown host: 'docker'" },
    });
  });

  it('refuses to run without the qualifier the bundle computes', async () => {
    const bundle = await open().forSession('s1');
    const input = { code: 'print(1)' };
    const call = bundle.handlers.code_execute(input, handlerContext(bundle, input, { qualifier: '' }));
    await expect(call).rejects.toMatchObject({
      code: 'internal_error',
      message: 'Backend resolution failed',
    });
    await expect(call).rejects.toBeInstanceOf(ToolError);
  });

  it('keeps the work dir across calls, isolates sessions and removes it on cleanup', async () => {
    const codeExecution = open();
    const first = await codeExecution.forSession('alpha');
    const other = await codeExecution.forSession('beta');
    const write = 'open("notes.txt", "w").write("kept")\n' + PRINT_CWD;
    const workDir = cwdFrom(
      resultOf((await dispatchCall(first, 'code_execute', { code: write })).outcome).stdout,
    );

    const again = await codeExecution.forSession('alpha');
    const read = resultOf(
      (await dispatchCall(again, 'code_execute', { code: 'print(open("notes.txt").read())' })).outcome,
    );
    expect(read.stdout).toBe('kept\n');

    const elsewhere = resultOf(
      (
        await dispatchCall(other, 'code_execute', {
          code: 'import os\n' + PRINT_CWD + 'print(os.path.exists("notes.txt"))',
        })
      ).outcome,
    );
    expect(cwdFrom(elsewhere.stdout)).not.toBe(workDir);
    expect(elsewhere.stdout).toContain('False');

    await first.cleanup();
    expect(existsSync(workDir)).toBe(false);
    await codeExecution.cleanupSession('alpha'); // idempotent
    // A bundle from before the cleanup no longer runs code; a new one gets a fresh work dir.
    expect((await dispatchCall(again, 'code_execute', { code: 'print(1)' })).outcome.ok).toBe(false);
    const renewed = await codeExecution.forSession('alpha');
    const fresh = resultOf(
      (
        await dispatchCall(renewed, 'code_execute', {
          code: PRINT_CWD + 'print(os.path.exists("notes.txt"))',
        })
      ).outcome,
    );
    expect(cwdFrom(fresh.stdout)).not.toBe(workDir);
    expect(fresh.stdout).toContain('False');
  });
});

/** The work dir of the bundle's session (runs a tiny script). */
async function workDirOf(bundle: Awaited<ReturnType<CodeExecution['forSession']>>): Promise<string> {
  return cwdFrom(resultOf((await dispatchCall(bundle, 'code_execute', { code: PRINT_CWD })).outcome).stdout);
}
