/**
 * What the durable thread store costs per engine: the embedded one (PGlite, PostgreSQL in
 * WebAssembly, data in a temp folder) and PostgreSQL over loopback (a private cluster started by
 * the test helper, fsync on like PGlite). Per engine:
 * - append one turn's messages (user, assistant with a tool call, tool result: ~1.2 KB of JSON);
 * - load a 1,000-message thread (~0.4 KB each);
 * - list the newest 50 of one owner's 10,000 threads (and a page deep in the list, by cursor),
 *   with 10,000 threads of another owner in the same table;
 * p50/p95 in milliseconds over the samples. And the embedded engine's start-up in a process of
 * its own (open + migrations on a fresh folder, then reopening it) and the memory it adds.
 *
 *   npx tsx bench/thread-store.ts [--samples 200]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Message } from '../src/core/messages.js';
import { silentLogger } from '../src/core/logger.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import { createPgliteEngine } from '../src/database/sql/pglite-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { quantile, round } from './lib/stats.js';

const run = promisify(execFile);
const samplesFlag = process.argv.indexOf('--samples');
const SAMPLES = samplesFlag === -1 ? 200 : Number(process.argv[samplesFlag + 1]);

const percentiles = (samples: number[]): { p50: number; p95: number } => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(quantile(sorted, 0.5)), p95: round(quantile(sorted, 0.95)) };
};

const timed = async (
  count: number,
  call: (index: number) => Promise<unknown>,
): Promise<{ p50: number; p95: number }> => {
  for (let index = 0; index < Math.min(20, count); index += 1) await call(-1 - index);
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const start = performance.now();
    await call(index);
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
};

const filler = (bytes: number): string =>
  'lorem ipsum dolor sit amet '.repeat(Math.ceil(bytes / 27)).slice(0, bytes);
const turn = (index: number): Message[] =>
  [
    { role: 'user', content: `question ${index}: ${filler(200)}` },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: filler(300) },
        { type: 'tool_use', id: `toolu_${index}`, name: 'search', input: { query: filler(80) } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${index}`, content: filler(500) }] },
  ] as Message[];

/** The three operations on one engine. */
async function measureEngine(engine: SqlEngine): Promise<Record<string, { p50: number; p95: number }>> {
  await runMigrations(engine);
  const store = createSqlThreadStore(engine);
  const owner = { apiKeyHash: 'bench-key', user: 'bench-user' };

  const appendThread = (await store.createThread(owner, {}))?.id ?? '';
  let seq = 0;
  const append = await timed(SAMPLES, async () => {
    const messages = turn(seq);
    await store.appendMessages(appendThread, 'run_bench', seq, messages);
    seq += messages.length;
  });

  const longThread = (await store.createThread(owner, {}))?.id ?? '';
  const message = { role: 'assistant', content: [{ type: 'text', text: filler(400) }] };
  await engine.query(
    `INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at)
     SELECT $1, n, 'run_bench', $2::jsonb, $3 FROM generate_series(0, 999) AS n`,
    [longThread, JSON.stringify(message), Date.now()],
  );
  const load = await timed(Math.max(20, Math.floor(SAMPLES / 4)), async () => {
    const loaded = await store.loadMessages(owner, longThread);
    if (loaded?.length !== 1000) throw new Error(`loaded ${loaded?.length} messages`);
  });

  const lister = { apiKeyHash: 'bench-key', user: 'many-threads' };
  for (const [key, user] of [
    ['bench-key', 'many-threads'],
    ['bench-key', 'someone-else'],
  ]) {
    await engine.query(
      `INSERT INTO threads (id, api_key_hash, user_id, title, metadata, created_at, updated_at)
       SELECT 'thr_' || md5($2 || n::text), $1, $2, 'thread ' || n, '{}'::jsonb, $3::bigint + n, $3::bigint + n
       FROM generate_series(1, 10000) AS n`,
      [key, user, Date.now() - 1_000_000],
    );
  }
  await engine.query('ANALYZE threads');
  const firstPage = await timed(SAMPLES, async () => {
    const page = await store.listThreads(lister, { limit: 50 });
    if (page.items.length !== 50) throw new Error('short page');
  });
  let cursor: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    cursor = (await store.listThreads(lister, cursor === undefined ? { limit: 50 } : { limit: 50, cursor }))
      .nextCursor;
  }
  const deepCursor = cursor ?? '';
  const deepPage = await timed(SAMPLES, async () => {
    const page = await store.listThreads(lister, { limit: 50, cursor: deepCursor });
    if (page.items.length !== 50) throw new Error('short page');
  });
  return {
    'append a turn (3 messages)': append,
    'load a 1,000-message thread': load,
    'list 10,000 threads: newest 50': firstPage,
    'list 10,000 threads: page 101 by cursor': deepPage,
  };
}

/** Opens the embedded store in a fresh process (`bench/lib/thread-store-startup.ts`). */
const openInChild = async (dir: string): Promise<Record<string, number>> => {
  const script = fileURLToPath(new URL('./lib/thread-store-startup.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', script, dir], {
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
};

async function embeddedStartup(): Promise<Record<string, Record<string, number>>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-pglite-'));
  try {
    return {
      'fresh folder (creates the cluster, migrates)': await openInChild(dir),
      'existing folder (a restart)': await openInChild(dir),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const startup = await embeddedStartup();
const results: Record<string, Record<string, { p50: number; p95: number }>> = {};
{
  const dir = await mkdtemp(join(tmpdir(), 'bench-pglite-'));
  const engine = await createPgliteEngine(dir);
  try {
    results['embedded (PGlite)'] = await measureEngine(engine);
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
const unavailable = postgresUnavailableReason();
if (unavailable === undefined) {
  const server = await startPostgresServer({ durable: true });
  const engine = createPgEngine(await server.createDatabase(), { logger: silentLogger });
  try {
    results['PostgreSQL (loopback)'] = await measureEngine(engine);
  } finally {
    await engine.close();
    await server.destroy();
  }
} else {
  console.warn(unavailable);
}

const machine = describeMachine();
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, commit ${machine.commit}${machine.dirty ? ' (dirty)' : ''}, load ${currentLoad()}, samples ${SAMPLES}`,
);
console.log('\nembedded start-up:');
for (const [name, value] of Object.entries(startup)) console.log(`  ${name}: ${JSON.stringify(value)}`);
const engines = Object.keys(results);
console.log(`\n| operation | ${engines.map((name) => `${name} p50 / p95 (ms)`).join(' | ')} |`);
console.log(`| --- | ${engines.map(() => '---').join(' | ')} |`);
for (const operation of Object.keys(results[engines[0] ?? ''] ?? {})) {
  const cells = engines.map((name) => {
    const figure = results[name]?.[operation];
    return figure === undefined ? '' : `${figure.p50} / ${figure.p95}`;
  });
  console.log(`| ${operation} | ${cells.join(' | ')} |`);
}
