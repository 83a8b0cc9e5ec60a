import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { sendAs } from './helpers/send-as.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { eventsOfType, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const BACKEND_KEY = 'backend-key';
const SECRET = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;

/** A gateway on a fresh PostgreSQL database (or none), with a server-side key. */
async function startRunsAgent(turns: ScriptedTurn[], options: { noDatabase?: true; graceMs?: number } = {}) {
  const url = options.noDatabase === true ? '' : await createDatabase();
  return startMockAgent(cleanup, {
    turns,
    agent: {
      server: {
        validApiKeys: [BACKEND_KEY],
        serverSideApiKeys: [BACKEND_KEY],
        database: options.noDatabase === true ? false : { postgres: url },
        ...(options.graceMs === undefined ? {} : { disconnectGraceMs: options.graceMs }),
      },
    },
  });
}

async function sessionOf(gateway: GatewayClient, user: string): Promise<string> {
  const response = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(200);
  return String(body['session_token']);
}

/** Waits until the run's record has `status`, and returns it. */
const recordOnceStatus = (gateway: GatewayClient, token: string, runId: string, status: string) =>
  waitFor(
    async () => {
      const body = await jsonOf(await sendAs(gateway, 'GET', `/runs/${runId}`, token));
      return body['status'] === status ? body : undefined;
    },
    { timeoutMs: 15_000, description: `run ${runId} ${status}` },
  );

