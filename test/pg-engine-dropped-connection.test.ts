import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { silentLogger } from '../src/core/logger.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';

const skipReason = postgresUnavailableReason();

describe.skipIf(skipReason !== undefined)(
  'PostgreSQL engine when the server cuts a connection in use',
  () => {
    let server: PostgresServer;
    beforeAll(async () => {
      server = await startPostgresServer();
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('fails the transaction and logs the cut, instead of throwing it at the process', async () => {
      const url = await server.createDatabase();
      const warnings: string[] = [];
      const logger: Logger = { ...silentLogger, warn: (message) => void warnings.push(message) };
      const engine = createPgEngine(url, { logger, maxConnections: 2 });
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown): void => void uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        const attempt = engine.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          // Another connection terminates this one while the transaction holds it.
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.query('SELECT 1');
        });
        await expect(attempt).rejects.toThrow();
        // The pool still serves: the cut connection was discarded, not given back.
        expect((await engine.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        expect(uncaught).toEqual([]);
        expect(warnings.some((warning) => warning.includes('connection'))).toBe(true);
      } finally {
        process.off('uncaughtException', onUncaught);
        await admin.end();
        await engine.close();
      }
    });
  },
);
