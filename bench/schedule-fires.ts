/**
 * Schedules across instance death (issue 49): a once-a-second schedule on three gateway
 * processes sharing a private PostgreSQL cluster and Redis on loopback, one process SIGKILLed and
 * restarted every 15 s, for `--fires` seconds (1,000 by default; each fire is a real second).
 * Counts the due times fired exactly once, twice or more (duplicate) and never (missed), and the
 * fire skew: the start of each fire's run after its due time (p50, p99, max). Writes
 * bench/results/issue-49/schedule-fires.json and the section between the `bench:schedule-fires`
 * markers of docs/PERFORMANCE.md.
 *
 *   node --import tsx bench/schedule-fires.ts [--fires 1000]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort, killProcess, spawnRedisServer } from '../test/redis/helpers/redis-process.js';
import { postgresUnavailableReason, startPostgresServer } from '../test/helpers/postgres-server.js';
import { runScheduleFireSoak } from '../test/helpers/schedule-fire-soak.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';

const firesFlag = process.argv.indexOf('--fires');
const FIRES = firesFlag === -1 ? 1_000 : Number(process.argv[firesFlag + 1]);
const KILL_EVERY_MS = 15_000;
const root = new URL('..', import.meta.url);
const START = '<!-- bench:schedule-fires:start (written by bench/schedule-fires.ts) -->';
const END = '<!-- bench:schedule-fires:end -->';

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) throw new Error(unavailable);
const postgres = await startPostgresServer();
const port = await freePort();
const redis = await spawnRedisServer(
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  'Ready to accept connections',
);
const loadBefore = currentLoad();
try {
  const result = await runScheduleFireSoak({
    databaseUrl: await postgres.createDatabase(),
    redisUrl: `redis://127.0.0.1:${port}`,
    fires: FIRES,
    instances: 3,
    killEveryMs: KILL_EVERY_MS,
    log: (line) => console.error(line),
  });
  const skew = {
    p50: percentile(result.skewsMs, 50),
    p99: percentile(result.skewsMs, 99),
    max: result.skewsMs.at(-1) ?? Number.NaN,
  };
  const figures = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    load: { before: loadBefore, after: currentLoad() },
    fires: FIRES,
    instances: 3,
    killEveryMs: KILL_EVERY_MS,
    kills: result.kills,
    firedOnce: result.firedOnce,
    duplicates: result.duplicates,
    missed: result.missed,
    retakenAfterKill: result.retaken,
    skewMs: skew,
    notFiredExactlyOnce: result.anomalies,
  };
  console.log(JSON.stringify(figures, null, 2));
  await writeFile(
    fileURLToPath(new URL('bench/results/issue-49/schedule-fires.json', root)),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
  const section = [
    START,
    '',
    `Run of ${figures.date.slice(0, 10)} (${figures.machine.cores} cores, ${figures.machine.cpu}, Node ${figures.machine.node}, commit ${figures.machine.commit}; load ${figures.load.before} before, ${figures.load.after} after):`,
    `\`node --import tsx bench/schedule-fires.ts --fires ${FIRES}\`. Raw: \`bench/results/issue-49/schedule-fires.json\`.`,
    '',
    '| fires (seconds) | instances | SIGKILLs | fired once | duplicate | missed | taken over after a kill | skew p50 | skew p99 | skew max |',
    '| --------------- | --------- | -------- | ---------- | --------- | ------ | ----------------------- | -------- | -------- | -------- |',
    `| ${FIRES} | 3 | ${result.kills} | ${result.firedOnce} | ${result.duplicates} | ${result.missed} | ${result.retaken} | ${skew.p50} ms | ${skew.p99} ms | ${skew.max} ms |`,
    '',
    END,
  ].join('\n');
  const docPath = fileURLToPath(new URL('docs/PERFORMANCE.md', root));
  const doc = await readFile(docPath, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  await writeFile(
    docPath,
    start === -1 || end === -1
      ? `${doc.trimEnd()}\n\n${section}\n`
      : `${doc.slice(0, start)}${section}${doc.slice(end + END.length)}`,
  );
} finally {
  await killProcess(redis);
  await postgres.destroy();
}
