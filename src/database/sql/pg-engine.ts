import pg from 'pg';
import type { Logger } from '../../core/logger.js';
import { redactDatabaseUrl } from './redact-database-url.js';
import { INT8_OID, type SqlEngine, type SqlQueryable, type SqlResult } from './sql-engine.js';

/** Options of the PostgreSQL engine. */
export interface PgEngineOptions {
  /** Most connections the pool opens at once. Default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before the call fails as unavailable. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** How long one statement may take before the call fails as unavailable. Default 30,000 ms. */
  queryTimeoutMs?: number;
  logger: Logger;
}

const parseInt8 = (value: string): number => Number(value);

/** `pg`'s own type parsers, except that `int8` is read as a number. */
const readInt8AsNumber = ((oid: number, format?: 'text' | 'binary'): unknown =>
  oid === INT8_OID
    ? parseInt8
    : (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(
        oid,
        format,
      )) as typeof pg.types.getTypeParser;

/**
 * PostgreSQL through a `pg` Pool. `int8` columns (unix milliseconds, counts) are read as
 * numbers. A server that goes away makes calls fail within `connectTimeoutMs`, never hang, and
 * an idle connection it drops is logged, not thrown at the process.
 */
export function createPgEngine(connectionString: string, options: PgEngineOptions): SqlEngine {
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: { getTypeParser: readInt8AsNumber },
  });
  pool.on('error', (error) => {
    options.logger.warn('thread store: an idle database connection failed', { error: error.message });
  });
  // A connection can report the same cut twice (the server's FATAL message, then the socket's
  // end), and `pg` listens only once per checked-out query: a second report between a query's
  // end and the pool taking the connection back was thrown at the process (seen as an uncaught
  // 57P01 "terminating connection due to administrator command" when the server restarted).
  // Every connection keeps a listener for its whole life; queries still fail through their own
  // callbacks, and the pool still drops connections that failed.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.logger.debug('thread store: a database connection reported an error', { error: error.message });
    });
  });
  const location = redactDatabaseUrl(connectionString);
  const run = async <Row>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params: readonly unknown[] = [],
    prepared?: string,
  ): Promise<SqlResult<Row>> => {
    const values = [...params];
    // A named statement is parsed once per connection, and its plan kept once it settles.
    const result = await client.query(
      prepared === undefined ? { text, values } : { name: prepared, text, values },
    );
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  };
  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    location,
    query: (text, params, prepared) => run(pool, text, params, prepared),
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      // `pg` listens for errors only on idle connections: one the server cuts while a
      // transaction holds it would otherwise be thrown at the process. The transaction's next
      // statement fails instead, and the connection is discarded on release.
      const onError = (error: Error): void => {
        broken = true;
        options.logger.warn('thread store: a database connection in use failed', { error: error.message });
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const tx: SqlQueryable = { query: (text, params, prepared) => run(client, text, params, prepared) };
        const value = await work(tx);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
