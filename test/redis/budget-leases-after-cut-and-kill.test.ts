import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRow } from '../../src/core/budget-counter-store.js';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { sseOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnGatewayProcesses } from './helpers/spawn-gateway-process.js';
import { redisUnavailableReason, startRedisServer } from './helpers/start-redis-server.js';
import { startSharedUpstream } from './helpers/start-shared-upstream.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const MODEL = 'lease-test-model';
/** 100 uncached input, 1 000 cache reads: what the stream reports at its start, before the cut. */
const usage = { inputTokens: 100, outputTokens: 50, cacheReadTokens: 1_000, cacheCreationTokens: 0 };

/*
 * Two gateway processes on one Redis with a budget counted there and a short lease: one call is
 * cut by its client mid-stream, the other's process is SIGKILLed mid-stream. Once the lease has
 * passed, nothing is held any more and every counter equals the ledger.
 */
describe.skipIf(skipReason !== undefined)('budget reservations of calls cut or killed mid-stream', () => {
  it('leaves no reservation after the lease: the cut call settled to its usage, the killed one swept to its worst case', async () => {
    const redis = cleanup.add(await startRedisServer(), (server) => server.stop());
    const upstream = await startSharedUpstream(cleanup);
    const deployment = await spawnGatewayProcesses(cleanup, {
      redisUrl: redis.url,
      upstreamUrl: upstream.url,
      count: 2,
      agentOptions: {
        model: MODEL,
        thinking: false,
        maxTokens: 1_000,
        server: {
          allowedModels: [MODEL],
          // The client's cut cancels its run at once.
          disconnectGraceMs: 0,
          budgets: [{ scope: 'agent', limitUsd: 100, window: 'day' }],
          prices: { [MODEL]: { inputPerMTokUsd: 10, outputPerMTokUsd: 50, cacheReadPerMTokUsd: 1 } },
          budgetStore: { leaseMs: 1_500, sweepIntervalMs: 200 },
        },
      },
    });
    const [a, b] = deployment.processes;
    if (a === undefined || b === undefined) throw new Error('two gateway processes expected');
    // Each call streams its first words, then the upstream stalls: the call is under way.
    for (let index = 0; index < 2; index += 1) {
      upstream.script(textTurn('a long answer that never ends', { usage, stallAfterEvents: 4 }));
    }

    const cutter = new AbortController();
    const cut = await sseOf(
      await a.client.chat((await a.client.openSession()).token, 'hi', { signal: cutter.signal }),
    );
    await cut.nextOfType('text_delta');
    cutter.abort();
    await upstream.upstream.waitForClientAbort(AbortSignal.timeout(10_000));

    const killed = await sseOf(await b.client.chat((await b.client.openSession()).token, 'hi'));
    await killed.nextOfType('text_delta');
    await b.kill();

    const stores = cleanup.add(
      createRedisStores({ url: redis.url, keyPrefix: deployment.keyPrefix }),
      (opened) => opened.close(),
    );
    await stores.connect?.();
    const counters = stores.budgetCounters;
    if (counters === undefined) throw new Error('the Redis stores keep budget counters');
    const ledgerRows = async (): Promise<LedgerRow[]> => {
      const rows: LedgerRow[] = [];
      for await (const row of counters.ledger({})) rows.push(row);
      return rows;
    };
    // A's sweep settles B's hold once its lease has passed: then nothing is held, and the
    // counter's spend is the sum of the ledger's rows. The counter is read before the ledger: a
    // sweep moves both in one script, so a ledger read after a counter that holds nothing has
    // every row the counter counted (read the other way, the sweep could fall in between).
    const settled = await waitFor(
      async () => {
        const counterId = (await ledgerRows())[0]?.counterIds[0];
        if (counterId === undefined) return undefined;
        const state = (await counters.read([counterId])).get(counterId);
        return state?.reservedMicros === 0 ? { rows: await ledgerRows(), state } : undefined;
      },
      { timeoutMs: 15_000, description: 'no reservation left' },
    );
    const { rows, state } = settled;
    expect(state.spentMicros).toBe(rows.reduce((sum, row) => sum + row.costMicros, 0));
    // One row per call that reached the model; the killed run's call taken over by A, refused as
    // its client had gone, gave its hold back instead of leaving it to the sweep.
    expect(rows.map((row) => row.kind).sort()).toEqual(['lease_expired', 'settled']);
    const byKind = new Map(rows.map((row) => [row.kind, row]));
    // The cut call: what the stream reported before the cut (1 000 + 1 000 + 50 micro-dollars).
    expect(byKind.get('settled')?.costMicros).toBe(100 * 10 + 1_000 * 1 + 1 * 50);
    // The killed call: its worst case (input estimate plus its whole output cap).
    expect(byKind.get('lease_expired')?.costMicros).toBeGreaterThanOrEqual(1_000 * 50);
    expect(await counters.reconcile({ repair: false })).toEqual([]);
  });
});
