import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchCall, resultOf } from './__fixtures__/code-execution-harness.js';
import type { CodeExecutionConfig } from './code-execution-config.js';
import {
  createCodeExecution,
  type CodeExecution,
  type CodeExecutionBundle,
} from './create-code-execution.js';

const SUBPROCESS_ONLY: CodeExecutionConfig = {
  registerDocker: false,
  registerBwrap: false,
  killGraceMs: 300,
};
const SLEEPER = 'import time\ntime.sleep(60)';

describe('background run limits', () => {
  const opened: CodeExecution[] = [];
  const open = (limits: CodeExecutionConfig['limits']): CodeExecution => {
    const codeExecution = createCodeExecution({ ...SUBPROCESS_ONLY, limits });
    opened.push(codeExecution);
    return codeExecution;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
  });

  const startBackground = async (bundle: CodeExecutionBundle, code = SLEEPER) =>
    (await dispatchCall(bundle, 'code_execute', { code, background: true, timeout_ms: 60_000 })).outcome;

  it('refuses a session its next background run at maxBackgroundRunsPerSession, naming the limits', async () => {
    const bundle = await open({ maxBackgroundRunsPerSession: 2 }).forSession('s1');
    const first = resultOf(await startBackground(bundle));
    resultOf(await startBackground(bundle));
    const third = await startBackground(bundle);
    expect(third).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    if (third.ok) return;
    expect(third.error.message).toContain('limits.maxBackgroundRunsPerSession = 2');
    expect(third.error.message).toContain('limits.maxBackgroundRuns = 16');

    // Cancelling one frees its place.
    await dispatchCall(bundle, 'code_execute_status', { task_id: first.task_id, cancel: true });
    expect(resultOf(await startBackground(bundle))).toMatchObject({ status: 'running' });
  });

  it('refuses every session once the gateway has maxBackgroundRuns running', async () => {
    const codeExecution = open({ maxBackgroundRunsPerSession: 2, maxBackgroundRuns: 3 });
    const first = await codeExecution.forSession('s1');
    const second = await codeExecution.forSession('s2');
    resultOf(await startBackground(first));
    resultOf(await startBackground(first));
    resultOf(await startBackground(second));
    const refused = await startBackground(second);
    expect(refused).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    if (refused.ok) return;
    expect(refused.error.message).toContain('limits.maxBackgroundRuns = 3');

    // Cleaning up a session gives its places back.
    await codeExecution.cleanupSession('s1');
    expect(resultOf(await startBackground(second))).toMatchObject({ status: 'running' });
  });

  it('counts a finished run as no longer running, even before its result is read', async () => {
    const bundle = await open({ maxBackgroundRunsPerSession: 1 }).forSession('s1');
    const quick = resultOf(await startBackground(bundle, 'print("done")'));
    let next = await startBackground(bundle);
    for (let attempt = 0; attempt < 100 && !next.ok; attempt += 1) {
      await delay(50);
      next = await startBackground(bundle);
    }
    expect(resultOf(next)).toMatchObject({ status: 'running' });
    expect(
      resultOf((await dispatchCall(bundle, 'code_execute_status', { task_id: quick.task_id })).outcome),
    ).toMatchObject({ status: 'completed', stdout: 'done\n' });
  });
});
