/**
 * Whether a gateway that idled after its warm-up serves slower than one just warmed: two
 * `serve --no-database` gateways (the built package, `npm run build` first) and the mock model,
 * each in its own process. A is warmed, then idles `--idle-seconds` (60) while B starts and is
 * warmed; then both serve single-message chats at c=32 in `--slices` (8) slices of
 * `--slice-seconds` (1.5) each, alternating ABBA…. Prints A's rate over B's, in all and for the
 * first and second half of the slices. The same with `--node-flags "..."` given to both (V8
 * flags such as `--no-memory-reducer` or `--no-flush-bytecode`) tells which of V8's idle-time
 * work makes the difference. What `bench/durable-default.ts` does about it: `warmAgain`.
 *
 *   node --import tsx bench/idle-gateway-warmth.ts [--idle-seconds 60] [--node-flags "--no-flush-bytecode"]
 */
import { parseArgs } from 'node:util';
import { startChildProcess } from './lib/child-process-handle.js';
import {
  postJson as post,
  startServeGateway,
  stopServeGateway,
  type ServeGateway,
} from './lib/serve-gateway.js';
import { round } from './lib/stats.js';
import { currentLoad } from './lib/machine-info.js';

const { values } = parseArgs({
  options: {
    'idle-seconds': { type: 'string', default: '60' },
    'node-flags': { type: 'string', default: '' },
    slices: { type: 'string', default: '8' },
    'slice-seconds': { type: 'string', default: '1.5' },
    'warm-seconds': { type: 'string', default: '6' },
  },
});
const idleSeconds = Number(values['idle-seconds']);
const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
const slices = Number(values.slices);
const sliceSeconds = Number(values['slice-seconds']);
const warmSeconds = Number(values['warm-seconds']);
const CONCURRENCY = 32;

/** One session per client, each its own user. */
const sessionsOf = (gateway: ServeGateway, first: number): Promise<string[]> =>
  Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, index) => {
      const response = await post(`${gateway.base}/chat/init`, {
        api_key: 'bench',
        user: `u${first + index}`,
      });
      return ((await response.json()) as { session_token: string }).session_token;
    }),
  );

/** Single-message chats back to back from every session for `seconds`; resolves chats per second. */
async function rate(gateway: ServeGateway, tokens: readonly string[], seconds: number): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let chats = 0;
  await Promise.all(
    tokens.map(async (token, index) => {
      while (performance.now() < deadline) {
        const response = await post(
          `${gateway.base}/chat`,
          { messages: [{ role: 'user', content: `question ${chats} of ${index}` }] },
          token,
        );
        if (response.status !== 200) throw new Error(`chat answered ${response.status}`);
        await response.text();
        chats += 1;
      }
    }),
  );
  return chats / ((performance.now() - started) / 1_000);
}

const mean = (numbers: readonly number[]): number =>
  numbers.reduce((sum, value) => sum + value, 0) / numbers.length;

const upstream = await startChildProcess({
  entry: new URL('./lib/mock-process.ts', import.meta.url).pathname,
});
const start = (): Promise<ServeGateway> =>
  startServeGateway({
    mode: 'no-database',
    upstreamUrl: upstream.url,
    label: 'idle',
    serveFlags: ['--log-format', 'json'],
    nodeFlags,
  });
try {
  const idled = await start();
  const fresh = await start().catch(async (error: unknown) => {
    await stopServeGateway(idled);
    throw error;
  });
  try {
    const idledTokens = await sessionsOf(idled, 0);
    await rate(idled, idledTokens, warmSeconds);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1_000));
    const freshTokens = await sessionsOf(fresh, 1_000);
    await rate(fresh, freshTokens, warmSeconds);
    const idledRates: number[] = [];
    const freshRates: number[] = [];
    for (let slice = 0; slice < slices; slice += 1) {
      const takeIdled = async (): Promise<void> =>
        void idledRates.push(await rate(idled, idledTokens, sliceSeconds));
      const takeFresh = async (): Promise<void> =>
        void freshRates.push(await rate(fresh, freshTokens, sliceSeconds));
      if (slice % 2 === 0) {
        await takeIdled();
        await takeFresh();
      } else {
        await takeFresh();
        await takeIdled();
      }
    }
    const half = Math.floor(slices / 2);
    console.log(
      JSON.stringify({
        idleSeconds,
        nodeFlags,
        load: currentLoad(),
        idledPerSecond: round(mean(idledRates)),
        freshPerSecond: round(mean(freshRates)),
        ratio: round(mean(idledRates) / mean(freshRates)),
        firstHalfRatio: round(mean(idledRates.slice(0, half)) / mean(freshRates.slice(0, half))),
        secondHalfRatio: round(mean(idledRates.slice(half)) / mean(freshRates.slice(half))),
      }),
    );
  } finally {
    await stopServeGateway(idled);
    await stopServeGateway(fresh);
  }
} finally {
  await upstream.close();
}
