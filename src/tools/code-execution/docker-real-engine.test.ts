import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatchCall, resultOf } from './__fixtures__/code-execution-harness.js';
import { createCodeExecution } from './create-code-execution.js';

const execFileAsync = promisify(execFile);
const image = process.env.CODE_EXECUTE_DOCKER_IMAGE ?? 'python:3.12-slim';

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
    return `image ${image} is not present locally (pull it, or set CODE_EXECUTE_DOCKER_IMAGE)`;
  }
  return null;
}

const skipReason = await whyDockerIsUnusable();
if (skipReason !== null) console.warn(`real Docker engine tests skipped: ${skipReason}`);

describe('docker backend against a real engine', () => {
  const codeExecution = createCodeExecution({
    dockerImage: image,
    registerBwrap: false,
    registerSubprocess: false,
  });

  afterAll(async () => {
    await codeExecution.close();
  });

  it('runs code in a container without network, in /workspace', async (context) => {
    context.skip(skipReason !== null, skipReason ?? undefined);
    const bundle = await codeExecution.forSession('real-docker');
    expect(bundle.approvalKeyQualifier('code_execute', { code: 'x' })).toBe('docker');
    const code = [
      'import os, socket',
      'print(os.getcwd())',
      'try:',
      '    socket.create_connection(("1.1.1.1", 53), timeout=2)',
      '    print("network")',
      'except OSError:',
      '    print("no network")',
      'open("kept.txt", "w").write("kept")',
    ].join('\n');
    const result = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code, timeout_ms: 60_000 })).outcome,
    );
    expect(result).toMatchObject({ stdout: '/workspace\nno network\n', return_code: 0, timed_out: false });
    const again = resultOf(
      (
        await dispatchCall(bundle, 'code_execute', {
          code: 'print(open("kept.txt").read())',
          timeout_ms: 60_000,
        })
      ).outcome,
    );
    expect(again.stdout).toBe('kept\n');
  });

  it('stops a container that runs past its timeout', async (context) => {
    context.skip(skipReason !== null, skipReason ?? undefined);
    const bundle = await codeExecution.forSession('real-docker');
    const result = resultOf(
      (await dispatchCall(bundle, 'code_execute', { code: 'while True:\n    pass', timeout_ms: 2000 }))
        .outcome,
    );
    expect(result).toMatchObject({ timed_out: true, return_code: 124 });
  });
});
