/**
 * What one tenant budget adds to a chat: two `createAgent` apps on the embedded database, one
 * with an `agent` budget (every chat reserves its first call before its response, settles it
 * after: the ledger row, the counters) and one without, driven in process through `app.fetch`
 * in interleaved rounds (A, B, A, B...) so that the machine's load falls on both alike. Prints
 * the median time to the first text delta (TTFT) and chats per second of each, and the ratio.
 *
 *   npx tsx bench/budget-check-cost.ts [chats=300] [rounds=6]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createReplayProvider } from './lib/replay-provider.js';
import { median, round } from './lib/stats.js';

const chats = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 6);
const base = 'http://gateway.local/api';
const body = JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] });

async function start(budgeted: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'budget-bench-'));
  const app = createAgent({
    systemPrompt: 'You are the benchmark agent.',
    provider: createReplayProvider(textTurn('w0 w1 w2 w3 w4 w5 w6 w7')),
    model: 'replay-model',
    server: {
      database: { embedded: { dir } },
      ...(budgeted
        ? {
            budgets: [{ scope: 'agent', limitUsd: 1_000_000, window: 'month' }],
            prices: { 'replay-model': { inputPerMTokUsd: 1, outputPerMTokUsd: 5 } },
          }
        : {}),
    },
  });
  const init = (await (
    await app.fetch(
      new Request(`${base}/chat/init`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"api_key":"bench"}',
      }),
    )
  ).json()) as { session_token: string };
  /** One chat; resolves with the milliseconds to its first text delta. */
  const chat = async (): Promise<number> => {
    const started = performance.now();
    const response = await app.fetch(
      new Request(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${init.session_token}` },
        body,
      }),
    );
    if (response.body === null || response.status !== 200) throw new Error(`chat failed: ${response.status}`);
    const decoder = new TextDecoder();
    let text = '';
    let firstDelta: number | undefined;
    for await (const value of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(value, { stream: true });
      if (firstDelta === undefined && text.includes('"text_delta"')) firstDelta = performance.now() - started;
    }
    if (!text.includes('"stream_complete"')) throw new Error(`chat failed: ${text.slice(0, 200)}`);
    return firstDelta ?? Number.NaN;
  };
  return {
    app,
    chat,
    close: async () => (await app.close(), await rm(dir, { recursive: true, force: true })),
  };
}

const without = await start(false);
const withBudget = await start(true);
const results = {
  without: { ttft: [] as number[], rate: [] as number[] },
  with: { ttft: [] as number[], rate: [] as number[] },
};
for (const side of [without, withBudget]) for (let index = 0; index < 50; index += 1) await side.chat();
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  for (const [name, side] of [
    ['without', without],
    ['with', withBudget],
  ] as const) {
    const ttfts: number[] = [];
    const started = performance.now();
    for (let index = 0; index < chats; index += 1) ttfts.push(await side.chat());
    results[name].rate.push(chats / ((performance.now() - started) / 1000));
    results[name].ttft.push(median(ttfts));
  }
}
await without.close();
await withBudget.close();
const ttftWithout = median(results.without.ttft);
const ttftWith = median(results.with.ttft);
const rateWithout = median(results.without.rate);
const rateWith = median(results.with.rate);
console.log(
  `embedded database, one chat at a time, ${rounds} interleaved rounds of ${chats} (load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}):\n` +
    `  TTFT  without ${round(ttftWithout)} ms, with a budget ${round(ttftWith)} ms: +${round(ttftWith - ttftWithout)} ms\n` +
    `  chats/s without ${round(rateWithout)}, with a budget ${round(rateWith)}: ${round(rateWith / rateWithout)}x`,
);
