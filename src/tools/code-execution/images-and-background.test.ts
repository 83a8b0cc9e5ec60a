import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toToolResultBlock } from '../../agent/tool-result-blocks.js';
import {
  cwdFrom,
  dispatchCall,
  liveProcessesWith,
  PRINT_CWD,
  resultOf,
} from './__fixtures__/code-execution-harness.js';
import {
  createCodeExecution,
  type CodeExecution,
  type CodeExecutionBundle,
} from './create-code-execution.js';

const PNG_HEADER = '\\x89PNG\\r\\n\\x1a\\n';

describe('images and background runs', () => {
  const opened: CodeExecution[] = [];
  const open = (): CodeExecution => {
    const codeExecution = createCodeExecution({
      registerDocker: false,
      registerBwrap: false,
      killGraceMs: 300,
      maxImages: 2,
      maxImageBase64Bytes: 1000,
    });
    opened.push(codeExecution);
    return codeExecution;
  };
  const scratch: string[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((codeExecution) => codeExecution.close()));
    await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const status = async (bundle: CodeExecutionBundle, input: Record<string, unknown>) =>
    (await dispatchCall(bundle, 'code_execute_status', input)).outcome;

  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

  /** Polls a running task until its stdout tail shows `text`. */
  const untilTail = async (bundle: CodeExecutionBundle, taskId: string, text: string) => {
    for (;;) {
      const report = resultOf(await status(bundle, { task_id: taskId }));
      if (report.status !== 'running' || String(report.stdout_tail).includes(text)) return report;
      await pause();
    }
  };

  /** Polls the task until it is no longer running (the terminal answer is returned once). */
  const untilFinished = async (bundle: CodeExecutionBundle, taskId: string) => {
    for (;;) {
      const report = resultOf(await status(bundle, { task_id: taskId }));
      if (report.status !== 'running') return report;
      await pause();
    }
  };

  it('returns new and changed images, skips big and surplus ones, and never follows links', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'code-exec-secret-'));
    scratch.push(outside);
    await writeFile(join(outside, 'secret.png'), 'not for the model');
    const bundle = await open().forSession('s1');
    await dispatchCall(bundle, 'code_execute', { code: `open("old.png", "wb").write(b"${PNG_HEADER}old")` });

    const code = [
      'import os',
      `open("a_big.png", "wb").write(b"${PNG_HEADER}" + b"x" * 2000)`,
      `open("b.png", "wb").write(b"${PNG_HEADER}small")`,
      'open("c.jpg", "wb").write(b"\\xff\\xd8\\xff jpeg")',
      'open("d.svg", "w").write("<svg/>")',
      'open("notes.txt", "w").write("not an image")',
      `os.symlink(${JSON.stringify(join(outside, 'secret.png'))}, "e_link.png")`,
      'os.mkfifo("f_pipe.png")',
    ].join('\n');
    const { outcome } = await dispatchCall(bundle, 'code_execute', { code });
    const result = resultOf(outcome);

    expect(result.images).toEqual([
      {
        filename: 'a_big.png',
        skipped: true,
        reason: expect.stringContaining('exceeds max_image_base64_bytes') as unknown,
      },
      {
        filename: 'b.png',
        media_type: 'image/png',
        data_base64: Buffer.from('\x89PNG\r\n\x1a\nsmall', 'latin1').toString('base64'),
      },
      { filename: 'c.jpg', media_type: 'image/jpeg', data_base64: expect.any(String) as unknown },
      { filename: 'd.svg', skipped: true, reason: 'exceeds max_images (2)' },
    ]);

    // What the model reads names the images instead of carrying their data.
    const block = toToolResultBlock('toolu_1', outcome, 'code_execute');
    bundle.sanitizeToolResult({
      toolName: 'code_execute',
      toolInput: { code },
      result: resultOf(outcome),
      error: null,
      durationMs: 1,
      toolCallId: 'toolu_1',
      sessionId: 's1',
      server: null,
      resultBlock: block,
    });
    const modelText = typeof block.content === 'string' ? block.content : '';
    expect(modelText).toContain('"data_base64":"[image: b.png]"');
    expect(modelText).not.toContain(Buffer.from('\x89PNG\r\n\x1a\nsmall', 'latin1').toString('base64'));
  });

  it('runs in the background, reports progress, then the full result once', async () => {
    const bundle = await open().forSession('s1');
    const code = [
      PRINT_CWD,
      'import os, sys, time',
      'print("started", flush=True)',
      'print("warming up", file=sys.stderr, flush=True)',
      'while not os.path.exists("go"):',
      '    time.sleep(0.05)',
      'print("finished")',
    ].join('\n');
    const started = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code, background: true })).outcome,
    );
    expect(started).toEqual({
      status: 'running',
      task_id: expect.stringMatching(/^ce_[0-9a-f]{8}$/) as unknown,
      message: 'Use code_execute_status(task_id=...) to check progress.',
    });
    const taskId = String(started.task_id);

    const progress = await untilTail(bundle, taskId, 'started');
    expect(progress).toMatchObject({ status: 'running', task_id: taskId, stderr_tail: 'warming up' });
    const workDir = cwdFrom(progress.stdout_tail);
    expect(await readFile(join(workDir, `_task_${taskId}_stdout.log`), 'utf8')).toContain('started');

    await writeFile(join(workDir, 'go'), '');
    const finished = await untilFinished(bundle, taskId);
    expect(finished).toMatchObject({
      status: 'completed',
      task_id: taskId,
      return_code: 0,
      timed_out: false,
    });
    expect(finished.stdout).toContain('started\nfinished\n');
    expect(await status(bundle, { task_id: taskId })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: `Unknown task_id: ${taskId}` },
    });
  });

  it('clamps a background timeout into range instead of refusing it', async () => {
    const bundle = await open().forSession('s1');
    const started = resultOf(
      (
        await dispatchCall(bundle, 'code_execute', {
          code: 'while True:\n    pass',
          background: true,
          timeout_ms: 10,
        })
      ).outcome,
    );
    const finished = await untilFinished(bundle, String(started.task_id));
    expect(finished).toMatchObject({ status: 'completed', timed_out: true, return_code: 124 });
  });

  it('cancels a running task and forgets it', async () => {
    const bundle = await open().forSession('s1');
    const workDir = cwdFrom(
      resultOf((await dispatchCall(bundle, 'code_execute', { code: PRINT_CWD })).outcome).stdout,
    );
    const started = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'import time\ntime.sleep(60)', background: true }))
        .outcome,
    );
    const taskId = String(started.task_id);
    expect(resultOf(await status(bundle, { task_id: taskId, cancel: true }))).toEqual({
      status: 'cancelled',
      task_id: taskId,
    });
    expect(await liveProcessesWith(workDir)).toEqual([]);
    expect(await status(bundle, { task_id: taskId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('answers not_found for an unknown task and invalid_input without a task id', async () => {
    const bundle = await open().forSession('s1');
    expect(await status(bundle, { task_id: 'ce_00000000' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: 'Unknown task_id: ce_00000000' },
    });
    expect(await status(bundle, {})).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('stops background runs and removes the work dir when the session is cleaned up or the app closes', async () => {
    const codeExecution = open();
    const bundle = await codeExecution.forSession('s1');
    const code = PRINT_CWD + 'import time\nprint("up", flush=True)\ntime.sleep(60)';
    const taskId = String(
      resultOf((await dispatchCall(bundle, 'code_execute', { code, background: true })).outcome).task_id,
    );
    const progress = await untilTail(bundle, taskId, 'up');
    const workDir = cwdFrom(progress.stdout_tail);

    await codeExecution.close();
    expect(existsSync(workDir)).toBe(false);
    expect(await liveProcessesWith(workDir)).toEqual([]);
    await codeExecution.close(); // idempotent
    await expect(codeExecution.forSession('s2')).rejects.toMatchObject({ code: 'aborted' });
  });
});
