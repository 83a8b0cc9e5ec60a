import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/database/sql/migrations.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { builtIndex } from './helpers/built-cli.js';
import { spawnServe } from './helpers/spawn-serve.js';

const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const run = promisify(execFile);
const cliEntry = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const known = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** `agent-gateway migrate --database-url <url>` from source: its exit code and output. */
async function migrate(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', tsxLoader, cliEntry, 'migrate', '--database-url', url],
      { env: { ...process.env, DATABASE_URL: '' }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The rows of `schema_migrations` in the database at `url`. */
async function appliedMigrations(url: string): Promise<Array<{ version: number; count: number }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ version: number; count: string }>(
      'SELECT version, count(*) AS count FROM schema_migrations GROUP BY version ORDER BY version',
    );
    return result.rows.map((row) => ({ version: row.version, count: Number(row.count) }));
  } finally {
    await client.end();
  }
}

/** Records a migration of a newer build, as if a newer gateway had migrated the database. */
async function markNewerSchema(url: string, version: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      version,
      'a migration of a newer gateway',
      Date.now(),
    ]);
  } finally {
    await client.end();
  }
}

describe.skipIf(unavailable !== undefined)(
  'migrations when instances start together',
  { timeout: 300_000 },
  () => {
    const cleanup = createCleanupStack();
    let postgres: PostgresServer;
    let project: string;

    beforeAll(async () => {
      postgres = await startPostgresServer();
      project = await mkdtemp(join(tmpdir(), 'deploy-migrations-'));
    }, 120_000);

    afterAll(async () => {
      await cleanup.run();
      await postgres?.destroy();
      if (project !== undefined) await rm(project, { recursive: true, force: true });
    });

    /** An agent module on the database at `url`, written into the project folder. */
    const agentOn = async (name: string, url: string): Promise<string> => {
      await writeFile(
        join(project, name),
        `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You are a test agent.',
  server: { database: { postgres: ${JSON.stringify(url)} }, jwtSecret: 'migrations-secret' },
});
`,
      );
      return name;
    };

    it('three serve processes started together on a fresh database apply each migration once and all become ready', async () => {
      const url = await postgres.createDatabase();
      const agent = await agentOn('three.ts', url);
      const instances = await Promise.all(
        [0, 1, 2].map(async () => cleanup.add(await spawnServe(project, agent), (each) => each.stop())),
      );
      for (const instance of instances) {
        const ready = await instance.client.get('/health/ready');
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({ status: 'ready' });
      }
      expect(await appliedMigrations(url)).toEqual(
        MIGRATIONS.map((migration) => ({ version: migration.version, count: 1 })),
      );
      await Promise.all(instances.map((instance) => instance.stop()));
    });

    it('migrate applies the migrations of a fresh database and exits 0, then finds it up to date', async () => {
      const url = await postgres.createDatabase();
      const first = await migrate(url);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`schema version ${known}`);
      expect(first.stdout).toMatch(/applied \d+ migration/);
      const again = await migrate(url);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`is up to date (schema version ${known})`);
      expect((await appliedMigrations(url)).every((row) => row.count === 1)).toBe(true);
    });

    it('an older build refuses a newer schema with a message naming both versions, and migrate exits 1', async () => {
      const url = await postgres.createDatabase();
      expect((await migrate(url)).code).toBe(0);
      const newer = known + 1;
      await markNewerSchema(url, newer);
      const refusal = `the database schema is at version ${newer}, newer than this gateway knows (${known})`;

      const migrated = await migrate(url);
      expect(migrated.code).toBe(1);
      expect(migrated.stderr).toContain('(schema_too_new)');
      expect(migrated.stderr).toContain(refusal);

      const agent = await agentOn('older.ts', url);
      const started = await spawnServe(project, agent).then(
        (instance) => cleanup.add(instance, (each) => each.stop()),
        (error: unknown) => error,
      );
      expect(started).toBeInstanceOf(Error);
      expect(String(started)).toContain(refusal);
    });

    it('migrate exits 1 with the reason when the database cannot be reached', async () => {
      const result = await migrate('postgres://postgres@127.0.0.1:1/nowhere');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('(store_unavailable)');
    });
  },
);
