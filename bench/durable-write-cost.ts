/**
 * What the default `serve` writes to its embedded PostgreSQL per chat, and what that costs: a
 * default gateway (the built CLI, `npm run build` first) against the lean mock model, driven by
 * the lean load client at c=`--concurrency` (32) with answers of `--deltas` (3) text deltas.
 * After `--warm-seconds` (6) it counts, over `--seconds` (10) of chats, from the server's own
 * statistics (read over its socket before and after, each reading after the pool's backends
 * have reported theirs):
 * - transactions committed (`pg_stat_database.xact_commit`: with autocommit, one per statement,
 *   so one per round trip of the pool that is not inside a BEGIN…COMMIT), and rolled back;
 * - rows inserted, updated and deleted, per table (`pg_stat_user_tables`);
 * - write-ahead log records, bytes and flushes (`pg_stat_wal`, and `pg_stat_io`'s WAL writes and
 *   fsyncs where the server has them);
 * - CPU of the gateway's processes and of PostgreSQL's (`/proc`), per chat.
 * Then a `serve --no-database` gateway the same way, for its CPU per chat. Prints one JSON line.
 * `--double-writes`: the default gateway runs the copy of the build that writes each run's record
 * twice (bench/lib/double-write-build.ts), to see what the CI guard's experiment adds.
 *
 *   npm run build && node --import tsx bench/durable-write-cost.ts [--deltas 3] [--seconds 10] [--double-writes]
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { startChildProcess } from './lib/child-process-handle.js';
import { numberFlag } from './lib/cli-flags.js';
import { makeDoubleWriteCopy } from './lib/double-write-build.js';
import { createLeanConnection } from './lib/lean-load-client.js';
import { leanChatsFor } from './lib/lean-chats.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { splitTreeCpu } from './lib/tree-cpu-by-command.js';
import { round } from './lib/stats.js';
import { startVerdictLane, type StartedLane } from './lib/verdict-lanes.js';

const DELTAS = numberFlag('deltas', 3);
const SECONDS = numberFlag('seconds', 10);
const WARM_SECONDS = numberFlag('warm-seconds', 6);
const CONCURRENCY = numberFlag('concurrency', 32);
/** PostgreSQL reports a busy backend's counters at most once a second, an idle one's within 10 s. */
const REPORTED_MS = 11_000;

type Counters = Record<string, number>;

/** The server's counters, read in one transaction (itself one commit, taken off by the caller). */
async function readCounters(socketDir: string): Promise<Counters> {
  const client = new pg.Client({ host: socketDir, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_stat_clear_snapshot()');
    const counters: Counters = {};
    const database = await client.query<Record<string, string>>(
      `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, tup_fetched
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    for (const [key, value] of Object.entries(database.rows[0] ?? {})) counters[key] = Number(value);
    const tables = await client.query<{
      relname: string;
      ins: string;
      upd: string;
      hot: string;
      del: string;
    }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del
         FROM pg_stat_user_tables`,
    );
    for (const row of tables.rows) {
      counters[`${row.relname}.inserted`] = Number(row.ins);
      counters[`${row.relname}.updated`] = Number(row.upd);
      counters[`${row.relname}.hotUpdated`] = Number(row.hot);
      counters[`${row.relname}.deleted`] = Number(row.del);
    }
    const wal = await client.query<Record<string, unknown>>('SELECT * FROM pg_stat_wal');
    for (const [key, value] of Object.entries(wal.rows[0] ?? {}))
      if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) counters[`wal.${key}`] = Number(value);
      else if (typeof value === 'number') counters[`wal.${key}`] = value;
    const io = await client
      .query<{ writes: string | null; fsyncs: string | null }>(
        `SELECT sum(writes) AS writes, sum(fsyncs) AS fsyncs FROM pg_stat_io WHERE object = 'wal'`,
      )
      .catch(() => undefined);
    if (io !== undefined) {
      counters['io.walWrites'] = Number(io.rows[0]?.writes ?? 0);
      counters['io.walFsyncs'] = Number(io.rows[0]?.fsyncs ?? 0);
    }
    await client.query('COMMIT');
    return counters;
  } finally {
    await client.end();
  }
}

/** The chats and CPU of `SECONDS` of chats at c=`CONCURRENCY` on `lane`, after a warm-up. */
async function measure(lane: StartedLane, between?: () => Promise<void>) {
  const connections = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, index) =>
      createLeanConnection(lane.target, await lane.openClient(index)),
    ),
  );
  try {
    await leanChatsFor(connections, DELTAS, WARM_SECONDS);
    await between?.();
    const before = await splitTreeCpu(lane.pid);
    const { chats, ms } = await leanChatsFor(connections, DELTAS, SECONDS);
    const after = await splitTreeCpu(lane.pid);
    return {
      chats,
      chatsPerSecond: round(chats / (ms / 1_000), 1),
      gatewayCpuUsPerChat: round(((after.gatewayMs - before.gatewayMs) * 1_000) / chats, 1),
      postgresCpuUsPerChat: round(((after.postgresMs - before.postgresMs) * 1_000) / chats, 1),
      load: currentLoad(),
    };
  } finally {
    for (const connection of connections) connection.close();
  }
}

const mock = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/lean-mock-process.ts', import.meta.url)),
});
const copy = process.argv.includes('--double-writes') ? await makeDoubleWriteCopy() : undefined;
const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));
try {
  const durable = await startVerdictLane('default', {
    node: process.execPath,
    mockUrl: mock.url,
    packageRoot: copy?.root,
  });
  let counted: { before: Counters; after: Counters } | undefined;
  let durableFigures;
  try {
    const socketDir = join(durable.project ?? '', '.agent-gateway', 'data', 'postgres');
    let before: Counters = {};
    durableFigures = await measure(durable, async () => {
      await sleep(REPORTED_MS);
      before = await readCounters(socketDir);
    });
    await sleep(REPORTED_MS);
    counted = { before, after: await readCounters(socketDir) };
  } finally {
    await durable.stop();
  }
  const bare = await startVerdictLane('no-database', { node: process.execPath, mockUrl: mock.url });
  let bareFigures;
  try {
    bareFigures = await measure(bare);
  } finally {
    await bare.stop();
  }
  const perChat: Record<string, number> = {};
  for (const [key, value] of Object.entries(counted.after)) {
    // One commit is the first reading's own transaction.
    const delta = value - (counted.before[key] ?? 0) - (key === 'xact_commit' ? 1 : 0);
    if (delta !== 0) perChat[key] = round(delta / durableFigures.chats, 3);
  }
  console.log(
    JSON.stringify({
      machine: describeMachine(),
      settings: {
        deltas: DELTAS,
        seconds: SECONDS,
        warmSeconds: WARM_SECONDS,
        concurrency: CONCURRENCY,
        doubleWrites: copy !== undefined,
      },
      default: durableFigures,
      noDatabase: bareFigures,
      perChat,
    }),
  );
} finally {
  await mock.close();
  await copy?.remove();
}
