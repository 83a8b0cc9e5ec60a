import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolResultBlock } from '../../src/core/messages.js';
import type { ThreadStore } from '../../src/core/thread-store.js';
import type { ServerSpec } from '../../src/server/contracts/server-spec.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { BusChannel } from '../../src/core/stores.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from '../helpers/postgres-server.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways, type ExtraTool, type RedisGateway } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);
const postgresSkipReason = postgresUnavailableReason();
if (postgresSkipReason !== undefined) console.warn(postgresSkipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/**
 * `read_status` (idempotent, needs approval) and `get_location` (client-side), beside the
 * helper's `delete_file` (not idempotent, needs approval). Every run of `read_status` is recorded.
 */
const toolsRecordedIn =
  (calls: string[]) =>
  (index: number): ExtraTool[] => [
    {
      definition: {
        name: 'read_status',
        description: 'Reads the status',
        input_schema: { type: 'object', properties: {} },
        idempotent: true,
      },
      handler: () => {
        calls.push(`${index}:read_status`);
        return { status: 'green' };
      },
      needsApproval: true,
    },
    {
      definition: {
        name: 'get_location',
        description: "The user's location, read by the browser",
        input_schema: { type: 'object', properties: {} },
      },
    },
  ];

/** The tool_result blocks of the last message the model received. */
const lastToolResults = (messages: readonly { content: unknown }[] | undefined): ToolResultBlock[] => {
  const content = messages?.at(-1)?.content;
  return Array.isArray(content)
    ? content.filter((block): block is ToolResultBlock => (block as ToolResultBlock).type === 'tool_result')
    : [];
};

/** What one scenario asks of the model's call, and how the client answers it. */
interface Scenario {
  toolName: string;
  /** The question the run asks: an approval, or a client-side tool's result. */
  question: 'tool_approval_request' | 'tool_call_start';
  route: '/chat/tool-approval' | '/chat/tool-result';
  answer: Record<string, unknown>;
  /** What B's model does once it has the call's result (by default, it answers). */
  turnsOfB?: ScriptedTurn[];
}

describe.skipIf(skipReason !== undefined)(
  'an answer acknowledged before its run moved to another instance',
  () => {
    let redis: RedisServerProcess;
    let postgres: PostgresServer | undefined;
    beforeAll(async () => {
      redis = await startRedisServer();
      if (postgresSkipReason === undefined) postgres = await startPostgresServer();
    });
    afterAll(async () => {
      await redis.stop();
      await postgres?.destroy();
    });

    /**
     * A's run asks its question; A dies (every Redis connection gone: no heartbeat, no
     * subscriber); the client's answer reaches B, which keeps it in the database and acknowledges
     * it (`202`: nobody received it). Then A's lease lapses and B takes the run over.
     */
    const answerThenTakeOver = async (scenario: Scenario, database: ServerSpec['database']) => {
      const calls: string[] = [];
      const [a, b] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [toolCallTurn(scenario.toolName, { path: '/tmp/x' }, { id: 'toolu_kept' })],
          scenario.turnsOfB ?? [textTurn('Done elsewhere.')],
        ],
        // Neither a lapsed lease nor a silent instance moves the run until the test lets A's lease go.
        server: { database, runLeaseMs: 60_000, instanceSilentMs: 60_000 },
        extraTools: toolsRecordedIn(calls),
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      const session = await a.client.openSession();
      const onA = createSseReader(await a.client.chat(session.token, 'go'));
      const question = await onA.nextOfType(scenario.question);
      const asked = onA.frames.at(-1);
      const runId = String(asked?.runId);

      await a.stores.close();
      // Counts B's publishes of the answer: its outbox publishes it until someone has it.
      const published = { count: 0 };
      const call = { sessionId: session.sessionId, runId, toolCallId: question.tool_call_id };
      const channels = new Set([BusChannel.approvalDecision(call), BusChannel.clientToolResult(call)]);
      const publish = b.stores.bus.publish.bind(b.stores.bus);
      b.stores.bus.publish = (channel, payload) => {
        if (channels.has(channel)) published.count += 1;
        return publish(channel, payload);
      };
      const answered = await b.client.post(
        scenario.route,
        { tool_call_id: question.tool_call_id, nonce: question.nonce, ...scenario.answer },
        { token: session.token },
      );
      expect(answered.status).toBe(202);

      // A's lease lapses, as it would `runLeaseMs` after A's death: B's next heartbeat claims the run.
      await b.stores.runLeases?.relinquish(runId, 1);
      const onB = createSseReader(
        await b.client.get('/chat/stream', {
          token: session.token,
          headers: { 'last-event-id': `${runId}:${asked?.id ?? 0}` },
        }),
      );
      const events = eventsOf(await onB.rest());
      await onA.cancel();
      return { a, b, calls, events, runId, token: session.token, call, question, published };
    };

    /** The approvals B's database recorded for the run, once one is there. */
    const recordedApprovals = (gateway: RedisGateway, runId: string, token: string) =>
      waitFor(async () => {
        const body = await jsonOf(await gateway.client.get(`/runs/${runId}/approvals`, { token }));
        const approvals = body['approvals'];
        return Array.isArray(approvals) && approvals.length > 0 ? approvals : undefined;
      });

    const databases: Array<[string, () => Promise<ServerSpec['database']> | undefined]> = [
      ['a memory database', () => Promise.resolve(createMemoryThreadStore() satisfies ThreadStore)],
      ['PostgreSQL', () => postgres?.createDatabase().then((url) => ({ postgres: url }))],
    ];

    it.each(databases)(
      'runs the idempotent tool with the kept approval, without asking again (%s)',
      async (_name, databaseOf) => {
        const database = await databaseOf();
        if (database === undefined) return;
        const { b, calls, events, runId, token } = await answerThenTakeOver(
          {
            toolName: 'read_status',
            question: 'tool_approval_request',
            route: '/chat/tool-approval',
            answer: { approved: true },
          },
          database,
        );
        expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
        expect(events.map((event) => event.type)).toContain('stream_retry');
        expect(events.filter((event) => event.type === 'tool_approval_request')).toEqual([]);
        expect(calls).toEqual(['1:read_status']);
        const results = lastToolResults(b.provider.requests[0]?.messages);
        expect(results.map((block) => [block.tool_use_id, block.is_error === true])).toEqual([
          ['toolu_kept', false],
        ]);
        expect(results[0]?.content).toContain('green');
        const approvals = await recordedApprovals(b, runId, token);
        expect(approvals).toEqual([
          expect.objectContaining({ tool_call_id: 'toolu_kept', decision: 'approved' }),
        ]);
      },
    );

    it('remembers a kept "always allow" for the session, and the instance that acknowledged the answer stops publishing it', async () => {
      const { b, calls, events, call, question, published, token } = await answerThenTakeOver(
        {
          toolName: 'read_status',
          question: 'tool_approval_request',
          route: '/chat/tool-approval',
          answer: { approved: true, allow_tool_type: true },
          turnsOfB: [
            toolCallTurn('read_status', {}, { id: 'toolu_again' }),
            textTurn('Still green.'),
            toolCallTurn('read_status', {}, { id: 'toolu_next_chat' }),
            textTurn('Green again.'),
          ],
        },
        createMemoryThreadStore(),
      );
      expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
      // The second call of the tool is allowed by the kept grant: nobody is asked.
      expect(events.filter((event) => event.type === 'tool_approval_request')).toEqual([]);
      expect(calls).toEqual(['1:read_status', '1:read_status']);
      // So is a later chat of the session: the grant was saved on it, as a live answer's is.
      const laterChat = createSseReader(await b.client.chat(token, 'again'));
      const settled = await laterChat.until((frame) =>
        ['tool_approval_request', 'stream_complete'].includes(frame.event.type),
      );
      await laterChat.cancel();
      expect(eventsOf(settled).at(-1)?.type).toBe('stream_complete');
      expect(calls).toEqual(['1:read_status', '1:read_status', '1:read_status']);
      // The call's tombstone was re-stamped: still answered (a repeat hears 409), under a new nonce.
      const tombstone = await b.stores.pendingAnswers.get(call);
      expect(tombstone?.status).toBe('approval_received');
      expect(tombstone?.nonce).not.toBe(question.nonce);
      // B's outbox sees it and stops: a quiet stretch longer than its longest pause (2 s) comes.
      await waitFor(
        async () => {
          const before = published.count;
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          return published.count === before ? true : undefined;
        },
        { timeoutMs: 15_000 },
      );
    });

    it('denies the call with the kept denial, without asking again', async () => {
      const { a, b, events, runId, token } = await answerThenTakeOver(
        {
          toolName: 'delete_file',
          question: 'tool_approval_request',
          route: '/chat/tool-approval',
          answer: { approved: false },
        },
        createMemoryThreadStore(),
      );
      expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
      expect(events.filter((event) => event.type === 'tool_approval_request')).toEqual([]);
      expect([...a.deleted, ...b.deleted]).toEqual([]);
      const results = lastToolResults(b.provider.requests[0]?.messages);
      expect(results.map((block) => [block.tool_use_id, block.is_error])).toEqual([['toolu_kept', true]]);
      expect(results[0]?.content).toContain('denied');
      const approvals = await recordedApprovals(b, runId, token);
      expect(approvals).toEqual([
        expect.objectContaining({ tool_call_id: 'toolu_kept', decision: 'denied' }),
      ]);
    });

    it('hands the model the kept client-side result, without asking the client again', async () => {
      const { b, events } = await answerThenTakeOver(
        {
          toolName: 'get_location',
          question: 'tool_call_start',
          route: '/chat/tool-result',
          answer: { result: { city: 'Lyon' } },
        },
        createMemoryThreadStore(),
      );
      expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
      const asked = events.filter(
        (event) => event.type === 'tool_call_start' && event.execution_location === 'client',
      );
      expect(asked).toEqual([]);
      const results = lastToolResults(b.provider.requests[0]?.messages);
      expect(results.map((block) => [block.tool_use_id, block.is_error === true])).toEqual([
        ['toolu_kept', false],
      ]);
      expect(results[0]?.content).toContain('Lyon');
    });

    it('reports a non-idempotent call with a kept approval interrupted: its dead instance may have run it', async () => {
      const { a, b, events } = await answerThenTakeOver(
        {
          toolName: 'delete_file',
          question: 'tool_approval_request',
          route: '/chat/tool-approval',
          answer: { approved: true },
        },
        createMemoryThreadStore(),
      );
      expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
      expect(events.filter((event) => event.type === 'tool_approval_request')).toEqual([]);
      expect([...a.deleted, ...b.deleted]).toEqual([]);
      const results = lastToolResults(b.provider.requests[0]?.messages);
      expect(results.map((block) => [block.tool_use_id, block.is_error])).toEqual([['toolu_kept', true]]);
      expect(results[0]?.content).toContain('interrupted');
    });
  },
);
