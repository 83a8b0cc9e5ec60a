import { BATCH_STATEMENT } from '../../src/database/sql/budget-batch-statement.js';
import { budgetLineOf, type BudgetWrite } from '../../src/database/sql/budget-lines.js';
import { batchStatementOf, BudgetBatch } from '../../src/database/sql/sql-budget-batch.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { BATCH_STATEMENT_JSON_PAIRS } from './budget-batch-json-pairs.js';

/** A write of a batch and its journal line in a form's shape. */
export interface BatchEntry {
  write: BudgetWrite;
  line: string;
}

/** A batch statement and how its parameters are made from a `BudgetBatch`. */
export interface BatchSender {
  statement: string;
  name: string;
  parameters: (batch: BudgetBatch) => readonly string[];
  /** The statement for these parameters when it depends on them (the shipped sender). */
  statementOf?: (parameters: readonly string[]) => { text: string; values: readonly string[]; name: string };
}

/** The JSON-pairs statement (the form before the row literal): pairs as `[reserveLine, endLine]`. */
export const jsonPairs: BatchSender = {
  statement: BATCH_STATEMENT_JSON_PAIRS,
  name: 'budget_json_pairs',
  parameters: (batch) => {
    const [lines, , windowEnds] = batch.parameters();
    const pairs = batch.pairs.map(([reserve, end]) => `[${budgetLineOf(reserve)},${budgetLineOf(end)}]`);
    return [lines, `[${pairs.join(',')}]`, windowEnds];
  },
};

/** The row pairs always through `BATCH_STATEMENT` (the form before the pairs-only statement). */
export const rowPairs: BatchSender = {
  statement: BATCH_STATEMENT,
  name: 'budget_write_batch',
  parameters: (batch) => batch.parameters(),
};

/** What `writeBudgetBatchOf` sends: a batch of pairs alone through `PAIRS_STATEMENT`. */
export const shippedPairs: BatchSender = { ...rowPairs, statementOf: batchStatementOf };

/**
 * Batches sent through `sender` as the write-behind's timer sends them: what is still open when a
 * batch goes goes with the next one, once (`BudgetBatch.carryOpen`). The gateway's time spent
 * building the parameters is summed (`takeBuildMs`).
 */
export class CarriedBatches {
  #carried: BudgetBatch | undefined;
  #buildMs = 0;

  constructor(readonly sender: BatchSender) {}

  /** Adds `entries` to what was carried, carries what is still open, and sends the rest. */
  async apply(engine: SqlEngine, entries: readonly BatchEntry[]): Promise<void> {
    const complete = this.#carried ?? new BudgetBatch();
    for (const { write, line } of entries) {
      if (write.kind === 'reserve') complete.addReserve(write, line);
      else complete.addEnd(write, line);
    }
    this.#carried = complete.carryOpen();
    await this.#send(engine, complete);
  }

  /** Sends what is still carried (the end of a round). */
  async finish(engine: SqlEngine): Promise<void> {
    if (this.#carried !== undefined) await this.#send(engine, this.#carried);
    this.#carried = undefined;
  }

  /** The ms spent building parameters since the last call. */
  takeBuildMs(): number {
    const spent = this.#buildMs;
    this.#buildMs = 0;
    return spent;
  }

  async #send(engine: SqlEngine, batch: BudgetBatch): Promise<void> {
    if (batch.isEmpty()) return;
    const started = performance.now();
    const parameters = this.sender.parameters(batch);
    this.#buildMs += performance.now() - started;
    const { text, values, name } = this.sender.statementOf?.(parameters) ?? {
      text: this.sender.statement,
      values: parameters,
      name: this.sender.name,
    };
    await engine.query(text, values, name);
  }
}
