import {
  budgetLineOf,
  budgetWriteOfLine,
  type BudgetWrite,
  type EndWrite,
  type ReserveWrite,
} from './budget-lines.js';
import { elementOf, literalOf } from './array-literal.js';
import { BATCH_STATEMENT, PAIRS_STATEMENT } from './budget-batch-statement.js';
import { ledgerRowElementOf } from './budget-ledger-row.js';
import type { SqlQueryable } from './sql-engine.js';

/**
 * The writes of one batch, gathered as `BATCH_STATEMENT` reads them: a settle of a reservation
 * added to the same batch makes the two a pair, one ledger row (a release of one drops both:
 * nothing was held in the tables); every other line stays in order. Pairing is right only for a
 * reservation no earlier statement can have written: a live writer's batch, sent once it is
 * complete and after every batch before it (`createBudgetWriteBehind`). A journal's replay goes
 * through `writeBudgetBatch`, which pairs nothing.
 *
 * A reservation still open when its batch goes out can be carried into the next batch once
 * (`carryOpen`) instead of being written as a row: most calls of a busy gateway end within two
 * holds, and a reservation carried then meets its settle as a pair. A reservation row, its
 * delete and the grouping of its two lines cost the server about twice what a pair does
 * (bench/budget-batch-cost.ts); one carried twice is written as a row.
 */
export class BudgetBatch {
  /** The unpaired lines in order; '' where a reservation's line went into a pair or was carried. */
  #lines: string[] = [];
  /** The writer's sequence number of each reservation's line in `#lines` (0 for other lines). */
  #sequences: number[] = [];
  /** Each reservation's write, at its line's index in `#lines` (undefined for other lines). */
  #reserves: Array<ReserveWrite | undefined> = [];
  /** The calls reserved and settled in this batch: each is one ledger row. */
  #pairs: Array<readonly [ReserveWrite, EndWrite]> = [];
  /** The reservations of this batch not ended in it: call id, index of its line. */
  #open = new Map<string, number>();
  #windowEnds = new Map<string, number | null>();
  #writes = 0;
  /** Lines below this index were carried from the batch before: they are not carried again. */
  #carried = 0;

  /** How many writes were added (paired and dropped ones included). */
  get size(): number {
    return this.#writes;
  }

  /**
   * The sequence number of the earliest reservation carried into this batch (undefined when it
   * holds none): the writer's writes before it are all committed once the batch before is.
   * Carried ones that paired or were released since count too: they are not committed either.
   */
  get firstCarried(): number | undefined {
    return this.#carried > 0 ? this.#sequences[0] : undefined;
  }

  /** The calls reserved and settled in this batch (each one ledger row), in the order they ended. */
  get pairs(): ReadonlyArray<readonly [ReserveWrite, EndWrite]> {
    return this.#pairs;
  }

  /** Whether sending the batch would write nothing (every line paired off, dropped or carried). */
  isEmpty(): boolean {
    return this.#pairs.length === 0 && this.#lines.every((line) => line === '');
  }

  /**
   * Adds a reservation; `line` is its journal line (`budgetLineOf`), `sequence` the writer's
   * number of the write (what `firstCarried` reports).
   */
  addReserve(write: ReserveWrite, line: string, sequence = 0): void {
    this.#writes += 1;
    this.#open.set(write.callId, this.#lines.length);
    this.#lines.push(line);
    this.#sequences.push(sequence);
    this.#reserves.push(write);
    const { counterIds, windowEnds } = write;
    for (let index = 0; index < counterIds.length; index += 1) {
      this.#windowEnds.set(counterIds[index] as string, windowEnds[index] ?? null);
    }
  }

  /** Adds a reservation's end; `line` is its journal line (`budgetLineOf`). */
  addEnd(write: EndWrite, line: string): void {
    this.#writes += 1;
    const at = this.#open.get(write.callId);
    if (at === undefined) {
      this.#lines.push(line);
      this.#sequences.push(0);
      this.#reserves.push(undefined);
      return;
    }
    this.#open.delete(write.callId);
    if (write.costMicros !== undefined) this.#pairs.push([this.#reserves[at] as ReserveWrite, write]);
    this.#lines[at] = '';
    this.#reserves[at] = undefined;
  }

