/**
 * What the event loop spends per run on the parameters of the statement that writes a batch of
 * thread-less run ends, and on the driver's `Bind` message carrying them (issue 81): the shipped
 * form (`threadlessEndsParamsOf`: one JSON array the server takes apart) against the form before
 * it (a PostgreSQL array literal per column, built with `elementOf` and `literalOf`), for a batch
 * of `--rows` (170: a 50 ms hold at 3,400 chats/s) runs, in interleaved rounds. No database: the
 * server's side is `bench/durable-write-cost.ts`'s.
 *
 *   node --import tsx bench/run-end-params-cost.ts [--rows 170] [--rounds 6] [--batches 1000]
 */
import { serialize } from 'pg-protocol';
import { numberFlag } from './lib/cli-flags.js';
import { elementOf, jsonElementOf, literalOf } from '../src/database/sql/array-literal.js';
import { threadlessEndsParamsOf, type RunWrite } from '../src/database/sql/run-write-statements.js';

const rows = numberFlag('rows', 170);
const rounds = numberFlag('rounds', 6);
const batches = numberFlag('batches', 1_000);

type ThreadlessEnd = Extract<RunWrite, { kind: 'finish' }>;
const endOf = (index: number): ThreadlessEnd => ({
  kind: 'finish',
  firstSeq: 0,
  messagesJson: '[]',
  messageCount: 0,
  run: {
    id: `0193a5b6c7d8${index.toString(16).padStart(24, '0')}`,
    threadId: null,
    owner: { apiKeyHash: 'a1b2c3d4'.repeat(8), user: `client-${index % 32}` },
    model: 'claude-sonnet-4-6',
    startedAt: 1_764_340_000_123 + index,
    endedAt: 1_764_340_000_456 + index,
    status: 'completed',
    outcomeCode: null,
    turns: 1,
    usage: {
      input_tokens: 12,
      output_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      estimated_cost: 0.000081,
    },
    estimatedCostUsd: 0.000081,
  },
});
const writes = Array.from({ length: rows }, (_, index) => endOf(index));

/** The parameters as the statement took them before: one array literal per column. */
const perColumnParams = (batch: readonly ThreadlessEnd[]): string[] => {
  const columns: string[][] = Array.from({ length: 13 }, () => []);
  for (const { run } of batch) {
    const values = [
      elementOf(run.id),
      elementOf(run.owner.apiKeyHash),
      elementOf(run.owner.user ?? null),
      elementOf(run.model),
      elementOf(run.status),
      elementOf(run.outcomeCode),
      elementOf(run.turns),
      run.usage === null ? 'NULL' : jsonElementOf(JSON.stringify(run.usage)),
      elementOf(run.estimatedCostUsd),
      elementOf(run.startedAt),
      elementOf(run.endedAt ?? 0),
      elementOf(run.multitask?.strategy ?? null),
      elementOf(run.multitask?.interruptedRunId ?? null),
    ];
    values.forEach((value, column) => columns[column]?.push(value));
  }
  return columns.map(literalOf);
};

/** ns per run of building `params` and their `Bind` message, `batches` times. */
const nsPerRow = (params: (batch: readonly ThreadlessEnd[]) => string[]): number => {
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (let batch = 0; batch < batches; batch += 1)
    bytes += serialize.bind({ statement: 'agw_run_new_ends', values: params(writes) }).length;
  if (bytes === 0) throw new Error('no message was built');
  return Number(process.hrtime.bigint() - started) / batches / rows;
};

const json: number[] = [];
const perColumn: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  json.push(nsPerRow(threadlessEndsParamsOf));
  perColumn.push(nsPerRow(perColumnParams));
}
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(
  JSON.stringify({
    node: process.version,
    rows,
    rounds,
    nsPerRow: { jsonArray: Math.round(median(json)), arrayLiteralPerColumn: Math.round(median(perColumn)) },
    ratio: Number((median(json) / median(perColumn)).toFixed(3)),
  }),
);
