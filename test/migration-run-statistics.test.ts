import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadOwner } from '../src/core/thread-store.js';
import { ownerPageQuery } from '../src/database/sql/owner-page-query.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { RUN_COLUMNS } from '../src/database/sql/sql-rows.js';
import { sqlEnginesUnderTest } from './helpers/sql-engines-under-test.js';

/*
 * Migration 22: ANALYZE keeps statistics of the runs' columns that reads find, order or group
 * runs by, and none of the others; every read of runs by owner, thread or id still goes through
 * an index (the plans of a table analyzed with the migration applied).
 */

const owner: ThreadOwner = { apiKeyHash: 'key', user: 'c3' };
/** Columns no statement filters, orders or groups runs on. */
const UNFILTERED = [
  'model',
  'outcome_code',
  'turns',
  'usage',
  'estimated_cost_usd',
  'ended_at',
  'multitask_strategy',
  'interrupted_run_id',
];

/** The engines the suite runs on: the embedded one, and PostgreSQL when installed. */
const engines = sqlEnginesUnderTest('agw-migration-22-');

describe.each(engines)('migration 22 (lean statistics of runs) on $name', ({ skip, open }) => {
  let opened: { engine: SqlEngine; close: () => Promise<void> } | undefined;
  let engine: SqlEngine;
  /** The plan of `text` with `params`, as one text. */
  const planOf = async (text: string, params: unknown[]): Promise<string> => {
    const plan = await engine.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params);
    return plan.rows.map((row) => row['QUERY PLAN']).join('\n');
  };

  beforeAll(async () => {
    if (skip) return;
    opened = await open();
    engine = opened.engine;
    await runMigrations(engine);
    // 32 owners' runs without a thread, and one owner's runs in 8 threads, as a gateway writes them.
    await engine.query(
      `INSERT INTO threads (id, api_key_hash, user_id, created_at, updated_at)
       SELECT 'thr_' || g, 'key', 'c3', 1, 1 FROM generate_series(0, 7) g`,
    );
    await engine.query(
      `INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, outcome_code, turns, usage,
         estimated_cost_usd, started_at, ended_at)
       SELECT 'run_' || g, CASE WHEN g % 10 = 0 THEN 'thr_' || (g % 8) END, 'key',
         CASE WHEN g % 10 = 0 THEN 'c3' ELSE 'c' || (g % 32) END, 'model-' || (g % 3),
         CASE WHEN g % 7 = 0 THEN 'failed' ELSE 'completed' END, NULL, 1,
         jsonb_build_object('input_tokens', g, 'output_tokens', g * 2), 0.001, 1000 + g, 1005 + g
       FROM generate_series(1, 4000) g`,
    );
    await engine.query('ANALYZE runs');
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
  }, 60_000);

  it.skipIf(skip)('keeps statistics of the columns reads find runs by, and none of the others', async () => {
    const found = await engine.query<{ attname: string }>(
      `SELECT attname FROM pg_stats WHERE tablename = 'runs' ORDER BY attname`,
    );
    expect(found.rows.map((row) => row.attname)).toEqual([
      'api_key_hash',
      'id',
      'started_at',
      'status',
      'thread_id',
      'user_id',
    ]);
    const targets = await engine.query<{ attname: string; target: number }>(
      `SELECT attname, attstattarget::int AS target FROM pg_attribute
       WHERE attrelid = 'runs'::regclass AND attname = ANY($1::text[])`,
      [UNFILTERED],
    );
    expect(targets.rows).toHaveLength(UNFILTERED.length);
    for (const row of targets.rows) expect(row).toEqual({ attname: row.attname, target: 0 });
  });

  it.skipIf(skip)('still reads an owner’s runs, newest first, through the owner index', async () => {
    for (const equal of [{}, { status: 'completed' }, { status: 'failed' }]) {
      const { text, params } = ownerPageQuery({
        columns: RUN_COLUMNS,
        table: 'runs',
        owner,
        equal,
        order: 'started_at, id',
        limit: 20,
      });
      const plan = await planOf(text, params);
      expect(plan).toContain('runs_by_owner_recent');
      expect(plan).not.toContain('Seq Scan');
    }
    const usage = await planOf('SELECT * FROM run_usage_by_owner WHERE api_key_hash = $1 AND user_id = $2', [
      owner.apiKeyHash,
      owner.user,
    ]);
    expect(usage).toContain('runs_by_owner_recent');
    expect(usage).not.toContain('Seq Scan');
  });

  it.skipIf(skip)('still reads a run by id, and a thread’s runs, through an index', async () => {
    const byId = await planOf(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1 AND api_key_hash = $2 AND user_id = $3`,
      ['run_42', owner.apiKeyHash, owner.user],
    );
    expect(byId).toContain('runs_pkey');
    const ofThread = await planOf(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE thread_id = $1 AND api_key_hash = $2 AND user_id = $3
       ORDER BY started_at DESC, id DESC LIMIT 21`,
      ['thr_2', owner.apiKeyHash, owner.user],
    );
    expect(ofThread).toMatch(/runs_by_thread_recent|runs_by_owner_recent/);
    expect(ofThread).not.toContain('Seq Scan');
  });
});
