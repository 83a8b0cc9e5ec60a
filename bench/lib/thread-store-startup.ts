/**
 * Opens the embedded thread store on the folder in argv[2] in a process of its own and prints,
 * as one JSON line, how long opening took (with migrations) and the RSS, array-buffer and heap
 * memory it added after one query. Run by bench/thread-store.ts with `node --expose-gc`.
 */
import { performance } from 'node:perf_hooks';
import { openThreadStore } from '../../src/database/sql/open-thread-store.js';

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
globalThis.gc?.();
const before = process.memoryUsage();
const start = performance.now();
const store = await openThreadStore({ embedded: { dir: process.argv[2] ?? '' } });
const openMs = performance.now() - start;
await store.listThreads({ apiKeyHash: 'startup' }, { limit: 5 });
const after = process.memoryUsage();
await store.close();
console.log(
  JSON.stringify({
    openMs: Math.round(openMs),
    rssMiB: mib(after.rss - before.rss),
    arrayBuffersMiB: mib(after.arrayBuffers - before.arrayBuffers),
    heapMiB: mib(after.heapUsed - before.heapUsed),
  }),
);
