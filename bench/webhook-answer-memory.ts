/**
 * What a receiver's huge answer costs the sender: `postJson` (the sender of webhooks and A2A
 * push notifications) POSTs to a receiver on 127.0.0.1 that answers 200 and a body of
 * `--megabytes` MB (written from one reused 64 KB chunk, so the receiver's own memory stays
 * flat); the process's RSS is sampled every 5 ms from before the POST until the receiver saw the
 * connection close. Prints the RSS before, the peak, the time to settle and the bytes the
 * receiver wrote before the sender hung up. One process: the receiver's socket buffers count.
 *
 *   node --import tsx bench/webhook-answer-memory.ts [--megabytes 700]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postJson } from '../src/agent/post-json.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';

const index = process.argv.indexOf('--megabytes');
const MEGABYTES = Number(index === -1 ? '700' : (process.argv[index + 1] ?? '700'));
const CHUNK = Buffer.alloc(64 * 1024, 'z');
const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

let written = 0;
let closed: () => void = () => undefined;
const receiverDone = new Promise<void>((resolve) => {
  closed = resolve;
});
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const total = MEGABYTES * 2 ** 20;
    response.writeHead(200, { 'content-length': String(total) });
    const pump = (): void => {
      while (!response.destroyed && written < total) {
        written += CHUNK.length;
        if (!response.write(CHUNK)) {
          response.once('drain', pump);
          return;
        }
      }
      if (!response.destroyed) response.end();
    };
    response.on('close', () => closed());
    pump();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

global.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const started = performance.now();
let outcome = 'delivered';
try {
  await postJson({
    url: `http://127.0.0.1:${port}/hook`,
    body: { type: 'run.ended' },
    timeoutMs: 600_000,
    description: 'bench webhook',
  });
} catch (error) {
  outcome = error instanceof Error ? error.message : String(error);
}
const settledMs = Math.round(performance.now() - started);
await receiverDone;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
server.closeAllConnections();
server.close();
console.log(
  JSON.stringify(
    {
      machine: describeMachine(),
      load: currentLoad(),
      answerMegabytes: MEGABYTES,
      outcome,
      settledMs,
      receiverWroteMB: mb(written),
      rssBeforeMB: mb(before),
      rssPeakMB: mb(peak),
      rssGrowthMB: mb(peak - before),
    },
    null,
    2,
  ),
);
