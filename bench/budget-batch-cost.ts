/**
 * What the embedded PostgreSQL server spends per budgeted model call on the sole writer's batch
 * statement (issue 79), and what serializing the call's two journal lines costs the gateway: the
 * shipped form (`BudgetBatch`: a call reserved and settled within the batch goes to the ledger
 * as one row of a `budget_ledger[]` literal, the counters' window ends come as a parameter, a
 * reservation still open when its batch goes out is carried into the next batch once, and a
 * batch of pairs alone goes through `PAIRS_STATEMENT`) against the forms before it (the same
 * pairs always through `BATCH_STATEMENT`; the same pairs as a JSON array of their two journal lines; every line
 * through the path that groups a call's lines, `positional`; before that, lines as JSON objects
 * read by name with `json_to_recordset`; and before that, each settle's line carrying its whole
 * ledger row), in interleaved rounds on one server.
 *
 * The batches are what a gateway at 32 concurrent chats sends: calls reserved in order and each
 * ended 32 calls later, `--calls` (85: the sole writer's 50 ms hold at 1,700 chats/s) calls'
 * lines per batch, so most calls are reserved and ended in the same batch and 32 reservations
 * live across batches (carried, they meet their settle in the next).
 *
 *   node --import tsx bench/budget-batch-cost.ts [--calls 85] [--rounds 6] [--batches 150]
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/logger.js';
import { openEmbeddedEngine } from '../src/database/sql/open-embedded-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { budgetLineOf, type BudgetWrite } from '../src/database/sql/budget-lines.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { BATCH_STATEMENT_FLAT_RECORDS } from './lib/budget-batch-flat-records.js';
import {
  CarriedBatches,
  jsonPairs,
  rowPairs,
  shippedPairs,
  type BatchEntry,
  type BatchSender,
} from './lib/budget-batch-senders.js';
import { BATCH_STATEMENT_UNFOLDED } from './lib/budget-batch-unfolded.js';
import { BATCH_STATEMENT_WITH_ROWS } from './lib/budget-batch-with-rows.js';
import { numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { median, round } from './lib/stats.js';
import { splitTreeCpu } from './lib/tree-cpu-by-command.js';

const callsPerBatch = numberFlag('calls', 85);
const rounds = numberFlag('rounds', 6);
const batchesPerRound = numberFlag('batches', 150);
const CONCURRENCY = numberFlag('lag', 32);

const counterIds = ['tenant:bench|month|UTC|2026-11', 'apiKey:key_bench|total|UTC|total'];
const windowEnds = [1_764_547_200_000, null];
const payer = { tenant: 'bench', subject: 'user-1', apiKeyId: 'key_bench' };
const usage = { inputTokens: 12, outputTokens: 3, cacheReadTokens: 0, cacheCreationTokens: 0 };

interface Form {
  name: string;
  /** The journal line of call `callId`'s reservation. */
  reserveLine: (callId: string, runId: string, at: number) => string;
  /** The journal line of call `callId`'s end. */
  endLine: (callId: string, runId: string, at: number) => string;
  /** Applies one batch: the writes with their lines, in order. */
  apply: (engine: SqlEngine, batch: readonly BatchEntry[]) => Promise<void>;
  /** Writes what the form still holds at the end of a round (reservations carried). */
  finish?: (engine: SqlEngine) => Promise<void>;
  /** The ms its parameters took to build since the last call (the forms with `BudgetBatch`). */
  takeBuildMs?: () => number;
}

/** The batch's lines as one JSON array, what the forms before `BudgetBatch` read. */
const joined = (batch: readonly BatchEntry[]): string => `[${batch.map((entry) => entry.line).join(',')}]`;

/** Call `callId`'s reservation, as the sole writer's counters make it. */
const reserveWrite = (callId: string, runId: string, at: number): BudgetWrite => ({
  kind: 'reserve',
  callId,
  amountMicros: 12_000,
  counterIds,
  windowEnds,
  leaseUntil: at + 600_000,
  runId,
  provider: 'anthropic',
  model: 'claude-sonnet-4-6',
  tenant: payer.tenant,
  subject: payer.subject,
  apiKeyId: payer.apiKeyId,
});

/** Call `callId`'s settle: its cost alone. */
const endWrite = (callId: string, at: number): BudgetWrite => ({
  kind: 'end',
  callId,
  costMicros: 81,
  inputTokens: usage.inputTokens,
  outputTokens: usage.outputTokens,
  cacheReadTokens: usage.cacheReadTokens,
  cacheCreationTokens: usage.cacheCreationTokens,
  priceVersion: 'genai-prices@bench',
  at,
});

/** A form whose batches go through `sender` as the write-behind sends them (`CarriedBatches`). */
const carriedForm = (name: string, sender: BatchSender): Form => {
  const batches = new CarriedBatches(sender);
  return {
    name,
    reserveLine: (callId, runId, at) => budgetLineOf(reserveWrite(callId, runId, at)),
    endLine: (callId, _runId, at) => budgetLineOf(endWrite(callId, at)),
    apply: (engine, batch) => batches.apply(engine, batch),
    finish: (engine) => batches.finish(engine),
    takeBuildMs: () => batches.takeBuildMs(),
  };
};

