import type { BudgetOverride, BudgetOverrideChange } from '../../core/budget-counter-store.js';
import type { SqlQueryable } from './sql-engine.js';

/** A row of `budget_overrides`. */
export interface OverrideRow {
  scope: string;
  window_kind: BudgetOverride['window'];
  limit_usd: number;
  time_zone: string | null;
  soft_at_percent: number | null;
}

/** A `budget_overrides` row as the override it stores. */
export const overrideOfRow = (row: OverrideRow): BudgetOverride => ({
  scope: row.scope,
  window: row.window_kind,
  limitUsd: Number(row.limit_usd),
  timeZone: row.time_zone ?? undefined,
  softAtPercent: row.soft_at_percent ?? undefined,
});

/** The runtime limit overrides of `scopes` (`budget_overrides`). */
export async function readSqlOverrides(
  engine: SqlQueryable,
  scopes: readonly string[],
): Promise<BudgetOverride[]> {
  const found = await engine.query<OverrideRow>(
    'SELECT * FROM budget_overrides WHERE scope = ANY($1::text[])',
    [scopes],
    'budget_read_overrides',
  );
  return found.rows.map(overrideOfRow);
}

/** Sets one scope's override of one window, or deletes it (`limitUsd: null`). */
export async function writeSqlOverride(engine: SqlQueryable, change: BudgetOverrideChange): Promise<void> {
  if (change.limitUsd === null) {
    await engine.query('DELETE FROM budget_overrides WHERE scope = $1 AND window_kind = $2', [
      change.scope,
      change.window,
    ]);
    return;
  }
  await engine.query(
    `INSERT INTO budget_overrides (scope, window_kind, limit_usd, time_zone, soft_at_percent)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (scope, window_kind) DO UPDATE SET limit_usd = EXCLUDED.limit_usd,
       time_zone = EXCLUDED.time_zone, soft_at_percent = EXCLUDED.soft_at_percent`,
    [change.scope, change.window, change.limitUsd, change.timeZone ?? null, change.softAtPercent ?? null],
  );
}
