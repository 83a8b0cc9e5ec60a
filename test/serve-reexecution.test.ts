import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HEAP_GROWTH_FLAG, NO_PRETENURING_FLAG, V8_DEFAULTS_VARIABLE } from '../src/cli/serving-process.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { spawnServe, type ServeLaunch, type ServeProcess } from './helpers/spawn-serve.js';
import { waitFor } from './helpers/wait-for.js';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const agent = fileURLToPath(new URL('./fixtures/process-reporting-agent.ts', import.meta.url));
const REEXECUTED_LINE = 'V8 allocation-site pretenuring is off';

/** The process that loaded the agent, as the fixture reported it. */
const agentProcessOf = (serve: ServeProcess): { pid: number; execArgv: string[] } => {
  const line = serve
    .output()
    .split('\n')
    .find((text) => text.includes('"agentProcess"'));
  if (line === undefined) throw new Error(`the agent did not report its process:\n${serve.output()}`);
  return (JSON.parse(line) as { agentProcess: { pid: number; execArgv: string[] } }).agentProcess;
};

/** Whether a process of that id is still alive. */
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once the process of that id is gone. */
const gone = (pid: number): Promise<true> =>
  waitFor(() => (isAlive(pid) ? undefined : true), {
    timeoutMs: 10_000,
    description: `process ${pid} to end`,
  });

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `serve` of the reporting agent; killed after the test, the agent's process too. */
const serve = async (launch: ServeLaunch = {}): Promise<ServeProcess> => {
  const served = await spawnServe(repositoryRoot, agent, ['--no-database'], 120_000, launch);
  return cleanup.add(served, async (each) => {
    const pid = agentProcessOf(each).pid;
    await each.kill();
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
};

describe('serve runs under --no-allocation-site-pretenuring, set at the process boundary', () => {
  it('re-executes node with the flag before loading the agent, says so once, and serves', async () => {
    const served = await serve();
    const agentProcess = agentProcessOf(served);
    expect(agentProcess.pid).not.toBe(served.pid);
    expect(agentProcess.execArgv).toContain(NO_PRETENURING_FLAG);
    expect(agentProcess.execArgv).toContain(HEAP_GROWTH_FLAG);
    expect(served.output().split(REEXECUTED_LINE)).toHaveLength(2);
    expect((await served.client.get('/health')).status).toBe(200);
  });

  it('leaves the choice to a user who gave node the flag, either way', async () => {
    const served = await serve({ nodeArguments: ['--allocation-site-pretenuring'] });
    const agentProcess = agentProcessOf(served);
    expect(agentProcess.pid).toBe(served.pid);
    expect(agentProcess.execArgv).toContain('--allocation-site-pretenuring');
    expect(agentProcess.execArgv).not.toContain(NO_PRETENURING_FLAG);
    expect(served.output()).not.toContain(REEXECUTED_LINE);
  });

  it(`keeps V8's defaults in its own process with ${V8_DEFAULTS_VARIABLE}=1`, async () => {
    const served = await serve({ environment: { [V8_DEFAULTS_VARIABLE]: '1' } });
    const agentProcess = agentProcessOf(served);
    expect(agentProcess.pid).toBe(served.pid);
    expect(agentProcess.execArgv).not.toContain(NO_PRETENURING_FLAG);
  });

  it('passes SIGTERM on: the child closes the app and the parent exits with its code', async () => {
    const served = await serve();
    const child = agentProcessOf(served).pid;
    // Serve hooks its signals just after it prints its URL: one request served, they are hooked.
    expect((await served.client.get('/health')).status).toBe(200);
    expect(await served.stop(), served.output()).toBe(0);
    expect(served.output()).toContain('onShutdown ran');
    expect(await gone(child)).toBe(true);
  });

  it('ends by the signal that ended the child, not with a code', async () => {
    const served = await serve();
    process.kill(agentProcessOf(served).pid, 'SIGKILL');
    expect(await served.stop()).toBeNull();
  });

  it('takes the child down when the parent is killed outright', async () => {
    const served = await serve();
    const child = agentProcessOf(served).pid;
    await served.kill();
    expect(await gone(child)).toBe(true);
  });
});
