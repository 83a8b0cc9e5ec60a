import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reachableTempFolder } from '../../test/helpers/embedded-postgres.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./run.ts', import.meta.url));

/** Runs the example as a user would (`tsx run.ts`) with no provider credentials at all. */
function runExample(stateDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const environment: NodeJS.ProcessEnv = { ...process.env, STATE_DIR: stateDir };
  for (const name of Object.keys(environment)) {
    if (/^(ANTHROPIC|OPENAI|TELEGRAM)_/.test(name)) delete environment[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repositoryRoot,
      env: environment,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('example 09-autonomous', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await reachableTempFolder('example-09-');
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs as written: stub reply without an API key, exit code 0, state written', async () => {
    const { code, stdout, stderr } = await runExample(stateDir);

    expect(stderr).toContain('outcome: success');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      'Stub response (no Anthropic credential configured). You asked: Run the morning status check.',
    );
    const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({
      model: 'claude-sonnet-4-6',
      timed_out: false,
      tools_used: [],
      usage: {},
      last_summary:
        'Stub response (no Anthropic credential configured). You asked: Run the morning status check.',
    });
  }, 180_000);
});
