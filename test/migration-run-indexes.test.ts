import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/database/sql/migrations.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

/*
 * Migration 16: runs keep one owner index (`runs_by_owner_recent` serves what `runs_by_owner_day`
 * did) and their thread index holds only runs with a thread, which thread reads still use.
 */

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('migration 16', () => {
  it('drops the duplicate owner index and keeps thread-less runs out of the thread index', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'agw-migration-16-'));
    folders.push(folder);
    const engine = await createPgliteEngineFromTemplate(folder);
    try {
      await runMigrations(
        engine,
        MIGRATIONS.filter((migration) => migration.version < 16),
      );
      await engine.query(
        `INSERT INTO threads (id, api_key_hash, created_at, updated_at) VALUES ('thr', 'key', 1, 1)`,
      );
      await engine.query(
        `INSERT INTO runs (id, thread_id, api_key_hash, model, status, started_at)
         VALUES ('run_thread', 'thr', 'key', 'm', 'completed', 1), ('run_alone', NULL, 'key', 'm', 'completed', 2)`,
      );
      // Up to 16 only: later migrations are theirs to test.
      expect(
        await runMigrations(
          engine,
          MIGRATIONS.filter((migration) => migration.version <= 16),
        ),
      ).toEqual([16]);

      const indexes = await engine.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'runs' ORDER BY indexname`,
      );
      const names = indexes.rows.map((row) => row.indexname);
      expect(names).toEqual(['runs_by_owner_recent', 'runs_by_thread_recent', 'runs_pkey']);
      expect(indexes.rows.find((row) => row.indexname === 'runs_by_thread_recent')?.indexdef).toMatch(
        /WHERE \(thread_id IS NOT NULL\)/,
      );

      // A thread's runs are read through the partial index (the planner proves thread_id = $1
      // implies NOT NULL), and both runs are still there.
      await engine.query('SET enable_seqscan = off');
      const plan = await engine.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM runs WHERE thread_id = 'thr' ORDER BY started_at DESC, id DESC`,
      );
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('runs_by_thread_recent');
      const runs = await engine.query<{ id: string }>('SELECT id FROM runs ORDER BY id');
      expect(runs.rows.map((row) => row.id)).toEqual(['run_alone', 'run_thread']);
    } finally {
      await engine.close();
    }
  });
});
