import type { BudgetOverride, LedgerFilter, LedgerRow } from '../../core/budget-counter-store.js';

/** A ledger row from its stream entry's fields (`row` JSON and `cost`), or undefined when unreadable. */
export function parseLedgerEntry(fields: readonly string[]): LedgerRow | undefined {
  const values = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) {
    values.set(fields[index] ?? '', fields[index + 1] ?? '');
  }
  const json = values.get('row');
  if (json === undefined) return undefined;
  const row = JSON.parse(json) as Omit<LedgerRow, 'costMicros'>;
  return { ...row, costMicros: Number(values.get('cost') ?? 0) };
}

/** Whether `row` is one `filter` asks for. */
export function matchesLedgerFilter(row: LedgerRow, filter: LedgerFilter): boolean {
  return (
    (filter.tenant === undefined || row.payer.tenant === filter.tenant) &&
    (filter.subject === undefined || row.payer.subject === filter.subject) &&
    (filter.apiKeyId === undefined || row.payer.apiKeyId === filter.apiKeyId) &&
    (filter.since === undefined || row.at >= filter.since) &&
    (filter.until === undefined || row.at < filter.until)
  );
}

/** A stored override, or undefined when the value is not one. */
export function parseOverride(value: string): BudgetOverride | undefined {
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const override = parsed as BudgetOverride;
  return typeof override.scope === 'string' && typeof override.limitUsd === 'number' ? override : undefined;
}
