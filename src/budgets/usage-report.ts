import type { BudgetCounterStore, LedgerFilter } from '../core/budget-counter-store.js';
import { windowAt } from './budget-window.js';

/** How usage rows are grouped: one row in all, or one per subject, model or local day. */
export type UsageGrouping = 'none' | 'subject' | 'model' | 'day';

/** One row of a usage report: spend and tokens of one group. */
export interface UsageRow {
  /** The subject, the model, the day (`2026-11-28`, in `timeZone`), or `all`. */
  key: string;
  costMicros: number;
  costUsd: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** Options of `usageReport`. */
export interface UsageQuery extends LedgerFilter {
  groupBy?: UsageGrouping;
  /** Time zone of `day` groups (`UTC` unless given). */
  timeZone?: string;
  signal?: AbortSignal;
}

const dayOf = (at: number, timeZone: string): string => {
  const start = windowAt('day', timeZone, at).start ?? at;
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(start + 12 * 3_600_000);
};

/**
 * Spend read back from the ledger: the rows matching the query (a tenant, a subject, an API key,
 * a time range), summed per group, ordered by key. What `GET /usage` answers.
 */
export async function usageReport(store: BudgetCounterStore, query: UsageQuery = {}): Promise<UsageRow[]> {
  const groupBy = query.groupBy ?? 'none';
  const timeZone = query.timeZone ?? 'UTC';
  const groups = new Map<string, UsageRow>();
  for await (const row of store.ledger(query, query.signal)) {
    const key =
      groupBy === 'subject'
        ? (row.payer.subject ?? '')
        : groupBy === 'model'
          ? row.model
          : groupBy === 'day'
            ? dayOf(row.at, timeZone)
            : 'all';
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        key,
        costMicros: 0,
        costUsd: 0,
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
      };
      groups.set(key, group);
    }
    group.costMicros += row.costMicros;
    group.costUsd = group.costMicros / 1_000_000;
    group.calls += 1;
    group.inputTokens += row.usage.inputTokens;
    group.outputTokens += row.usage.outputTokens;
    group.cacheReadTokens += row.usage.cacheReadTokens;
    group.cacheCreationTokens += row.usage.cacheCreationTokens;
  }
  return [...groups.values()].sort((left, right) => left.key.localeCompare(right.key));
}
