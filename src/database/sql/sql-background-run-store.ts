import type { BackgroundRunStore } from '../../core/background-run-store.js';
import type { SqlEngine } from './sql-engine.js';
import { createSqlBackgroundRuns } from './sql-background-runs.js';
import { createSqlWebhookOutbox } from './sql-webhook-outbox.js';

/**
 * Background runs and their webhook outbox over SQL (PostgreSQL or the embedded engine). Claims
 * use `FOR UPDATE SKIP LOCKED`, so instances sharing a database never take the same row; a
 * claim that lapses (its instance died) is taken again, with the same notification id.
 * Composed of the runs (`sql-background-runs.ts`) and the outbox (`sql-webhook-outbox.ts`).
 */
export function createSqlBackgroundRunStore(engine: SqlEngine): BackgroundRunStore {
  return { ...createSqlBackgroundRuns(engine), ...createSqlWebhookOutbox(engine) };
}