  /**
   * Moves the reservations still open that were not carried here already out of this batch
   * and into a new one, which is returned: the batch to add the next writes to. Call it once this
   * batch is complete, before it is sent.
   */
  carryOpen(): BudgetBatch {
    const next = new BudgetBatch();
    for (const [callId, at] of this.#open) {
      if (at < this.#carried) continue;
      next.#open.set(callId, next.#lines.length);
      next.#lines.push(this.#lines[at] as string);
      next.#sequences.push(this.#sequences[at] as number);
      next.#reserves.push(this.#reserves[at]);
      next.#writes += 1;
      this.#lines[at] = '';
      this.#reserves[at] = undefined;
      this.#open.delete(callId);
    }
    next.#carried = next.#lines.length;
    // The carried reservations' counters may be new: their window ends go with them.
    if (next.#carried > 0) next.#windowEnds = new Map(this.#windowEnds);
    return next;
  }

  /** The batch's writes read back from its lines, pairs unpaired (what `writeBudgetBatch` takes). */
  writes(): BudgetWrite[] {
    const writes = this.#lines
      .filter((line) => line !== '')
      .flatMap((line) => budgetWriteOfLine(JSON.parse(line)) ?? []);
    for (const pair of this.#pairs) writes.push(...pair);
    return writes;
  }

  /**
   * `BATCH_STATEMENT`'s parameters: the unpaired lines, the pairs' ledger rows, the counters'
   * window ends, and what the pairs add to each counter (ids, then micro-dollars).
   */
  parameters(): [string, string, string, string, string] {
    const lines = this.#lines.filter((line) => line !== '');
    const rows = new Array<string>(this.#pairs.length);
    const spent = new Map<string, number>();
    for (let index = 0; index < rows.length; index += 1) {
      const [reserve, end] = this.#pairs[index] as readonly [ReserveWrite, EndWrite];
      rows[index] = ledgerRowElementOf(reserve, end);
      for (const id of reserve.counterIds) spent.set(id, (spent.get(id) ?? 0) + (end.costMicros ?? 0));
    }
    return [
      `[${lines.join(',')}]`,
      `{${rows.join(',')}}`,
      JSON.stringify([...this.#windowEnds]),
      literalOf([...spent.keys()].map((id) => elementOf(id))),
      literalOf([...spent.values()].map(String)),
    ];
  }
}

/** Whether `error` is PostgreSQL's `unique_violation`. */
const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/** The statement applying a batch's `parameters` (`BudgetBatch.parameters`): text, values, name. */
export function batchStatementOf(parameters: readonly string[]): {
  text: string;
  values: readonly string[];
  name: string;
} {
  // Nothing but pairs (no unpaired line): the statement without the lines' grouping.
  if (parameters[0] === '[]') {
    return { text: PAIRS_STATEMENT, values: parameters.slice(1), name: 'budget_write_pairs' };
  }
  return { text: BATCH_STATEMENT, values: parameters, name: 'budget_write_batch' };
}

/**
 * Applies `batch` in one statement (`batchStatementOf`). Idempotent: when a pair's ledger row is
 * there already (the batch was committed before, and the answer lost), the batch goes again
 * unpaired (see `BATCH_STATEMENT`).
 */
export async function writeBudgetBatchOf(db: SqlQueryable, batch: BudgetBatch): Promise<void> {
  if (batch.isEmpty()) return;
  const { text, values, name } = batchStatementOf(batch.parameters());
  try {
    await db.query(text, values, name);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await writeBudgetBatch(db, batch.writes());
  }
}

/**
 * Applies `writes` to the budget tables in one statement, none paired (idempotent; see
 * `BATCH_STATEMENT`): what a journal's replay does, whose reservations an earlier batch may have
 * written already.
 */
export async function writeBudgetBatch(db: SqlQueryable, writes: readonly BudgetWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const windowEnds = new Map<string, number | null>();
  for (const write of writes) {
    if (write.kind !== 'reserve') continue;
    write.counterIds.forEach((id, index) => windowEnds.set(id, write.windowEnds[index] ?? null));
  }
  await db.query(
    BATCH_STATEMENT,
    [`[${writes.map(budgetLineOf).join(',')}]`, '{}', JSON.stringify([...windowEnds]), '{}', '{}'],
    'budget_write_batch',
  );
}
