import { parseArgs } from 'node:util';
import type { BudgetCounterStore, LedgerFilter } from '../core/budget-counter-store.js';
import {
  DEFAULT_EMBEDDED_DIR,
  openSqlDatabase,
  type DatabaseOption,
} from '../database/sql/open-thread-store.js';

/** `agent-gateway budgets --help` and `agent-gateway usage --help`. */
export const BUDGETS_USAGE = `Usage: agent-gateway budgets reconcile [--repair] [--database-url <url>] [--dir <folder>]
       agent-gateway usage [--tenant <id>] [--subject <id>] [--since <ISO time>] [--database-url <url>] [--dir <folder>]

budgets reconcile  recomputes every budget counter from the ledger and the live reservations and
                   prints each counter that drifted (exit 1 when one did); --repair writes the
                   recomputed values.
usage              prints the spend in the ledger since --since (default: the start of the UTC
                   month), by model, for a tenant, a subject, or everyone.

Options:
      --database-url <url>  the PostgreSQL database (default: DATABASE_URL)
      --dir <folder>        the embedded database's folder (default: ${DEFAULT_EMBEDDED_DIR})`;

/** Where the commands write, and the environment they read. */
export interface BudgetsCommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Opens the budget counters of the named database (a test's); default: the SQL database's. */
  openCounters?: (
    option: DatabaseOption,
  ) => Promise<{ counters: BudgetCounterStore; close(): Promise<void> }>;
}

const OPTIONS = {
  'database-url': { type: 'string' },
  dir: { type: 'string' },
  repair: { type: 'boolean' },
  tenant: { type: 'string' },
  subject: { type: 'string' },
  since: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The counters of the SQL database `option` names (migrated first). */
async function openSqlCounters(option: DatabaseOption) {
  const database = await openSqlDatabase(option);
  const counters = database.budgetCounters;
  if (counters === undefined) {
    await database.close();
    throw new Error('this database keeps no budget counters');
  }
  return { counters, close: () => database.close() };
}

/**
 * `agent-gateway budgets reconcile` and `agent-gateway usage` (`command` says which). Resolves the
 * exit code: 0, 1 (drift found, or the database failed: the reason on standard error), 2 (usage).
 */
export async function runBudgetsCommand(
  command: 'budgets' | 'usage',
  argv: readonly string[],
  io: BudgetsCommandIo = {},
): Promise<number> {
  const out = io.out ?? ((text: string) => console.log(text));
  const err = io.err ?? ((text: string) => console.error(text));
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    err(
      `agent-gateway ${command}: ${error instanceof Error ? error.message : String(error)}\n\n${BUDGETS_USAGE}`,
    );
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out(BUDGETS_USAGE);
    return 0;
  }
  const expected = command === 'budgets' ? ['reconcile'] : [];
  if (positionals.join(' ') !== expected.join(' ')) {
    err(`agent-gateway ${command}: unexpected arguments "${positionals.join(' ')}"\n\n${BUDGETS_USAGE}`);
    return 2;
  }
  const since = values.since === undefined ? monthStart(Date.now()) : Date.parse(values.since);
  if (Number.isNaN(since)) {
    err(`agent-gateway ${command}: --since must be an ISO 8601 time\n\n${BUDGETS_USAGE}`);
    return 2;
  }
  const url = (
    values['database-url'] ??
    io.env?.['DATABASE_URL'] ??
    process.env['DATABASE_URL'] ??
    ''
  ).trim();
  const option: DatabaseOption =
    url === '' ? { embedded: { dir: values.dir ?? DEFAULT_EMBEDDED_DIR } } : { postgres: url };
  let opened;
  try {
    opened = await (io.openCounters ?? openSqlCounters)(option);
  } catch (error) {
    err(`agent-gateway ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    if (command === 'budgets') {
      const drifts = await opened.counters.reconcile({ repair: values.repair === true });
      for (const drift of drifts) {
        out(
          `${drift.counterId}: stored spent ${drift.stored.spentMicros} held ${drift.stored.reservedMicros}, ` +
            `ledger spent ${drift.computed.spentMicros} held ${drift.computed.reservedMicros} (micro-dollars)`,
        );
      }
      out(
        drifts.length === 0
          ? 'no drift'
          : `${drifts.length} counter(s) drifted${values.repair === true ? ', repaired' : ''}`,
      );
      return drifts.length === 0 || values.repair === true ? 0 : 1;
    }
    const filter: LedgerFilter = { since };
    if (values.tenant !== undefined) filter.tenant = values.tenant;
    if (values.subject !== undefined) filter.subject = values.subject;
    const byModel = new Map<string, { micros: number; calls: number }>();
    for await (const row of opened.counters.ledger(filter)) {
      const key = `${row.provider}/${row.model}`;
      const entry = byModel.get(key) ?? { micros: 0, calls: 0 };
      entry.micros += row.costMicros;
      entry.calls += 1;
      byModel.set(key, entry);
    }
    let total = 0;
    for (const [model, entry] of byModel) {
      total += entry.micros;
      out(`${model}\t${entry.calls} call(s)\t$${(entry.micros / 1_000_000).toFixed(6)}`);
    }
    out(`total since ${new Date(since).toISOString()}\t$${(total / 1_000_000).toFixed(6)}`);
    return 0;
  } catch (error) {
    err(`agent-gateway ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await opened.close();
  }
}

/** The start of the UTC month of `now`. */
function monthStart(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}