describe.skipIf(unavailable !== undefined)('POST /runs: background runs', () => {
  it('answers 202 at once; the run is followed, read and listed by its owner only', async () => {
    const { gateway } = await startRunsAgent([textTurn('Report ready.')]);
    const token = await sessionOf(gateway, 'alice');
    const response = await sendAs(gateway, 'POST', '/runs', token, {
      message: 'Write the report',
      metadata: { job: 'nightly' },
    });
    const started = await jsonOf(response);
    expect(response.status).toBe(202);
    const runId = String(started['run_id']);
    expect(started).toEqual({ run_id: runId, thread_id: null, status: 'running' });
    expect(runId).not.toBe('undefined');

    const frames = await readAllSseFrames(await sendAs(gateway, 'GET', '/chat/stream', token));
    expect(eventsOfType(frames, 'stream_complete')).toHaveLength(1);
    expect(textOf(frames)).toBe('Report ready.');

    const record = await recordOnceStatus(gateway, token, runId, 'completed');
    expect(record['thread_id']).toBeNull();
    const listed = await jsonOf(await sendAs(gateway, 'GET', '/runs?status=completed', token));
    expect((listed['runs'] as Array<Record<string, unknown>>).map((run) => run['run_id'])).toEqual([runId]);
    const running = await jsonOf(await sendAs(gateway, 'GET', '/runs?status=running', token));
    expect(running['runs']).toEqual([]);

    const stranger = await sessionOf(gateway, 'mallory');
    expect((await sendAs(gateway, 'GET', `/runs/${runId}`, stranger)).status).toBe(404);
    expect((await jsonOf(await sendAs(gateway, 'GET', '/runs', stranger)))['runs']).toEqual([]);
    expect((await sendAs(gateway, 'POST', `/runs/${runId}/cancel`, stranger)).status).toBe(404);
  });

  it('continues a thread; GET /runs filters by thread and pages with a cursor', async () => {
    const { gateway } = await startRunsAgent([textTurn('One.'), textTurn('Two.'), textTurn('Three.')]);
    const token = await sessionOf(gateway, 'alice');
    const ids: string[] = [];
    for (const [index, text] of ['first', 'second'].entries()) {
      const started = await jsonOf(
        await sendAs(gateway, 'POST', '/runs', token, { thread_id: 'thr-report', message: text }),
      );
      expect(started['thread_id']).toBe('thr-report');
      ids.push(String(started['run_id']));
      await recordOnceStatus(gateway, token, ids[index] ?? '', 'completed');
    }
    const other = await jsonOf(await sendAs(gateway, 'POST', '/runs', token, { message: 'elsewhere' }));
    await recordOnceStatus(gateway, token, String(other['run_id']), 'completed');

    const thread = await jsonOf(await sendAs(gateway, 'GET', '/threads/thr-report', token));
    expect((thread['messages'] as Array<{ content: unknown }>).map((message) => message.content)).toEqual([
      'first',
      [{ type: 'text', text: 'One.' }],
      'second',
      [{ type: 'text', text: 'Two.' }],
    ]);
    const page1 = await jsonOf(await sendAs(gateway, 'GET', '/runs?thread_id=thr-report&limit=1', token));
    const page2 = await jsonOf(
      await sendAs(
        gateway,
        'GET',
        `/runs?thread_id=thr-report&limit=1&cursor=${String(page1['next_cursor'])}`,
        token,
      ),
    );
    const idsOf = (page: Record<string, unknown>) =>
      (page['runs'] as Array<Record<string, unknown>>).map((run) => run['run_id']);
    expect([...idsOf(page1), ...idsOf(page2)]).toEqual([ids[1], ids[0]]);
    expect(page2['next_cursor']).toBeNull();
    expect(idsOf(await jsonOf(await sendAs(gateway, 'GET', '/runs', token)))).toHaveLength(3);
  });

  it('goes on when its follower leaves, where a chat run is cancelled', async () => {
    const slow = (text: string) => textTurn(text, { eventDelayMs: 40 });
    const { gateway } = await startRunsAgent([slow('a b c d e f g h'), slow('a b c d e f g h')], {
      graceMs: 0,
    });
    const token = await sessionOf(gateway, 'alice');
    const leaveEarly = async (response: Response) => {
      const reader = response.body?.getReader();
      await reader?.read();
      await reader?.cancel();
    };

    const chat = await gateway.chat(token, 'hello');
    await leaveEarly(chat);
    const chats = await waitFor(async () => {
      const body = await jsonOf(await sendAs(gateway, 'GET', '/runs?status=cancelled', token));
      const runs = body['runs'] as unknown[];
      return runs.length === 1 ? runs : undefined;
    });
    expect(chats).toHaveLength(1);

    const started = await jsonOf(await sendAs(gateway, 'POST', '/runs', token, { message: 'hello' }));
    await leaveEarly(await sendAs(gateway, 'GET', '/chat/stream', token));
    await recordOnceStatus(gateway, token, String(started['run_id']), 'completed');
  });

  it('is cancelled by id from another session of its owner', async () => {
    const { gateway } = await startRunsAgent([
      { blocks: [{ type: 'text', text: 'a b c' }], stallAfterEvents: 3 },
    ]);
    const token = await sessionOf(gateway, 'alice');
    const started = await jsonOf(await sendAs(gateway, 'POST', '/runs', token, { message: 'wait' }));
    const runId = String(started['run_id']);
    const busy = await sendAs(gateway, 'POST', '/runs', token, { message: 'again' });
    expect(busy.status).toBe(409);

    const second = await sessionOf(gateway, 'alice');
    const cancelled = await sendAs(gateway, 'POST', `/runs/${runId}/cancel`, second);
    expect(await jsonOf(cancelled)).toEqual({ run_id: runId, status: 'cancelled' });
    await recordOnceStatus(gateway, token, runId, 'cancelled');
    const again = await sendAs(gateway, 'POST', `/runs/${runId}/cancel`, second);
    expect(again.status).toBe(409);
    expect((await jsonOf(again))['code']).toBe('run_not_running');
  });

  it('refuses bad bodies and webhooks it cannot deliver with stable codes', async () => {
    const { gateway } = await startRunsAgent([]);
    const token = await sessionOf(gateway, 'alice');
    const refusal = async (body: unknown) => {
      const response = await sendAs(gateway, 'POST', '/runs', token, body);
      return { status: response.status, body: await jsonOf(response) };
    };
    expect((await refusal({ message: 'a', messages: [{ role: 'user', content: 'b' }] })).status).toBe(422);
    expect((await refusal({})).status).toBe(422);
    const noSecret = await refusal({ message: 'a', webhook: { url: 'https://example.com/hook' } });
    expect(noSecret).toMatchObject({ status: 422, body: { code: 'webhook_secret_missing' } });
    const plainHttp = await refusal({
      message: 'a',
      webhook: { url: 'http://example.com/hook', secret: SECRET },
    });
    expect(plainHttp).toMatchObject({ status: 422, body: { code: 'invalid_webhook_url' } });
    const badSecret = await refusal({ message: 'a', webhook: { url: 'https://example.com/h', secret: 'x' } });
    expect(badSecret.status).toBe(422);
    expect((await sendAs(gateway, 'GET', '/runs?status=sleeping', token)).status).toBe(400);
    expect((await sendAs(gateway, 'GET', '/runs?cursor=not-a-cursor', token)).status).toBe(400);
  });

  it('runs without a database, but lists nothing and takes no webhook', async () => {
    const { gateway } = await startRunsAgent([textTurn('Done.')], { noDatabase: true });
    const token = await sessionOf(gateway, 'alice');
    const hooked = await sendAs(gateway, 'POST', '/runs', token, {
      message: 'a',
      webhook: { url: 'https://example.com/hook', secret: SECRET },
    });
    expect(hooked.status).toBe(422);
    expect((await jsonOf(hooked))['code']).toBe('webhook_needs_database');
    const started = await sendAs(gateway, 'POST', '/runs', token, { message: 'a' });
    expect(started.status).toBe(202);
    const frames = await readAllSseFrames(await sendAs(gateway, 'GET', '/chat/stream', token));
    expect(eventsOfType(frames, 'stream_complete')).toHaveLength(1);
    const listed = await sendAs(gateway, 'GET', '/runs', token);
    expect(listed.status).toBe(404);
    expect((await jsonOf(listed))['code']).toBe('database_not_configured');
  });
});
