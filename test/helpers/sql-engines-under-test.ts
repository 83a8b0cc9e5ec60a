import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { createPgEngine } from '../../src/database/sql/pg-engine.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { postgresUnavailableReason, startPostgresServer } from './postgres-server.js';
import { createPgliteEngineFromTemplate } from './pglite-template.js';

/** An engine opened for one suite, and what closes it (and removes its data). */
export interface OpenedSqlEngine {
  engine: SqlEngine;
  close: () => Promise<void>;
}

/** One engine a suite runs on (`describe.each`), skipped where it cannot run here. */
export interface SqlEngineUnderTest {
  name: string;
  skip: boolean;
  open: () => Promise<OpenedSqlEngine>;
}

/**
 * The two engines a SQL store runs on: the embedded one (PGlite, in a fresh temporary folder
 * named after `folderPrefix`) and PostgreSQL (a private server), skipped when PostgreSQL's
 * binaries are not installed.
 */
export function sqlEnginesUnderTest(folderPrefix: string): SqlEngineUnderTest[] {
  return [
    {
      name: 'embedded (PGlite)',
      skip: false,
      open: async () => {
        const dir = await mkdtemp(join(tmpdir(), folderPrefix));
        const engine = await createPgliteEngineFromTemplate(dir);
        return {
          engine,
          close: async () => {
            await engine.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'PostgreSQL',
      skip: postgresUnavailableReason() !== undefined,
      open: async () => {
        const server = await startPostgresServer();
        const engine = createPgEngine(await server.createDatabase(), { logger: silentLogger });
        return {
          engine,
          close: async () => {
            await engine.close();
            await server.destroy();
          },
        };
      },
    },
  ];
}
