import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from '../helpers/postgres-server.js';
import { raceApprovalsAtSuspension, type RaceTally } from './helpers/approval-at-suspension.js';
import { startChargeCardInstances, type ChargeCardDatabase } from './helpers/charge-card-instances.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

/*
 * The suspension-moment race, hammered: an approval and a denial aimed around the moment each
 * run is suspended, hundreds of rounds, batches of rounds at once. Whatever moment a round hit,
 * the card is charged once if the approval was acknowledged and never otherwise, and never
 * twice: on one instance with the embedded database, and across two instances on Redis and
 * PostgreSQL (`server.store: { redis }` plus `server.database: { postgres }`, the README's
 * multi-instance setup). APPROVAL_RACE_ROUNDS sets the rounds (500 by default).
 */

const ROUNDS = Number(process.env.APPROVAL_RACE_ROUNDS ?? 500);
const BATCH = 10;
const SUSPEND_AFTER_MS = 100;
/** Far beyond a round: an acknowledged answer takes effect without a scan. */
const SCAN_INTERVAL_MS = 600_000;

const redisSkip = redisUnavailableReason();
const postgresSkip = postgresUnavailableReason();
const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

async function hammer(
  redisUrl: string | undefined,
  database: ChargeCardDatabase,
  setup: string,
): Promise<RaceTally> {
  const charged: { cents: number }[] = [];
  const errors: string[] = [];
  const { a, b } = await startChargeCardInstances(cleanup, {
    ...(redisUrl === undefined ? {} : { redisUrl }),
    keyPrefix: 'suspension-race',
    callIdPrefix: 'r',
    database: () => database,
    logger: () => quiet,
    suspendAfterMs: SUSPEND_AFTER_MS,
    suspendedRunScanIntervalMs: SCAN_INTERVAL_MS,
    onCharge: (_instance, cents) => charged.push({ cents }),
    onError: (instance) => (error, where) => errors.push(`instance ${instance} ${where}: ${String(error)}`),
  });
  const started = performance.now();
  const tally = await raceApprovalsAtSuspension(
    { a, b, charged },
    {
      rounds: ROUNDS,
      batch: BATCH,
      suspendAfterMs: SUSPEND_AFTER_MS,
    },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const approved = tally.outcomes.filter((outcome) => outcome.approvalStatus < 300).length;
  console.log(
    `${setup}: ${tally.rounds} rounds in ${seconds} s, ${approved} approvals acknowledged, ` +
      `${tally.doubleExecutions} double executions, ${tally.wrongOutcomes} wrong outcomes, ` +
      `${tally.notResumed} answers with resumed: false`,
  );
  expect(errors).toEqual([]);
  return tally;
}

const expectNoDoubleExecution = (tally: RaceTally) => {
  const wrong = tally.outcomes.filter(
    (outcome) => outcome.charges !== (outcome.approvalStatus < 300 ? 1 : 0),
  );
  expect(wrong).toEqual([]);
  expect(tally).toMatchObject({
    rounds: ROUNDS,
    doubleExecutions: 0,
    wrongOutcomes: 0,
    wrongAcknowledgements: 0,
  });
};

describe('an approval and a denial aimed at the suspension moment, round after round', () => {
  it('charge the card once iff the approval was acknowledged, never twice (one instance, embedded database)', async () => {
    const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'suspension-race-')), (folder) =>
      rm(folder, { recursive: true, force: true }),
    );
    expectNoDoubleExecution(await hammer(undefined, { embedded: { dir } }, 'one instance, embedded'));
  }, 600_000);

  describe.skipIf(redisSkip !== undefined || postgresSkip !== undefined)('across two instances', () => {
    let redis: RedisServerProcess;
    let postgres: PostgresServer;
    beforeAll(async () => {
      redis = await startRedisServer();
      postgres = await startPostgresServer();
    }, 180_000);
    afterAll(async () => {
      await redis?.stop();
      await postgres?.destroy();
    }, 60_000);

    it('charge the card once iff the approval was acknowledged, never twice (Redis and PostgreSQL)', async () => {
      const url = await postgres.createDatabase();
      expectNoDoubleExecution(
        await hammer(redis.url, { postgres: url }, 'two instances, Redis + PostgreSQL'),
      );
    }, 600_000);
  });
});
