import { describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import type { Migration } from './migrations.js';
import type { SqlQueryable, SqlResult } from './sql-engine.js';
import { waitForSchema } from './wait-for-schema.js';

const migrations: Migration[] = [
  { version: 1, name: 'one', sql: 'SELECT 1' },
  { version: 2, name: 'two', sql: 'SELECT 2' },
];

/** A database whose `schema_migrations` holds `applied()` (no table while it is undefined). */
const databaseWith = (applied: () => number[] | undefined): SqlQueryable => ({
  query<Row>(text: string): Promise<SqlResult<Row>> {
    const versions = applied();
    const rows = text.includes('to_regclass')
      ? [{ name: versions === undefined ? null : 'schema_migrations' }]
      : (versions ?? []).map((version) => ({ version }));
    return Promise.resolve({ rows: rows as Row[], rowCount: rows.length });
  },
});

describe('waitForSchema', () => {
  it('resolves at once when every migration of this build is applied', async () => {
    const waiting: number[][] = [];
    await waitForSchema(
      databaseWith(() => [1, 2]),
      {
        migrations,
        onWaiting: (found, known) => waiting.push([found, known]),
      },
    );
    expect(waiting).toEqual([]);
  });

  it('waits, saying so once, until someone else applies the migrations', async () => {
    vi.useFakeTimers();
    try {
      let applied: number[] | undefined;
      const waiting: number[][] = [];
      let done = false;
      const wait = waitForSchema(
        databaseWith(() => applied),
        { migrations, pollIntervalMs: 1_000, onWaiting: (found, known) => waiting.push([found, known]) },
      ).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(1_000);
      applied = [1];
      await vi.advanceTimersByTimeAsync(1_000);
      expect(done).toBe(false);
      expect(waiting).toEqual([[0, 2]]);
      applied = [1, 2];
      await vi.advanceTimersByTimeAsync(1_000);
      await wait;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a schema newer than this build with schema_too_new, naming both versions', async () => {
    const refusal = waitForSchema(
      databaseWith(() => [1, 2, 3]),
      { migrations },
    );
    await expect(refusal).rejects.toBeInstanceOf(GatewayError);
    const error = await refusal.catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'schema_too_new' });
    expect(String(error)).toContain('schema is at version 3, newer than this gateway knows (2)');
  });

  it('ends with aborted when its signal is aborted while it waits', async () => {
    const controller = new AbortController();
    const wait = waitForSchema(
      databaseWith(() => []),
      { migrations, signal: controller.signal, pollIntervalMs: 60_000 },
    );
    controller.abort();
    await expect(wait).rejects.toMatchObject({ code: 'aborted' });
  });
});
