/**
 * The budget gate alone, in a loop: microseconds per reserve and per settle of one tenant budget
 * on the in-process memory store and on the embedded database's sole-writer store (PGlite, its
 * journal in a temporary folder). No HTTP, no model: what the gate itself adds to a model call.
 * Wall time per call, one call at a time, and the main thread's busy time per call (event loop
 * utilization: a journal write on the thread pool is not counted) with `concurrency` calls at
 * once, as under load. Read the "no batch" lane for the gate and journal alone: here the batches
 * go to PGlite, in this process, and a store that answers without waiting (a synchronous journal
 * write) never lets the event loop turn, so its batches run after the measurement, not in it.
 *
 *   npx tsx bench/budget-gate-cost.ts [calls=10000] [concurrency=16]
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
const concurrency = Number(process.argv[3] ?? 16);
const usage = { inputTokens: 10, outputTokens: 20, cacheReadTokens: 0, cacheCreationTokens: 0 };
const dir = await mkdtemp(join(tmpdir(), 'budget-gate-bench-'));
const engine = await createPgliteEngine(dir);
await runMigrations(engine);
const stores: Array<[string, BudgetCounterStore]> = [
  ['memory', createMemoryBudgetCounters()],
  ['embedded, sole writer', createSoleWriterBudgetCounters(engine, { dir })],
  // No batch while it runs: the main thread's time is the gate's and the journal's alone (the
  // batches go to PGlite here, in this process; a served gateway's database is another process).
  ['embedded, sole writer, no batch', createSoleWriterBudgetCounters(engine, { dir, holdMs: 3_600_000 })],
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
  const before = performance.eventLoopUtilization();
  for (let round = 0; round < calls / concurrency; round += 1) {
    const admitted = await Promise.all(Array.from({ length: concurrency }, () => reserve()));
    await Promise.all(admitted.map((reservation) => reservation.settle(usage)));
  }
  const busy = performance.eventLoopUtilization(before);
  const busyUs = (busy.active * 1000) / (Math.floor(calls / concurrency) * concurrency);
  console.log(
    `${name}: reserve ${reserveUs.toFixed(1)} µs, settle ${settleUs.toFixed(1)} µs; ` +
      `${concurrency} at once: main thread ${busyUs.toFixed(1)} µs per reserve and settle`,
  );
  await gate.close();
  await store.close();
}
await engine.close();
await rm(dir, { recursive: true, force: true });
