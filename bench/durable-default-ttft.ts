/**
 * The time to first token of the durable default against `serve --no-database` at c=1, with
 * samples large enough to tell a fraction of a millisecond: both gateways (the real CLI, an
 * agent module in a fresh folder, the built package: `npm run build` first) run side by side
 * against one mock model process; each is warmed up (3 s at c=32, then 1,500 sequential chats),
 * then `--samples` samples of `--chats` sequential single-message chats are taken from each,
 * alternating ABBA, and the p50 of each sample is printed with the median per mode.
 * `--burst MS` runs c=32 for that long on a gateway just before each of its samples (what
 * `bench/durable-default.ts` does between its phases).
 *
 *   node --import tsx bench/durable-default-ttft.ts [--chats 300] [--samples 4] [--burst 0]
 */
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import {
  postJson,
  startServeGateway,
  stopServeGateway,
  type ServeGateway,
  type ServeMode,
} from './lib/serve-gateway.js';
import { median, quantile, round } from './lib/stats.js';
import { numberFlag } from './lib/cli-flags.js';

const CHATS = numberFlag('chats', 300);
const SAMPLES = numberFlag('samples', 4);
const BURST_MS = numberFlag('burst', 0);
const CONCURRENCY = 32;

const startGateway = (mode: ServeMode, upstreamUrl: string): Promise<ServeGateway> =>
  startServeGateway({ mode, upstreamUrl, label: 'ttft', serveFlags: ['--log-format', 'json'] });

async function openSession(gateway: ServeGateway, user: string): Promise<string> {
  const response = await postJson(`${gateway.base}/chat/init`, { api_key: 'bench', user });
  return ((await response.json()) as { session_token: string }).session_token;
}

/** One single-message chat; resolves the milliseconds from the request to the first text delta. */
async function chat(gateway: ServeGateway, token: string): Promise<number> {
  for (;;) {
    const started = performance.now();
    const response = await postJson(
      `${gateway.base}/chat`,
      { messages: [{ role: 'user', content: 'hi' }] },
      token,
    );
    if (response.status === 409) {
      await response.body?.cancel();
      continue;
    }
    if (response.status !== 200)
      throw new Error(`chat answered ${response.status}: ${await response.text()}`);
    let ttft = -1;
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      if (ttft < 0 && buffered.includes('"text_delta"')) ttft = performance.now() - started;
    }
    return ttft;
  }
}

/** `CONCURRENCY` fresh clients chat back to back for `ms`. */
async function burst(gateway: ServeGateway, ms: number, label: string): Promise<void> {
  const tokens = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, index) => openSession(gateway, `${label}-${index}`)),
  );
  const deadline = performance.now() + ms;
  await Promise.all(
    tokens.map(async (token) => {
      while (performance.now() < deadline) await chat(gateway, token);
    }),
  );
}

const p50 = (values: readonly number[]): number =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
const gateways: ServeGateway[] = [];
try {
  for (const mode of ['default', 'no-database'] as const)
    gateways.push(await startGateway(mode, upstream.url));
  const tokens = new Map<ServeMode, string>();
  for (const gateway of gateways) {
    const token = await openSession(gateway, 'sequential');
    tokens.set(gateway.mode, token);
    await burst(gateway, 3_000, 'warm');
    for (let index = 0; index < 1_500; index += 1) await chat(gateway, token);
  }
  const samples = new Map<ServeMode, number[]>();
  for (let index = 0; index < SAMPLES; index += 1) {
    for (const gateway of index % 2 === 0 ? gateways : [...gateways].reverse()) {
      if (BURST_MS > 0) await burst(gateway, BURST_MS, `burst-${index}`);
      const token = tokens.get(gateway.mode) ?? '';
      const ttfts: number[] = [];
      for (let chatIndex = 0; chatIndex < CHATS; chatIndex += 1) ttfts.push(await chat(gateway, token));
      samples.set(gateway.mode, [...(samples.get(gateway.mode) ?? []), round(p50(ttfts))]);
    }
  }
  const of = (mode: ServeMode): number[] => samples.get(mode) ?? [];
  console.log(
    JSON.stringify(
      {
        machine: describeMachine(),
        load: currentLoad(),
        chats: CHATS,
        burstMs: BURST_MS,
        ttftP50Ms: { default: of('default'), 'no-database': of('no-database') },
        medians: { default: median(of('default')), 'no-database': median(of('no-database')) },
        addedTtftP50Ms: round(median(of('default')) - median(of('no-database'))),
      },
      null,
      2,
    ),
  );
} finally {
  for (const gateway of gateways) await stopServeGateway(gateway);
  await upstream.close();
}
