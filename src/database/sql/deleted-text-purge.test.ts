import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BATCH_STATEMENT } from './budget-batch-statement.js';
import { purgeAfterDeletes } from './deleted-text-purge.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';

/** An engine that answers every statement with `rowCount` rows and records what it was sent. */
function recordingEngine(rowCount: number): { engine: SqlEngine; sent: string[] } {
  const sent: string[] = [];
  const queryable: SqlQueryable = {
    query: <Row>(text: string) => {
      sent.push(text);
      return Promise.resolve({ rows: [] as Row[], rowCount });
    },
  };
  const engine: SqlEngine = {
    ...queryable,
    kind: 'embedded',
    location: 'memory',
    transaction: (work) => work(queryable),
    close: () => Promise.resolve(),
  };
  return { engine, sent };
}

const purged = (sent: readonly string[]): boolean => sent.some((text) => text.startsWith('VACUUM FULL'));

describe('the deleted-text purge', () => {
  it('purges after a delete from a table with text, in a statement or a transaction', async () => {
    for (const viaTransaction of [false, true]) {
      const { engine, sent } = recordingEngine(1);
      const purging = purgeAfterDeletes(engine, { delayMs: 1 });
      const text = 'DELETE FROM threads WHERE id = $1';
      if (viaTransaction) await purging.transaction((tx) => tx.query(text, ['t1']));
      else await purging.query(text, ['t1']);
      await sleep(30);
      expect(purged(sent)).toBe(true);
      expect(sent.filter((line) => line === 'CHECKPOINT')).toHaveLength(2);
      await purging.close();
    }
  });

  it("schedules none for the budget batch's deletes of reservation rows, which hold no text", async () => {
    const { engine, sent } = recordingEngine(3);
    const purging = purgeAfterDeletes(engine, { delayMs: 1 });
    await purging.query(BATCH_STATEMENT, ['[]', '{}', '[]', '{}', '{}'], 'budget_write_batch');
    await purging.query('DELETE FROM session_revocations WHERE expires_at < $1', [1]);
    await purging.query('DELETE FROM budget_overrides WHERE scope = $1', ['tenant:acme']);
    await sleep(30);
    expect(purged(sent)).toBe(false);
    await purging.close();
    expect(purged(sent)).toBe(false);
  });

  it('purges when a statement deletes from a table with text beside one without', async () => {
    const { engine, sent } = recordingEngine(1);
    const purging = purgeAfterDeletes(engine, { delayMs: 1 });
    await purging.query(
      'WITH gone AS (DELETE FROM budget_reservations RETURNING 1) DELETE FROM suspended_runs WHERE id = $1',
      ['r1'],
    );
    await sleep(30);
    expect(purged(sent)).toBe(true);
    await purging.close();
  });
});
