import { afterAll, beforeAll } from 'vitest';
import { postgresUnavailableReason, startPostgresServer, type PostgresServer } from './postgres-server.js';

/** A private PostgreSQL server for one test file (`useSharedPostgresServer`). */
export interface SharedPostgresServer {
  /** Why PostgreSQL cannot run here (the file's tests skip), or undefined. */
  unavailable: string | undefined;
  /** A fresh database on the file's server; resolves its URL. */
  createDatabase: () => Promise<string>;
}

/**
 * Starts one private PostgreSQL server for the calling test file (before its tests; destroyed
 * after them). Warns once, and starts nothing, when PostgreSQL is not installed.
 */
export function useSharedPostgresServer(): SharedPostgresServer {
  const unavailable = postgresUnavailableReason();
  if (unavailable !== undefined) console.warn(unavailable);
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    if (unavailable === undefined) postgres = await startPostgresServer();
  }, 60_000);
  afterAll(() => postgres?.destroy());
  return {
    unavailable,
    createDatabase: () => {
      if (postgres === undefined) throw new Error(unavailable ?? 'PostgreSQL server not started');
      return postgres.createDatabase();
    },
  };
}
