/**
 * What one tenant budget adds to a chat: two `createAgent` apps on the embedded database, the
 * same caller (a member of tenant `acme`, by `server.auth.authenticate`) on both, one app with a
 * tenant budget (every chat reserves its first call before its response and settles it after:
 * the ledger row, the counters) and one without, driven in process through `app.fetch` in
 * interleaved rounds (A, B, A, B...) so that the machine's load falls on both alike. Prints,
 * per concurrency, the median time to the first text delta (TTFT) and chats per second of each,
 * their difference and ratio, and the load average. Ends by checking that the budget counted
 * every chat (its counter's spend, read back through `GET /api/usage`).
 *
 * Also prints this process's CPU per chat of each side (user + system), steadier than the rates.
 *
 *   npx tsx bench/budget-check-cost.ts [chats=300] [rounds=6] [--concurrency 1,8] [--engine postgres|pglite]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Principal } from '../src/core/principal.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createReplayProvider } from './lib/replay-provider.js';
import { median, round } from './lib/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string', default: '1,8' }, engine: { type: 'string' } },
});
const chats = Number(positionals[0] ?? 300);
const rounds = Number(positionals[1] ?? 6);
const concurrencies = (values.concurrency ?? '1').split(',').map(Number);
const engine = values.engine === 'pglite' || values.engine === 'postgres' ? values.engine : undefined;
const base = 'http://gateway.local/api';
const body = JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] });
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** `Bearer acme.<name>` is subject `<name>` of tenant `acme` (one per concurrent client). */
const authenticate = (request: Request): Principal | null => {
  const match = /^Bearer acme\.([a-z0-9]+)$/.exec(request.headers.get('authorization') ?? '');
  return match === null ? null : { tenant: 'acme', subject: match[1] ?? '', scopes: [], claims: {} };
};

async function start(budgeted: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'budget-bench-'));
  const app = createAgent({
    systemPrompt: 'You are the benchmark agent.',
    provider: createReplayProvider(textTurn('w0 w1 w2 w3 w4 w5 w6 w7')),
    model: 'replay-model',
    server: {
      auth: { authenticate },
      database: { embedded: { dir, ...(engine === undefined ? {} : { engine }) } },
      ...(budgeted
        ? {
            budgets: [{ scope: 'tenant' as const, limitUsd: 1_000_000, window: 'month' as const }],
            prices: { 'replay-model': { inputPerMTokUsd: 1, outputPerMTokUsd: 5 } },
          }
        : {}),
    },
  });
  const headersOf = (client: number) => ({
    'content-type': 'application/json',
    authorization: `Bearer acme.client${client}`,
  });
  /** One chat of `client`; resolves with the milliseconds to its first text delta and to its end. */
  const chat = async (client = 0): Promise<{ ttft: number; total: number }> => {
    const started = performance.now();
    const response = await app.fetch(
      new Request(`${base}/chat`, { method: 'POST', headers: headersOf(client), body }),
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
    return { ttft: firstDelta ?? Number.NaN, total: performance.now() - started };
  };
  /** The calls of every client this month, from the ledger (`GET /api/usage`, each its own). */
  const calls = async (clients: number): Promise<number> => {
    let total = 0;
    for (let client = 0; client < clients; client += 1) {
      const usage = await app.fetch(new Request(`${base}/usage`, { headers: headersOf(client) }));
      total += ((await usage.json()) as { calls?: number }).calls ?? 0;
    }
    return total;
  };
  return {
    chat,
    calls,
    close: async () => (await app.close(), await rm(dir, { recursive: true, force: true })),
  };
}

type Side = Awaited<ReturnType<typeof start>>;

/** `chats` chats, `concurrency` at a time: their median TTFT and duration, and the chats per second. */
async function drive(
  side: Side,
  concurrency: number,
): Promise<{ ttft: number; total: number; rate: number; cpu: number }> {
  const ttfts: number[] = [];
  const cpuBefore = process.cpuUsage();
  const totals: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (next < chats) {
        next += 1;
        const timed = await side.chat(client);
        ttfts.push(timed.ttft);
        totals.push(timed.total);
      }
    }),
  );
  const rate = chats / ((performance.now() - started) / 1000);
  const cpuUsed = process.cpuUsage(cpuBefore);
  return { ttft: median(ttfts), total: median(totals), rate, cpu: (cpuUsed.user + cpuUsed.system) / chats };
}

const without = await start(false);
const withBudget = await start(true);
for (const side of [without, withBudget]) for (let index = 0; index < 100; index += 1) await side.chat();
console.log(`embedded database${engine === undefined ? '' : ` (${engine})`}, load before: ${load()}`);
for (const concurrency of concurrencies) {
  const results = {
    without: { ttft: [] as number[], total: [] as number[], rate: [] as number[], cpu: [] as number[] },
    with: { ttft: [] as number[], total: [] as number[], rate: [] as number[], cpu: [] as number[] },
  };
  for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
    // Alternate which side goes first, so that neither always follows the other's leftovers.
    const order = roundIndex % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
    for (const name of order) {
      const measured = await drive(name === 'with' ? withBudget : without, concurrency);
      results[name].ttft.push(measured.ttft);
      results[name].rate.push(measured.rate);
      results[name].total.push(measured.total);
      results[name].cpu.push(measured.cpu);
    }
  }
  const ttftWithout = median(results.without.ttft);
  const ttftWith = median(results.with.ttft);
  const rateWithout = median(results.without.rate);
  const rateWith = median(results.with.rate);
  const totalWithout = median(results.without.total);
  const totalWith = median(results.with.total);
  const cpuWithout = median(results.without.cpu);
  const cpuWith = median(results.with.cpu);
  console.log(
    `concurrency ${concurrency}, ${rounds} interleaved rounds of ${chats} chats (load ${load()}):\n` +
      `  TTFT    without ${round(ttftWithout)} ms, with a tenant budget ${round(ttftWith)} ms: ` +
      `${ttftWith >= ttftWithout ? '+' : ''}${round(ttftWith - ttftWithout)} ms\n` +
      `  chats/s without ${round(rateWithout)}, with a tenant budget ${round(rateWith)}: ${round(rateWith / rateWithout)}x\n` +
      `  a chat's median duration without ${round(totalWithout)} ms, with ${round(totalWith)} ms: ` +
      `${round(totalWithout / totalWith)}x (the rate a chat's median would give, less moved by stalls)\n` +
      `  this process's CPU per chat without ${round(cpuWithout)} µs, with ${round(cpuWith)} µs: ` +
      `+${round(cpuWith - cpuWithout)} µs (the embedded server's own processes not included; PGlite's engine is)`,
  );
}
const expected = 100 + rounds * chats * concurrencies.length;
const counted = await withBudget.calls(Math.max(...concurrencies));
await without.close();
await withBudget.close();
console.log(`ledger: ${counted} calls of tenant acme for ${expected} chats`);
if (counted !== expected) {
  console.error('the budgeted app did not count every chat');
  process.exitCode = 1;
}
