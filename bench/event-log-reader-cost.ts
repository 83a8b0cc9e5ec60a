/**
 * What reading a run's event log into an SSE stream costs, in one process with nothing else:
 * `streams` chat-run logs, each followed by one SSE session (the native framing, a sink that
 * only counts bytes), one `text_delta` appended to every log per event-loop turn. Measures
 * the CPU per delta (minus the same loop with no stream following the logs: the append alone)
 * and the heap one idle stream holds (logs with one delta and an open stream, against logs
 * alone; after a forced GC). The code measured is a compiled build (`compileForBench`), run by
 * plain `node --expose-gc`, so two builds compare: a build whose logs have `feed` streams
 * through the push reader, an older one through `subscribe`.
 *
 *   npx tsx bench/event-log-reader-cost.ts BUILD_DIR [BUILD_DIR…] [--runs 3] [--streams 20] [--rounds 4000] [--idle 2000]
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { currentLoad } from './lib/machine-info.js';
import { median, round } from './lib/stats.js';

const run = promisify(execFile);

/** The measuring process (ES module text for `node --input-type=module -e`). */
const MEASURE = `
const [build, streams, rounds, idle] = process.argv.slice(1);
const { ChatRunEventLog } = await import(build + '/src/server/chat/chat-run-event-log.js');
const { startSseSession } = await import(build + '/src/server/sse/sse-session.js');
const sink = { bytes: 0, write(text) { this.bytes += text.length; }, isOverLimit: () => false, end() {}, drop() {} };
const tick = () => new Promise((resolve) => setImmediate(resolve));
const follow = (log) => {
  const client = new AbortController();
  const entries = typeof log.feed === 'function' ? log.feed(0) : (signal) => log.subscribe(0, signal);
  startSseSession({ entries, signal: client.signal, runId: 'chat-run-0123456789' }, sink);
  return client;
};
const cpuPerDelta = async (withStreams) => {
  const logs = Array.from({ length: Number(streams) }, () => new ChatRunEventLog());
  const clients = withStreams ? logs.map(follow) : [];
  await tick();
  const loop = async (count) => {
    for (let index = 0; index < count; index += 1) {
      for (const log of logs) log.append({ type: 'text_delta', text: 'w12 ' });
      await tick();
    }
  };
  await loop(Math.floor(Number(rounds) / 4));
  const start = process.cpuUsage();
  await loop(Number(rounds));
  const used = process.cpuUsage(start);
  for (const client of clients) client.abort();
  for (const log of logs) log.close();
  await tick();
  return ((used.user + used.system) / Number(rounds) / Number(streams));
};
const heapPerStream = async (withStreams) => {
  const count = Number(idle);
  globalThis.gc(); globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const logs = Array.from({ length: count }, () => new ChatRunEventLog());
  const clients = withStreams ? logs.map(follow) : [];
  for (const log of logs) log.append({ type: 'text_delta', text: 'w12 ' });
  await tick(); await tick();
  globalThis.gc(); globalThis.gc();
  const held = process.memoryUsage().heapUsed - before;
  for (const client of clients) client.abort();
  for (const log of logs) log.close();
  await tick();
  return held / count;
};
const appendOnly = await cpuPerDelta(false);
const withStream = await cpuPerDelta(true);
const logOnly = await heapPerStream(false);
const logAndStream = await heapPerStream(true);
console.log(JSON.stringify({ appendUs: appendOnly, totalUs: withStream, readerUs: withStream - appendOnly,
  logBytes: logOnly, streamBytes: logAndStream - logOnly, push: typeof new ChatRunEventLog().feed === 'function' }));
`;

interface Measurement {
  appendUs: number;
  totalUs: number;
  readerUs: number;
  logBytes: number;
  streamBytes: number;
  push: boolean;
}

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(argv[at + 1]);
};
const builds = argv.filter((arg, index) => !arg.startsWith('--') && !argv[index - 1]?.startsWith('--'));
const runs = option('runs', 3);
const settings = [
  String(option('streams', 20)),
  String(option('rounds', 4000)),
  String(option('idle', 2000)),
];
if (builds.length === 0) throw new Error('usage: event-log-reader-cost.ts BUILD_DIR [BUILD_DIR…] [--runs N]');

const results = new Map<string, Measurement[]>(builds.map((build) => [build, []]));
for (let index = 0; index < runs; index += 1) {
  // Builds interleaved, so that a change in the machine's load hits all of them alike.
  for (const build of builds) {
    const { stdout } = await run(process.execPath, [
      '--expose-gc',
      '--input-type=module',
      '-e',
      MEASURE,
      resolve(build),
      ...settings,
    ]);
    const measured = JSON.parse(stdout) as Measurement;
    results.get(build)?.push(measured);
    console.log(
      `${build} run ${index + 1} (load ${currentLoad()}): reader ${round(measured.readerUs, 2)} µs per delta ` +
        `(append alone ${round(measured.appendUs, 2)}), ${round(measured.streamBytes / 1024, 2)} KiB heap per idle stream ` +
        `(log alone ${round(measured.logBytes / 1024, 2)} KiB)${measured.push ? ', push reader' : ', async iterable'}`,
    );
  }
}
for (const [build, measured] of results) {
  const of = (pick: (item: Measurement) => number): number => round(median(measured.map(pick)), 2);
  console.log(
    `${build}: medians of ${measured.length} runs: reader ${of((item) => item.readerUs)} µs per delta, ` +
      `append ${of((item) => item.appendUs)} µs, ${of((item) => item.streamBytes / 1024)} KiB heap per idle stream ` +
      `beyond its log (${of((item) => item.logBytes / 1024)} KiB)`,
  );
}
