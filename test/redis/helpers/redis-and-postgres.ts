import { beforeAll, afterAll } from 'vitest';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from '../../helpers/postgres-server.js';
import { redisUnavailableReason, startRedisServer, type RedisServerProcess } from './start-redis-server.js';

/** Why a test of instances on Redis and PostgreSQL cannot run here (a server missing), or undefined. */
export const redisAndPostgresUnavailableReason = (): string | undefined =>
  redisUnavailableReason() ?? postgresUnavailableReason();

/** The private servers `useRedisAndPostgres` started for a describe block. */
export interface RedisAndPostgres {
  readonly redis: RedisServerProcess;
  readonly postgres: PostgresServer;
}

/**
 * Starts a private Redis server and a private PostgreSQL server before the tests of the calling
 * describe block and stops them after; read them from the returned object inside the tests.
 */
export function useRedisAndPostgres(): RedisAndPostgres {
  let redis: RedisServerProcess | undefined;
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    postgres = await startPostgresServer();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    await postgres?.destroy();
  });
  return {
    get redis() {
      if (redis === undefined) throw new Error('the Redis server is not started (outside a test?)');
      return redis;
    },
    get postgres() {
      if (postgres === undefined) throw new Error('the PostgreSQL server is not started (outside a test?)');
      return postgres;
    },
  };
}
