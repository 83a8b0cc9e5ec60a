/**
 * The few things the SQL thread store needs from a database driver, so one store and one SQL
 * dialect run on PostgreSQL (`pg`) and on the embedded engine (PGlite). Every statement takes
 * its values as parameters (`$1`, `$2`, ...); nothing is spliced into SQL text.
 */

/** One statement's result rows (objects keyed by column name) and how many rows it touched. */
export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** Runs one parameterised statement. */
export interface SqlQueryable {
  /**
   * Runs `text` with `params`. A `prepared` name (the same for the same text, always) lets an
   * engine that can keep the statement parsed and planned per connection do so (PostgreSQL);
   * others ignore it.
   */
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    prepared?: string,
  ): Promise<SqlResult<Row>>;
}

/** A database the store talks to: statements, transactions, and a place it can be named by. */
export interface SqlEngine extends SqlQueryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<Value>(work: (tx: SqlQueryable) => Promise<Value>): Promise<Value>;
  /** Where the data lives, for the start-up report (a folder, or a URL without its password). */
  readonly location: string;
  /** Which engine runs the SQL. */
  readonly kind: 'embedded' | 'postgres';
  /** Releases connections (the embedded engine flushes to disk). Idempotent. */
  close(): Promise<void>;
}

/** OID of `int8`/`bigint`: times in unix milliseconds and counts, read as JavaScript numbers. */
export const INT8_OID = 20;
