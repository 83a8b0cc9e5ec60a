import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { memberHook } from '../helpers/member-hook.js';
import { approverRole as approverRoleOf } from '../helpers/approver-role.js';
import { bearerRequest } from '../helpers/bearer-request.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { useSharedPostgresServer } from '../helpers/shared-postgres-server.js';
import { createSseReader } from '../helpers/sse-reader.js';
import { createNamedSseReader } from '../helpers/named-sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways, type RedisGateway } from './helpers/start-redis-gateways.js';

/*
 * The approvals inbox across two instances on Redis and one PostgreSQL: a call waiting on A
 * (live, or suspended in the database) is listed on B to its requester and to an approver of
 * its tenant, answered there by approval id, runs once, and leaves every list on both.
 */

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);
const postgres = useSharedPostgresServer();

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const approverRole = approverRoleOf('delete_file', 'approve:files');

const ADA = 'tm:acme:ada:';
const EVE = 'tm:acme:eve:approve:files';
const BOB = 'tm:acme:bob:';
const CARL = 'tm:globex:carl:approve:files';

const call = (gateway: RedisGateway, method: string, path: string, token: string, body?: unknown) =>
  bearerRequest(gateway.client.baseUrl, method, path, token, body);

const inboxOf = async (gateway: RedisGateway, token: string, query = 'scope=tenant') => {
  const response = await call(gateway, 'GET', `/approvals?${query}`, token);
  expect(response.status).toBe(200);
  return (await jsonOf(response))['approvals'] as Array<Record<string, unknown>>;
};

describe.skipIf(skipReason !== undefined || postgres.unavailable !== undefined)(
  'the approvals inbox across two instances',
  () => {
    let redis: RedisServerProcess;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis.stop();
    });

    const startPair = async (server: { suspendAfterMs?: number }) => {
      const url = await postgres.createDatabase();
      const [a, b] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_x' }), textTurn('Deleted /tmp/x.')],
          [textTurn('Deleted /tmp/x.')],
        ],
        server: {
          database: { postgres: url },
          auth: { authenticate: memberHook },
          authorize: approverRole,
          requireDistinctApprover: ['delete_file'],
          suspendedRunScanIntervalMs: 60_000,
          ...server,
        },
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      // An approver follows the inbox on B while the call is requested on A.
      const stream = createNamedSseReader(await call(b, 'GET', '/approvals/stream?scope=tenant', EVE));
      cleanup.add(stream, (opened) => opened.cancel());
      const chat = await call(a, 'POST', '/chat', ADA, {
        messages: [{ role: 'user', content: 'delete /tmp/x' }],
        thread_id: 'thr_inbox_instances',
      });
      const reader = createSseReader(chat);
      cleanup.add(reader, (open) => open.cancel());
      await reader.nextOfType('tool_approval_request');
      expect(await stream.next()).toMatchObject({
        event: 'approval_requested',
        data: { tool: 'delete_file', input: { path: '/tmp/x' }, state: 'live' },
      });
      return { a, b, reader, stream };
    };

    /** The checks of every case: who sees it on both instances, who may answer it, and once. */
    const answerOnB = async (a: RedisGateway, b: RedisGateway, state: 'live' | 'suspended') => {
      const listed = await inboxOf(b, EVE);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ tool: 'delete_file', input: { path: '/tmp/x' }, state });
      expect(await inboxOf(a, EVE)).toEqual(listed);
      expect(await inboxOf(b, ADA, 'scope=own')).toEqual(listed);
      expect(await inboxOf(b, BOB)).toEqual([]);
      expect(await inboxOf(b, CARL)).toEqual([]);
      const answer = (token: string) =>
        call(b, 'POST', `/approvals/${String(listed[0]?.['approval_id'])}/answer`, token, { approved: true });
      expect((await answer(CARL)).status).toBe(404);
      expect((await answer(ADA)).status).toBe(403);
      expect((await answer(EVE)).status).toBe(200);
      expect((await answer(EVE)).status).toBe(409);
      for (const gateway of [a, b]) {
        expect(await inboxOf(gateway, EVE)).toEqual([]);
        expect(await inboxOf(gateway, ADA, 'scope=own')).toEqual([]);
      }
    };

    it('answers a call waiting live on A from B, by approval id', async () => {
      const { a, b, reader, stream } = await startPair({});
      await answerOnB(a, b, 'live');
      expect(await stream.next()).toMatchObject({
        event: 'approval_answered',
        data: { answer: { decision: 'approved' } },
      });
      await reader.rest();
      expect([...a.deleted, ...b.deleted]).toEqual(['/tmp/x']);
    });

    it('answers a call of a run suspended by A from B, and the run resumes', async () => {
      const { a, b, reader } = await startPair({ suspendAfterMs: 150 });
      expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
      await answerOnB(a, b, 'suspended');
      await waitFor(() => Promise.resolve([...a.deleted, ...b.deleted].length > 0 ? true : undefined));
      expect([...a.deleted, ...b.deleted]).toEqual(['/tmp/x']);
    });
  },
);
