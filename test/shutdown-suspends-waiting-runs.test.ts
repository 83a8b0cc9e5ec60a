import { spawn } from 'node:child_process';
import { realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import type { ThreadStore } from '../src/core/thread-store.js';
import { createMockUpstream, type MockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import {
  createHttpGatewayClient,
  jsonOf,
  startGatewayClient,
  type GatewayClient,
  type HttpGatewayClient,
} from './helpers/gateway-client.js';
import { clientToolsFrom } from './helpers/tools-from.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';
import { reachableTempFolder } from './helpers/embedded-postgres.js';

const cliEntry = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const agentFile = fileURLToPath(new URL('./fixtures/approval-agent.ts', import.meta.url));
/** tsx as a URL: the child runs in a folder of its own, where `tsx` alone resolves to nothing. */
const tsx = import.meta.resolve('tsx');

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `agent-gateway serve` of the approval agent in a child process, its embedded database in `cwd`. */
interface ServeProcess {
  readonly client: HttpGatewayClient;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
}

async function serve(cwd: string, upstream: MockUpstream): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', tsx, cliEntry, 'serve', agentFile, '--port', '0'], {
    cwd,
    env: { ...process.env, GATEWAY_UPSTREAM_URL: upstream.url, DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const terminate = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  cleanup.add(child, () => terminate().then(() => undefined));
  const url = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const match = /agent-gateway listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1] !== undefined) {
        child.stdout.off('data', check);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) =>
      reject(new Error(`serve exited (${String(code)}) before listening:\n${output}`)),
    );
  });
  return { client: createHttpGatewayClient(`${url}/api`), output: () => output, terminate };
}

/** A session of `backend-key` acting for `user`: sessions of one user share its runs. */
async function sessionFor(client: HttpGatewayClient, user: string): Promise<string> {
  const response = await client.post('/chat/init', { api_key: 'backend-key', user });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(200);
  return String(body['session_token']);
}

describe('agent-gateway serve on SIGTERM', { timeout: 120_000 }, () => {
  it('suspends a run waiting for an approval, so the approval is answered after the restart', async () => {
    const cwd = await realpath(await reachableTempFolder('agent-gateway-shutdown-'));
    folders.push(cwd);
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
          textTurn('Deleted /tmp/a.'),
        ],
      }),
      (server) => server.close(),
    );

    const first = await serve(cwd, upstream);
    // Where the data lives, absolute, and why the first start takes a while (this once only).
    const folder = join(cwd, '.agent-gateway', 'data');
    const creating = `creating the embedded database in ${folder} (first start only`;
    expect(first.output()).toContain(creating);
    expect(first.output()).toContain(`"database":"embedded (${folder})"`);
    const before = await sessionFor(first.client, 'ada');
    const response = await first.client.chat(before, {
      messages: [{ role: 'user', content: 'delete /tmp/a' }],
      thread_id: 'thr_shutdown',
    });
    expect(response.status).toBe(200);
    const reader = createSseReader(response);
    const request = await reader.nextOfType('tool_approval_request');
    // Well within suspendAfterMs (60 s by default): only the shutdown can suspend it.
    expect(await first.terminate()).toBe(0);
    const end = eventsOf(await reader.rest()).at(-1);
    expect(end).toMatchObject({ type: 'error', code: 'run_suspended' });
    const runId = String(reader.frames.at(-1)?.runId);
    expect(first.output()).toContain('"msg":"run suspended"');
    expect(first.output()).not.toContain('deleted /tmp/a');

    const second = await serve(cwd, upstream);
    expect(second.output()).not.toContain(creating);
    const after = await sessionFor(second.client, 'ada');
    const answered = await second.client.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: after },
    );
    expect(await jsonOf(answered)).toEqual({ status: 'ok', run_id: runId, resumed: true });
    await waitFor(async () => {
      const run = await jsonOf(await second.client.get(`/runs/${runId}`, { token: after }));
      return run['status'] === 'completed' ? true : undefined;
    });
    expect(second.output()).toContain('deleted /tmp/a');
    const thread = await jsonOf(await second.client.get('/threads/thr_shutdown', { token: after }));
    expect(JSON.stringify(thread['messages'])).toContain('Deleted /tmp/a.');
  });
});

/** A gateway in this process whose `get_location` is the browser's (a client-side tool). */
async function startClientToolGateway(upstream: MockUpstream, database: ThreadStore): Promise<GatewayClient> {
  const app = createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.url },
    tools: clientToolsFrom([
      { name: 'get_location', description: "The user's location", input_schema: { type: 'object' } },
    ]),
    server: { database, validApiKeys: ['backend-key'], serverSideApiKeys: ['backend-key'] },
  });
  return cleanup.add(await startGatewayClient(app), (client) => client.close());
}

describe('closing the app', () => {
  it('suspends a run waiting for a client tool, so its result resumes it on the next app', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [toolCallTurn('get_location', {}, { id: 'toolu_loc' }), textTurn('You are in Lyon.')],
      }),
      (server) => server.close(),
    );
    const database = createMemoryThreadStore();
    const first = await startClientToolGateway(upstream, database);
    const reader = createSseReader(await first.chat(await sessionFor(first, 'ada'), 'Where am I?'));
    const start = await reader.nextOfType('tool_call_start');
    await first.close();
    expect(eventsOf(await reader.rest()).at(-1)).toMatchObject({ type: 'error', code: 'run_suspended' });

    const second = await startClientToolGateway(upstream, database);
    const token = await sessionFor(second, 'ada');
    const answered = await second.post(
      '/chat/tool-result',
      { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Lyon' } },
      { token },
    );
    expect(await jsonOf(answered)).toMatchObject({ status: 'ok', resumed: true });
    const runId = String(reader.frames.at(-1)?.runId);
    await waitFor(async () => {
      const run = await jsonOf(await second.get(`/runs/${runId}`, { token }));
      return run['status'] === 'completed' ? true : undefined;
    });
  });
});
