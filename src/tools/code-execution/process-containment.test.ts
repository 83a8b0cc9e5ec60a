import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolOutcome } from '../../core/tool.js';
import {
  cwdFrom,
  dispatchCall,
  handlerContext,
  liveProcessesWith,
  PRINT_CWD,
  resultOf,
} from './__fixtures__/code-execution-harness.js';
import { findExecutable, SYSTEM_SEARCH_PATH } from './backends/find-executable.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import { createCodeExecution, type CodeExecution } from './create-code-execution.js';

const bwrapPath = await findExecutable('bwrap', `${process.env.PATH ?? ''}:${SYSTEM_SEARCH_PATH}`);

const SUBPROCESS_ONLY: CodeExecutionConfig = {
  registerDocker: false,
  registerBwrap: false,
  killGraceMs: 300,
};
const BWRAP_ONLY: CodeExecutionConfig = {
  registerDocker: false,
  registerSubprocess: false,
  killGraceMs: 300,
  limits: { maxProcesses: 64 },
};

/**
 * Python that leaves a grandchild in a session of its own (fork, setsid, fork again, the
 * middle process exits), the classic way to escape a process group. The grandchild closes
 * its output pipes and carries `marker` on its command line so the test can find it.
 */
const escapingGrandchild = (marker: string): string =>
  [
    'import os, sys, time',
    'pid = os.fork()',
    'if pid == 0:',
    '    os.setsid()',
    '    if os.fork() == 0:',
    '        devnull = os.open(os.devnull, os.O_RDWR)',
    '        for fd in (0, 1, 2):',
    '            os.dup2(devnull, fd)',
    `        os.execv(sys.executable, [sys.executable, '-c', 'import time\\nwhile True: time.sleep(0.05)', ${JSON.stringify(marker)}])`,
    '    os._exit(0)',
    'os.waitpid(pid, 0)',
    'print("escaped", flush=True)',
    'while True:',
    '    time.sleep(0.05)',
  ].join('\n');

const survivors: number[] = [];
const remember = (pids: number[]): number[] => {
  survivors.push(...pids);
  return pids;
};

describe('no process started by the code outlives its run', () => {
  const opened: CodeExecution[] = [];
  const open = (config: CodeExecutionConfig): CodeExecution => {
    const codeExecution = createCodeExecution(config);
    opened.push(codeExecution);
    return codeExecution;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
    // A failing run of this test must not leave its escapees running on the machine.
    for (const pid of survivors.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  const hosts: { name: string; config: CodeExecutionConfig; skip: boolean }[] = [
    { name: 'subprocess', config: SUBPROCESS_ONLY, skip: false },
    { name: 'bwrap', config: BWRAP_ONLY, skip: bwrapPath === null },
  ];

  for (const host of hosts) {
    it.skipIf(host.skip)(
      `kills a setsid double-forked grandchild at the timeout (${host.name})`,
      async () => {
        const bundle = await open(host.config).forSession('timeout');
        const marker = `escapee-${randomUUID()}`;
        const result = resultOf(
          (await dispatchCall(bundle, 'code_execute', { code: escapingGrandchild(marker), timeout_ms: 1500 }))
            .outcome,
        );
        expect(result).toMatchObject({ timed_out: true, return_code: 124, stdout: 'escaped\n' });
        expect(remember(await liveProcessesWith(marker))).toEqual([]);
      },
    );

    it.skipIf(host.skip)(`kills a setsid double-forked grandchild on cancel (${host.name})`, async () => {
      const bundle = await open(host.config).forSession('cancel');
      const marker = `escapee-${randomUUID()}`;
      const controller = new AbortController();
      const input = { code: escapingGrandchild(marker), timeout_ms: 20_000 };
      // The handler itself (the dispatcher answers `cancelled` at once, before the run ends).
      const running = bundle.handlers.code_execute(
        input,
        handlerContext(bundle, input, { signal: controller.signal }),
      );
      // Cancel once the grandchild is known to exist.
      while ((await liveProcessesWith(marker)).length === 0) await delay(20);
      controller.abort();
      await expect(running).rejects.toThrow('cancelled');
      expect(remember(await liveProcessesWith(marker))).toEqual([]);
    });

    it.skipIf(host.skip)(
      `kills a setsid double-forked grandchild when the app shuts down (${host.name})`,
      async () => {
        const codeExecution = open(host.config);
        const bundle = await codeExecution.forSession('shutdown');
        const marker = `escapee-${randomUUID()}`;
        const started = resultOf(
          (
            await dispatchCall(bundle, 'code_execute', {
              code: escapingGrandchild(marker),
              timeout_ms: 20_000,
              background: true,
            })
          ).outcome,
        );
        expect(started).toMatchObject({ status: 'running' });
        while ((await liveProcessesWith(marker)).length === 0) await delay(20);
        await codeExecution.close();
        expect(remember(await liveProcessesWith(marker))).toEqual([]);
      },
    );
  }

  it.skipIf(bwrapPath === null)(
    'leaves nothing behind when background bwrap runs are cancelled at every millisecond of their first 100',
    async () => {
      const bundle = await open(BWRAP_ONLY).forSession('sweep');
      const workDir = cwdFrom(
        resultOf((await dispatchCall(bundle, 'code_execute', { code: PRINT_CWD })).outcome).stdout,
      );
      const code =
        'import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        break\nwhile True:\n    time.sleep(0.05)\n';
      const leftovers: string[] = [];
      for (let delayMs = 0; delayMs <= 100; delayMs += 1) {
        const started = resultOf(
          (await dispatchCall(bundle, 'code_execute', { code, timeout_ms: 20_000, background: true }))
            .outcome,
        );
        if (delayMs > 0) await delay(delayMs);
        const cancelled: ToolOutcome = (
          await dispatchCall(bundle, 'code_execute_status', { task_id: started.task_id, cancel: true })
        ).outcome;
        expect(resultOf(cancelled)).toMatchObject({ status: 'cancelled' });
        const alive = remember(await liveProcessesWith(workDir));
        if (alive.length > 0) leftovers.push(`${delayMs} ms: ${alive.join(',')}`);
      }
      expect(leftovers).toEqual([]);
    },
    120_000,
  );
});
