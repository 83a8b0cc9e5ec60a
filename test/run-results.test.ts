import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RUN_OUTPUT_CHARS } from '../src/server/threads/keep-run-output.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';
import { toolsFrom } from './helpers/tools-from.js';

/*
 * A background run's result is readable once it ended: `GET /runs/:id` carries its `metadata`
 * and its `output` (the text of its final assistant message, bounded, `output_truncated` when
 * cut), and its `run.ended` notification carries the same, with or without a thread.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const KEY = 'backend-key';
const SECRET = `whsec_${Buffer.from('run-secret-run-secret-run-secret').toString('base64')}`;

const lookUp = {
  name: 'look_up',
  description: 'Looks a word up',
  input_schema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
};

async function startResultsAgent(turns: ScriptedTurn[], receiver: WebhookReceiver) {
  const url = await createDatabase();
  const { gateway } = await startMockAgent(cleanup, {
    turns,
    agent: {
      tools: toolsFrom({ look_up: () => ({ meaning: 'a greeting' }) }, [lookUp]),
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: url },
        webhooks: { allowedHosts: [receiver.host], pollIntervalMs: 50 },
      },
    },
  });
  const response = await gateway.post('/chat/init', { api_key: KEY, user: 'alice' });
  const token = String((await jsonOf(response))['session_token']);
  return { gateway, token, url };
}

const startRun = async (gateway: GatewayClient, token: string, body: unknown): Promise<string> => {
  const response = await gateway.post('/runs', body, { token });
  const started = await jsonOf(response);
  expect(response.status, JSON.stringify(started)).toBe(202);
  return String(started['run_id']);
};

/** The run as `GET /runs/:id` answers it once it completed. */
const completedRun = (gateway: GatewayClient, token: string, runId: string) =>
  waitFor(
    async () => {
      const body = await jsonOf(await gateway.get(`/runs/${runId}`, { token }));
      return body['status'] === 'completed' ? body : undefined;
    },
    { timeoutMs: 15_000, description: `run ${runId} completed` },
  );

/** The `run.ended` body of `runId`, once delivered. */
const endedPayload = (receiver: WebhookReceiver, runId: string) =>
  waitFor(() => receiver.verified(SECRET).find((each) => each.id === `msg_${runId}_ended`)?.payload, {
    timeoutMs: 15_000,
    description: `the run.ended of ${runId}`,
  });

describe.skipIf(unavailable !== undefined)('the result of a background run', () => {
  it('is read with GET /runs/:id and carried by run.ended for a run without a thread: its final answer and metadata', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, token } = await startResultsAgent(
      [
        toolCallTurn('look_up', { word: 'hello' }, { id: 'toolu_look', text: 'Let me look it up.' }),
        textTurn('Hello means a greeting.'),
      ],
      receiver,
    );
    const runId = await startRun(gateway, token, {
      message: 'What does hello mean?',
      metadata: { job: 'dictionary', attempt: 2 },
      webhook: { url: receiver.url, secret: SECRET },
    });
    const run = await completedRun(gateway, token, runId);
    expect(run).toMatchObject({
      run_id: runId,
      thread_id: null,
      status: 'completed',
      metadata: { job: 'dictionary', attempt: 2 },
      output: 'Hello means a greeting.',
      output_truncated: false,
    });
    expect(await endedPayload(receiver, runId)).toMatchObject({
      type: 'run.ended',
      data: {
        run_id: runId,
        status: 'completed',
        metadata: { job: 'dictionary', attempt: 2 },
        output: 'Hello means a greeting.',
        output_truncated: false,
      },
    });
    // Another owner reads nothing of it.
    const other = await gateway.post('/chat/init', { api_key: KEY, user: 'mallory' });
    const stranger = String((await jsonOf(other))['session_token']);
    expect((await gateway.get(`/runs/${runId}`, { token: stranger })).status).toBe(404);
  });

  it('cuts a long answer to MAX_RUN_OUTPUT_CHARS and says so with output_truncated', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const long = `${'word '.repeat(MAX_RUN_OUTPUT_CHARS / 5)}END-OF-ANSWER`;
    const { gateway, token } = await startResultsAgent([textTurn(long)], receiver);
    const runId = await startRun(gateway, token, {
      message: 'Write a lot',
      webhook: { url: receiver.url, secret: SECRET },
    });
    const run = await completedRun(gateway, token, runId);
    expect(run['output_truncated']).toBe(true);
    expect(run['metadata']).toEqual({});
    const output = String(run['output']);
    expect(output).toHaveLength(MAX_RUN_OUTPUT_CHARS);
    expect(long.startsWith(output)).toBe(true);
    const payload = await endedPayload(receiver, runId);
    expect(payload['data']).toMatchObject({ output, output_truncated: true });
  });

  it('is read for a run on a thread, and goes with its thread', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, token, url } = await startResultsAgent([textTurn('Thread answer 4410.')], receiver);
    const created = await jsonOf(await gateway.post('/threads', {}, { token }));
    const threadId = String(created['thread_id']);
    const runId = await startRun(gateway, token, { message: 'go', thread_id: threadId, metadata: { n: 1 } });
    expect(await completedRun(gateway, token, runId)).toMatchObject({
      thread_id: threadId,
      metadata: { n: 1 },
      output: 'Thread answer 4410.',
    });
    const deleted = await fetch(`${gateway.baseUrl}/threads/${threadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(200);
    const database = cleanup.add(new pg.Client({ connectionString: url }), (client) => client.end());
    await database.connect();
    const left = await database.query('SELECT 1 FROM run_outputs WHERE run_id = $1', [runId]);
    expect(left.rows).toEqual([]);
  });

  it('is null for a chat, whose answer is its stream and its thread', async () => {
    const receiver = cleanup.add(await startWebhookReceiver(), (each) => each.close());
    const { gateway, token } = await startResultsAgent([textTurn('Chat answer.')], receiver);
    const response = await gateway.chat(token, {
      messages: [{ role: 'user', content: 'hi' }],
      thread_id: 'thr_chat',
    });
    expect(await response.text()).toContain('stream_complete');
    const runs = await waitFor(async () => {
      const listed = (await jsonOf(await gateway.get('/threads/thr_chat/runs', { token })))['runs'];
      return Array.isArray(listed) && listed.length > 0
        ? (listed as Array<Record<string, unknown>>)
        : undefined;
    });
    const id = String(runs[0]?.['run_id']);
    expect(await completedRun(gateway, token, id)).toMatchObject({
      metadata: {},
      output: null,
      output_truncated: false,
    });
  });
});
