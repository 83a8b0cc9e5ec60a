import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import { jsonOf, type HttpGatewayClient } from './helpers/gateway-client.js';
import { postgresProcessesOf } from './helpers/process-tree.js';
import { readAllSseFrames } from './helpers/sse-reader.js';
import { builtIndex } from './helpers/built-cli.js';
import { spawnServe } from './helpers/spawn-serve.js';
import { waitFor } from './helpers/wait-for.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A session for the end user `ada`, opened by a backend key allowed to assert users. */
const sessionOfAda = async (client: HttpGatewayClient): Promise<string> => {
  const init = await jsonOf(await client.post('/chat/init', { api_key: 'backend-key', user: 'ada' }));
  return String(init['session_token']);
};

describe.skipIf(unavailable !== undefined)('serve keeps what it reported written (default database)', () => {
  it('a thread message and a run record survive kill -9 of the gateway and a restart', async () => {
    const project = cleanup.add(await reachableTempFolder('durable-kill-'), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const upstream = cleanup.add(await createMockUpstream({ anthropic: [textTurn('Paris.')] }), (server) =>
      server.close(),
    );
    await writeFile(
      join(project, 'agent.ts'),
      `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You answer in one word.',
  apiKey: 'sk-test',
  providerConfig: { baseURL: ${JSON.stringify(upstream.url)} },
  server: { validApiKeys: ['backend-key'], serverSideApiKeys: ['backend-key'] },
});
`,
    );
    const first = cleanup.add(await spawnServe(project, 'agent.ts'), (each) => each.stop());
    const cluster = join(project, '.agent-gateway', 'data', 'postgres');
    expect(existsSync(join(cluster, 'PG_VERSION')), first.output()).toBe(true);

    let token = await sessionOfAda(first.client);
    const thread = await jsonOf(await first.client.post('/threads', { title: 'Capitals' }, { token }));
    const threadId = String(thread['thread_id']);
    const chat = await first.client.chat(token, {
      messages: [{ role: 'user', content: 'Capital of France?' }],
      thread_id: threadId,
    });
    expect(chat.status).toBe(200);
    await readAllSseFrames(chat);
    // Reported written: the gateway's own routes show the messages and the ended run.
    const written = await waitFor(
      async () => {
        const read = await jsonOf(await first.client.get(`/threads/${threadId}`, { token }));
        return (read['messages'] as unknown[]).length === 2 ? read : undefined;
      },
      { timeoutMs: 20_000, description: 'the thread messages written' },
    );
    const runs = await jsonOf(await first.client.get(`/threads/${threadId}/runs`, { token }));
    const run = (runs['runs'] as Array<Record<string, unknown>>)[0];
    expect(run).toMatchObject({ status: 'completed', thread_id: threadId });

    const serverPid = Number((await readFile(join(cluster, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(postgresProcessesOf(cluster).length).toBeGreaterThan(1);
    await first.kill();
    // The server outlives the gateway only until its guard, which saw its pipe close, stops it:
    // within 5 s nothing of the folder's PostgreSQL is left (its server, its processes, the guard).
    const killedAt = performance.now();
    await waitFor(() => (postgresProcessesOf(cluster).length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      description: 'the orphaned server to stop',
    });
    expect(performance.now() - killedAt).toBeLessThan(5_000);
    expect(isAlive(serverPid)).toBe(false);

    const second = cleanup.add(await spawnServe(project, 'agent.ts'), (each) => each.stop());
    token = await sessionOfAda(second.client);
    const reread = await jsonOf(await second.client.get(`/threads/${threadId}`, { token }));
    expect(reread['messages']).toEqual(written['messages']);
    const rereadRun = await jsonOf(await second.client.get(`/runs/${String(run?.['run_id'])}`, { token }));
    expect(rereadRun).toMatchObject({
      status: 'completed',
      thread_id: threadId,
      ended_at: run?.['ended_at'],
    });

    const secondServer = Number((await readFile(join(cluster, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    // The second gateway started a server of its own.
    expect(secondServer).not.toBe(serverPid);
    expect(await second.stop()).toBe(0);
    expect(isAlive(secondServer)).toBe(false);
  }, 300_000);
});
