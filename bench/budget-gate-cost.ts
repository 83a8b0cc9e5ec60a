/**
 * The budget gate alone, in a loop: microseconds per reserve and per settle of one tenant budget
 * on the in-process memory store and on the embedded database's sole-writer store (PGlite, its
 * journal in a temporary folder). No HTTP, no model: what the gate itself adds to a model call.
 *
 *   npx tsx bench/budget-gate-cost.ts [calls=10000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BudgetCounterStore } from '../src/core/budget-counter-store.js';
import type { BudgetReservation } from '../src/core/budget-gate.js';
import { createBudgetGate } from '../src/budgets/create-budget-gate.js';
import { createPriceResolver } from '../src/budgets/price-resolver.js';
import { createPgliteEngine } from '../src/database/sql/pglite-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSoleWriterBudgetCounters } from '../src/database/sql/sole-writer-budget-counters.js';
import { createMemoryBudgetCounters } from '../src/stores/memory/memory-budget-counters.js';

const calls = Number(process.argv[2] ?? 10_000);
const usage = { inputTokens: 10, outputTokens: 20, cacheReadTokens: 0, cacheCreationTokens: 0 };
const dir = await mkdtemp(join(tmpdir(), 'budget-gate-bench-'));
const engine = await createPgliteEngine(dir);
await runMigrations(engine);
const stores: Array<[string, BudgetCounterStore]> = [
  ['memory', createMemoryBudgetCounters()],
  ['embedded, sole writer', createSoleWriterBudgetCounters(engine, { dir })],
];
console.log(
  `load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
for (const [name, store] of stores) {
  const gate = createBudgetGate({
    budgets: [{ scope: 'tenant', limitUsd: 1_000_000, window: 'month' }],
    prices: createPriceResolver({ metered: { inputPerMTokUsd: 1, outputPerMTokUsd: 5 } }),
    counters: () => store,
    leaseMs: 900_000,
    sweepIntervalMs: 0,
    onError: (error) => {
      throw error;
    },
  });
  let next = 0;
  const reserve = async (): Promise<BudgetReservation> => {
    next += 1;
    const admission = await gate.reserve({
      callId: `call_${next}`,
      runId: 'run_1',
      provider: 'bench',
      model: 'metered',
      payer: { tenant: 'acme', subject: 'bench' },
      inputTokens: 10,
      maxOutputTokens: 4_096,
    });
    if (!admission.admitted) throw new Error(admission.refusal.message);
    return admission.reservation;
  };
  for (let index = 0; index < 2_000; index += 1) await (await reserve()).settle(usage);
  const reservations: BudgetReservation[] = [];
  let started = performance.now();
  for (let index = 0; index < calls; index += 1) reservations.push(await reserve());
  const reserveUs = ((performance.now() - started) * 1000) / calls;
  started = performance.now();
  for (const reservation of reservations) await reservation.settle(usage);
  const settleUs = ((performance.now() - started) * 1000) / calls;
  console.log(`${name}: reserve ${reserveUs.toFixed(1)} µs, settle ${settleUs.toFixed(1)} µs`);
  await gate.close();
  await store.close();
}
await engine.close();
await rm(dir, { recursive: true, force: true });
