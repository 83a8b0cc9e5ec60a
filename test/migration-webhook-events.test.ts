import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/database/sql/migrations.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlBackgroundRunStore } from '../src/database/sql/sql-background-run-store.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

/*
 * Migration 12 on the embedded engine: webhook events that a gateway on an older schema kept
 * in a background run's metadata (under `$webhook_events`) move to their own column, and the
 * caller's metadata is left as the caller wrote it.
 */

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('migration 12', () => {
  it('moves webhook events out of a background run’s metadata into their own column', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'agw-migration-12-'));
    folders.push(folder);
    const engine = await createPgliteEngineFromTemplate(folder);
    try {
      await runMigrations(
        engine,
        MIGRATIONS.filter((migration) => migration.version < 12),
      );
      // Written as a gateway on schema version 10 wrote it.
      await engine.query(
        `INSERT INTO background_runs (run_id, api_key_hash, user_id, session_id, thread_id, metadata,
           webhook_url, webhook_secret, schedule_id, created_at)
         VALUES ('run_old', 'key', NULL, 'sess', NULL, $1::jsonb, 'https://example.test/hook', NULL, NULL, 1)`,
        [JSON.stringify({ job: 7, $webhook_events: ['run.approval_requested', 'run.ended'] })],
      );
      expect(
        await runMigrations(
          engine,
          MIGRATIONS.filter((migration) => migration.version <= 12),
        ),
      ).toEqual([12]);
      // The store of today reads the schema of today: the later migrations first.
      await runMigrations(engine);
      const store = createSqlBackgroundRunStore(engine);
      const run = await store.get({ apiKeyHash: 'key' }, 'run_old');
      expect(run?.metadata).toEqual({ job: 7 });
      expect(run?.webhook?.events).toEqual(['run.approval_requested', 'run.ended']);

      // Metadata may now use that key: it is the caller's, not the webhook's.
      await store.record({
        runId: 'run_new',
        owner: { apiKeyHash: 'key' },
        sessionId: 'sess',
        threadId: null,
        metadata: { $webhook_events: 'mine' },
        webhook: { url: 'https://example.test/hook' },
        createdAt: 2,
      });
      const recorded = await store.get({ apiKeyHash: 'key' }, 'run_new');
      expect(recorded?.metadata).toEqual({ $webhook_events: 'mine' });
      expect(recorded?.webhook?.events).toBeUndefined();
    } finally {
      await engine.close();
    }
  });
});
