/**
 * Child process of `bench/model-call-cpu.ts`: one build's Anthropic provider (its lean transport)
 * calling the mock model. Env: `BENCH_PACKAGE_ROOT` (a built copy of the package),
 * `BENCH_UPSTREAM_URL`, `BENCH_CONCURRENCY`, `BENCH_SLICE_MS`.
 *
 * IPC command `slice`: streams whole calls (8 text deltas each) at the given concurrency for the
 * slice's time, and answers `{ calls, cpuUs }`, the process's CPU over the slice.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Provider, ProviderRequest } from '../../src/core/provider.js';
import { serveIpcCommands } from './child-process-handle.js';

const root = process.env.BENCH_PACKAGE_ROOT ?? '';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const sliceMs = Number(process.env.BENCH_SLICE_MS ?? 1_000);
const entry = pathToFileURL(join(root, 'dist', 'providers', 'anthropic', 'anthropic-provider.js')).href;
const { createAnthropicProvider } = (await import(entry)) as {
  createAnthropicProvider: (options: { apiKey: string; baseURL: string }) => Provider;
};
const provider = createAnthropicProvider({ apiKey: 'bench', baseURL: process.env.BENCH_UPSTREAM_URL ?? '' });

const request: ProviderRequest = {
  model: 'claude-sonnet-4-6',
  system: undefined,
  messages: [{ role: 'user', content: 'Say eight words.' }],
  tools: [],
  maxTokens: 256,
  thinking: 'none',
};

/** One whole call: every event read to the end. */
async function call(): Promise<void> {
  for await (const event of provider.stream(request, new AbortController().signal)) void event;
}

/** Calls back to back on `concurrency` lanes until the slice's end. */
async function slice(): Promise<{ calls: number; cpuUs: number }> {
  const end = performance.now() + sliceMs;
  let calls = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        calls += 1;
      }
    }),
  );
  const used = process.cpuUsage(before);
  return { calls, cpuUs: used.user + used.system };
}

serveIpcCommands({ slice }, async () => {
  await provider.close?.();
});
process.send?.({ ready: true, url: root });
