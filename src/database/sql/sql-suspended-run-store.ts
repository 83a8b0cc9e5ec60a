import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { SqlEngine } from './sql-engine.js';
import { createSqlExecutionClaims } from './sql-execution-claims.js';
import { createSqlSuspendedCalls } from './sql-suspended-calls.js';
import { createSqlSuspendedRunResumption } from './sql-suspended-run-resumption.js';
import { createSqlSuspendedRunWrites } from './sql-suspended-run-writes.js';

/**
 * Suspended runs in the SQL store (tables `suspended_runs` and `suspended_calls`). An answer is
 * stored with a conditional UPDATE (`answer IS NULL`), a resumption claimed with a conditional
 * UPDATE on the claim's lease, so racing instances agree without locks held across calls.
 * Composed of its writes (`sql-suspended-run-writes.ts`), its calls' answers
 * (`sql-suspended-calls.ts`), its resumption (`sql-suspended-run-resumption.ts`) and the
 * execution claims of approved calls (`sql-execution-claims.ts`).
 */
export function createSqlSuspendedRunStore(engine: SqlEngine): SuspendedRunStore {
  return {
    ...createSqlSuspendedRunWrites(engine),
    ...createSqlSuspendedCalls(engine),
    ...createSqlSuspendedRunResumption(engine),
    ...createSqlExecutionClaims(engine),
  };
}
