/**
 * Budgets (migration 25): counters, live reservations, the append-only ledger and the runtime
 * limit overrides. A counter's id holds its window's start, so a new window is a new row and
 * nothing resets one. Amounts are integer micro-dollars (`bigint`); times unix milliseconds.
 * A counter's `reserved_micros` is the sum of its live reservations and `spent_micros` the sum of its
 * ledger rows: `reconcile` recomputes both from those two tables.
 */
export const createBudgets = `
CREATE TABLE budget_counters (
  counter_id text PRIMARY KEY,
  spent_micros bigint NOT NULL DEFAULT 0,
  reserved_micros bigint NOT NULL DEFAULT 0,
  window_ends_at bigint
);

CREATE TABLE budget_reservations (
  call_id text PRIMARY KEY,
  amount_micros bigint NOT NULL,
  counter_ids text[] NOT NULL,
  lease_until bigint NOT NULL,
  run_id text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  tenant text,
  subject text,
  api_key_id text
);
CREATE INDEX budget_reservations_by_lease ON budget_reservations (lease_until);

CREATE TABLE budget_ledger (
  call_id text PRIMARY KEY,
  run_id text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  tenant text,
  subject text,
  api_key_id text,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  cost_micros bigint NOT NULL,
  price_version text NOT NULL,
  counter_ids text[] NOT NULL,
  kind text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX budget_ledger_by_time ON budget_ledger (at, call_id);
CREATE INDEX budget_ledger_by_tenant ON budget_ledger (tenant, at);

CREATE TABLE budget_overrides (
  scope text NOT NULL,
  window_kind text NOT NULL,
  limit_usd double precision NOT NULL,
  time_zone text,
  soft_at_percent double precision,
  PRIMARY KEY (scope, window_kind)
);
`;

/**
 * The ledger's two read indexes replaced by one on its time alone (migration 26). Every settled
 * call is a ledger row, so each index on the ledger is paid on every chat. With the B-trees on
 * `(at, call_id)` and `(tenant, at)`, whose keys hold text, a row's insert took 14-18 µs; with one
 * on `at` (a number, appended at its right edge) 9-13, about what it takes with no read index
 * (`bench/ledger-read-cost.ts`). The usage reads page along it by time: a tenant's month of 15,000
 * rows among 300,000 read in 0.21-0.23 s, against 0.11-0.13 s with the tenant's own index.
 */
export const indexBudgetLedgerByTime = `
DROP INDEX IF EXISTS budget_ledger_by_time;
DROP INDEX IF EXISTS budget_ledger_by_tenant;
CREATE INDEX budget_ledger_by_at ON budget_ledger (at);
`;