const forms: Form[] = [
  {
    name: 'with rows (before)',
    reserveLine: (callId, runId, at) =>
      JSON.stringify({
        kind: 'reserve',
        callId,
        amountMicros: 12_000,
        counterIds,
        windowEnds,
        leaseUntil: at + 600_000,
        entry: { runId, provider: 'anthropic', model: 'claude-sonnet-4-6', payer },
      }),
    endLine: (callId, runId, at) =>
      JSON.stringify({
        kind: 'end',
        callId,
        row: {
          runId,
          provider: 'anthropic',
          model: 'claude-sonnet-4-6',
          payer,
          callId,
          costMicros: 81,
          usage,
          priceVersion: 'genai-prices@bench',
          kind: 'settled',
          at,
          counterIds,
        },
      }),
    apply: async (engine, batch) => {
      await engine.query(BATCH_STATEMENT_WITH_ROWS, [joined(batch)], 'budget_write_batch_with_rows');
    },
  },
  {
    name: 'flat records (before)',
    reserveLine: (callId, runId, at) => JSON.stringify(reserveWrite(callId, runId, at)),
    endLine: (callId, _runId, at) => JSON.stringify(endWrite(callId, at)),
    apply: async (engine, batch) => {
      await engine.query(BATCH_STATEMENT_FLAT_RECORDS, [joined(batch)], 'budget_write_batch_flat_records');
    },
  },
  {
    name: 'positional (before)',
    reserveLine: (callId, runId, at) => budgetLineOf(reserveWrite(callId, runId, at)),
    endLine: (callId, _runId, at) => budgetLineOf(endWrite(callId, at)),
    apply: async (engine, batch) => {
      await engine.query(BATCH_STATEMENT_UNFOLDED, [joined(batch)], 'budget_write_batch_unfolded');
    },
  },
  carriedForm('JSON pairs (before)', jsonPairs),
  carriedForm('one-statement row pairs (before)', rowPairs),
  carriedForm('row pairs (shipped)', shippedPairs),
];

/** One round of `form`: its batches' lines built (timed), then applied one statement after another. */
const runRound = async (
  engine: SqlEngine,
  form: Form,
  prefix: string,
): Promise<{ serializeUs: number; buildUs: number; postgresMs: number }> => {
  const total = callsPerBatch * batchesPerRound;
  const lines: string[] = [];
  const writes: BudgetWrite[] = [];
  const started = process.cpuUsage();
  const at = Date.now();
  // Call i is reserved at step i and ended at step i + CONCURRENCY: each batch takes the steps in order.
  for (let step = 0; step < total + CONCURRENCY; step += 1) {
    if (step < total) lines.push(form.reserveLine(`${prefix}:${step}:first`, `${prefix}:${step}`, at));
    const ended = step - CONCURRENCY;
    if (ended >= 0) lines.push(form.endLine(`${prefix}:${ended}:first`, `${prefix}:${ended}`, at));
  }
  const spent = process.cpuUsage(started);
  for (let step = 0; step < total + CONCURRENCY; step += 1) {
    if (step < total) writes.push(reserveWrite(`${prefix}:${step}:first`, `${prefix}:${step}`, at));
    const ended = step - CONCURRENCY;
    if (ended >= 0) writes.push(endWrite(`${prefix}:${ended}:first`, at));
  }
  const entries = lines.map((line, index) => ({ write: writes[index] as BudgetWrite, line }));
  form.takeBuildMs?.();
  const before = await splitTreeCpu(process.pid);
  const perBatch = callsPerBatch * 2;
  for (let first = 0; first < entries.length; first += perBatch) {
    await form.apply(engine, entries.slice(first, first + perBatch));
  }
  await form.finish?.(engine);
  const after = await splitTreeCpu(process.pid);
  return {
    serializeUs: (spent.user + spent.system) / total,
    buildUs: ((form.takeBuildMs?.() ?? 0) * 1_000) / total,
    postgresMs: after.postgresMs - before.postgresMs,
  };
};

const dir = await mkdtemp(join(tmpdir(), 'bench-budget-batch-'));
await chmod(dir, 0o755);
const engine = await openEmbeddedEngine(dir, { engine: 'postgres', logger: silentLogger });
try {
  await runMigrations(engine);
  const totals = new Map<string, { serializeUs: number[]; buildUs: number[]; postgresUs: number[] }>();
  for (let index = 0; index <= rounds; index += 1) {
    for (const form of index % 2 === 0 ? forms : [...forms].reverse()) {
      const result = await runRound(engine, form, `${form.name.split(' ')[0]}-${index}`);
      // Round 0 warms the server's plan cache and the JIT.
      if (index === 0) continue;
      const entry = totals.get(form.name) ?? { serializeUs: [], buildUs: [], postgresUs: [] };
      entry.serializeUs.push(result.serializeUs);
      entry.buildUs.push(result.buildUs);
      entry.postgresUs.push((result.postgresMs * 1_000) / (callsPerBatch * batchesPerRound));
      totals.set(form.name, entry);
    }
  }
  const machine = describeMachine();
  console.log(
    `${machine.cores} x ${machine.cpu}, Node ${process.version}, load ${currentLoad()}; ${rounds} rounds of ` +
      `${batchesPerRound} batches of ${callsPerBatch} calls (medians; µs per call)`,
  );
  // Ratios are against the form the shipped one replaced, measured in the same rounds.
  const baseline = totals.get('JSON pairs (before)');
  for (const [name, entry] of totals) {
    const postgres = median(entry.postgresUs);
    const serialize = median(entry.serializeUs);
    const build = median(entry.buildUs);
    const ratio = baseline === undefined ? 1 : postgres / median(baseline.postgresUs);
    console.log(
      `${name.padEnd(34)} PostgreSQL ${round(postgres, 1)} µs (${round(ratio, 2)}x)  ` +
        `two lines serialized ${round(serialize, 2)} µs  ` +
        (build > 0 ? `parameters built ${round(build, 2)} µs  ` : '') +
        `rounds: ${entry.postgresUs.map((value) => round(value, 1)).join(', ')}`,
    );
  }
} finally {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
}
