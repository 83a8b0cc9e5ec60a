import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
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
import {
  payerSession,
  startChargeCardInstances,
  type ChargeCardDatabase,
} from './helpers/charge-card-instances.js';

/*
 * Two answers to one approval, a denial and an approval sent from two instances sharing Redis
 * and one database, aimed at the moment the run is suspended: exactly one is acknowledged
 * (200 or 202), the other is refused (409, or 404 while the call still waited in memory for the
 * session that asked), and the acknowledged one is the one that took effect, in the tool's calls
 * (never twice) and in the audit. Behaviour only: each round aims at a different moment, and
 * whatever moment it hit, the outcome must be one of the allowed ones.
 */

const redisSkip = redisUnavailableReason();
if (redisSkip !== undefined) console.warn(redisSkip);
const postgresSkip = postgresUnavailableReason();

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const ROUNDS = Number(process.env.ANSWER_RACE_ROUNDS ?? 24);
const SUSPEND_AFTER_MS = 120;
/**
 * Far beyond a round: no scan resumes a run here, so an acknowledged answer must take effect by
 * itself (a resumption that waited on the scan would fail the round).
 */
const SCAN_INTERVAL_MS = 600_000;

/** Two instances on one Redis (a fresh key prefix) and one database; `charged` lists every charge. */
async function startTwoInstances(redisUrl: string, database: () => ChargeCardDatabase) {
  const charged: { instance: number; cents: number }[] = [];
  const { a, b } = await startChargeCardInstances(cleanup, {
    redisUrl,
    keyPrefix: 'race',
    callIdPrefix: 'r',
    database,
    logger: roundLogger,
    suspendAfterMs: SUSPEND_AFTER_MS,
    suspendedRunScanIntervalMs: SCAN_INTERVAL_MS,
    onCharge: (instance, cents) => charged.push({ instance, cents }),
    onError: (instance) => (error, where) =>
      roundLog.push(`instance ${instance} onError ${where}: ${String(error)}`),
  });
  return { a, b, charged };
}

/** The log lines of the current round, both instances (printed when the round fails). */
const roundLog: string[] = [];
const roundLogger = (instance: number): Logger => {
  const line = (level: string) => (message: string, details?: Record<string, unknown>) => {
    // The test's own polling would drown the rest.
    if (message === 'request' && details?.['route'] === '/api/runs/:id') return;
    roundLog.push(`${Date.now()} instance ${instance} ${level} ${message} ${JSON.stringify(details ?? {})}`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
};
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function raceOneRound(
  { a, b, charged }: Awaited<ReturnType<typeof startTwoInstances>>,
  round: number,
): Promise<string> {
  roundLog.length = 0;
  const token = await payerSession(a);
  // The payer's other device, connected to the other instance.
  const otherToken = await payerSession(b);
  const response = await a.chat(token, {
    messages: [{ role: 'user', content: `charge ${round}` }],
    thread_id: `thr_race_${round}`,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  const ended = reader
    .rest()
    .then((frames) =>
      eventsOf(frames).some((event) => event.type === 'error' && event.code === 'run_suspended')
        ? 'suspended'
        : 'live',
    );
  // Aim at the suspension moment, a little before or after it as the round goes.
  await delay(SUSPEND_AFTER_MS - 40 + ((round * 13) % 90));
  const answer = (approved: boolean, gateway: GatewayClient, from: string) =>
    gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved },
      { token: from },
    );
  // A denial from the device that asked and an approval from the other device, each through
  // either instance as the round goes, a few ms apart, in either order.
  const denialVia = round % 4 < 2 ? a : b;
  const approvalVia = denialVia === a ? b : a;
  const gap = delay((round * 3) % 12);
  const [denial, approval] =
    round % 2 === 0
      ? await Promise.all([
          answer(false, denialVia, token),
          gap.then(() => answer(true, approvalVia, otherToken)),
        ])
      : await Promise.all([
          gap.then(() => answer(false, denialVia, token)),
          answer(true, approvalVia, otherToken),
        ]);
  const statuses = `round ${round}: denial ${denial.status}, approval ${approval.status}`;
  const acknowledged = [denial.status, approval.status].filter((status) => status === 200 || status === 202);
  expect(acknowledged, statuses).toHaveLength(1);
  const refused = [denial.status, approval.status].filter((status) => status === 409 || status === 404);
  expect(refused, statuses).toHaveLength(1);
  const approvedWon = approval.status < 300;
  const path = await ended;
  let last: unknown;
  await waitFor(
    async () => {
      const run = await jsonOf(await b.get(`/runs/${runId}`, { token }));
      last = run['status'];
      return run['status'] === 'completed' ? true : undefined;
    },
    { timeoutMs: 20_000, description: () => `${statuses}: the run to complete (${String(last)})` },
  );
  const charges = charged.filter((charge) => charge.cents === round);
  expect(charges, `${statuses}: the card is charged once iff the approval was acknowledged`).toHaveLength(
    approvedWon ? 1 : 0,
  );
  // The audit is written off the run's path: it shows up, with the decision that took effect.
  const approvals = await waitFor(
    async () => {
      const audit = await jsonOf(await a.get(`/runs/${runId}/approvals`, { token }));
      return Array.isArray(audit['approvals']) && audit['approvals'].length > 0
        ? audit['approvals']
        : undefined;
    },
    { timeoutMs: 10_000, description: `${statuses}: the audit` },
  );
  expect(approvals, statuses).toMatchObject([
    { tool_call_id: `toolu_r${round}`, decision: approvedWon ? 'approved' : 'denied' },
  ]);
  return `${statuses} (${path})`;
}

async function raceEveryRound(redisUrl: string, database: () => ChargeCardDatabase) {
  const instances = await startTwoInstances(redisUrl, database);
  const outcomes: string[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    try {
      outcomes.push(await raceOneRound(instances, round));
    } catch (error) {
      console.log(`the logs of the round that failed:\n${roundLog.join('\n')}`);
      throw error;
    }
  }
  if (process.env.ANSWER_RACE_REPORT !== undefined) console.log(outcomes.join('\n'));
  return outcomes;
}

describe.skipIf(redisSkip !== undefined)('two answers from two instances racing a suspension', () => {
  let redis: RedisServerProcess;
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    if (postgresSkip === undefined) postgres = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
    await postgres?.destroy();
  }, 60_000);

  it('acknowledge exactly one answer, the one that took effect (one shared memory database)', async () => {
    const database = createMemoryThreadStore();
    await raceEveryRound(redis.url, () => database);
  }, 240_000);

  it.skipIf(postgresSkip !== undefined)(
    'acknowledge exactly one answer, the one that took effect (PostgreSQL)',
    async () => {
      const url = await postgres?.createDatabase();
      if (url === undefined) throw new Error('no PostgreSQL server');
      await raceEveryRound(redis.url, () => ({ postgres: url }));
    },
    240_000,
  );
});
