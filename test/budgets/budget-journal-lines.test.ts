import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUDGET_JOURNAL_FOLDER,
  readJournalSegments,
  segmentName,
} from '../../src/database/sql/budget-journal.js';
import {
  budgetLineOf,
  budgetWriteOfLine,
  type EndWrite,
  type ReserveWrite,
} from '../../src/database/sql/budget-lines.js';

const reserve: ReserveWrite = {
  kind: 'reserve',
  callId: 'run_1:m:first',
  amountMicros: 50_000,
  counterIds: ['tenant:acme|month|Europe/Berlin|2026-11', 'apiKey:key_1|total|UTC|total'],
  windowEnds: [1_764_543_600_000, null],
  leaseUntil: 1_764_340_060_000,
  runId: 'run_1',
  provider: 'anthropic',
  model: 'claude-sonnet-4-6',
  tenant: 'acme',
  subject: 'ada',
  apiKeyId: 'key_1',
};
const settle: EndWrite = {
  kind: 'end',
  callId: 'run_1:m:first',
  costMicros: 7_000,
  inputTokens: 12,
  outputTokens: 3,
  cacheReadTokens: 4,
  cacheCreationTokens: 5,
  priceVersion: 'genai-prices@0.0.1',
  at: 1_764_340_000_000,
};

const roundTrip = (write: ReserveWrite | EndWrite): unknown =>
  budgetWriteOfLine(JSON.parse(budgetLineOf(write)) as unknown);

describe('a budget journal line', () => {
  it('is a positional array, shorter than the write with its field names', () => {
    const line = budgetLineOf(reserve);
    expect(JSON.parse(line)).toEqual([
      'r',
      reserve.callId,
      50_000,
      reserve.counterIds,
      reserve.windowEnds,
      reserve.leaseUntil,
      'run_1',
      'anthropic',
      'claude-sonnet-4-6',
      'acme',
      'ada',
      'key_1',
    ]);
    expect(line.length).toBeLessThan(JSON.stringify(reserve).length * 0.75);
    expect(JSON.parse(budgetLineOf({ kind: 'end', callId: 'c' }))).toEqual(['e', 'c']);
  });

  it('reads back as the write it was made of: a reservation with or without a payer, a settle, a sweep, a release', () => {
    expect(roundTrip(reserve)).toEqual(reserve);
    const anonymous = { ...reserve, tenant: undefined, subject: undefined, apiKeyId: undefined };
    expect(roundTrip(anonymous)).toEqual(anonymous);
    expect(roundTrip(settle)).toEqual(settle);
    expect(roundTrip({ ...settle, swept: true })).toEqual({ ...settle, swept: true });
    expect(roundTrip({ kind: 'end', callId: 'c' })).toEqual({ kind: 'end', callId: 'c' });
  });

  it('reads nothing from a line that is no write', () => {
    for (const parsed of [['x', 'c'], ['r'], [], 'reserve', null, 42, { kind: 'other' }]) {
      expect(budgetWriteOfLine(parsed)).toBeUndefined();
    }
  });
});

describe('a journal segment left by a process that died', () => {
  const folders: string[] = [];
  afterEach(async () => {
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('replays lines of the earlier object form and of the positional form, skipping a torn last line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'budget-journal-lines-'));
    folders.push(dir);
    await mkdir(join(dir, BUDGET_JOURNAL_FOLDER));
    const text = [
      JSON.stringify(reserve),
      budgetLineOf({ ...reserve, callId: 'run_2:m:first', runId: 'run_2' }),
      JSON.stringify(settle),
      budgetLineOf({ ...settle, callId: 'run_2:m:first' }),
      budgetLineOf({ kind: 'end', callId: 'run_3:m:first' }).slice(0, 7),
    ].join('\n');
    await writeFile(join(dir, BUDGET_JOURNAL_FOLDER, segmentName(1)), text);
    const [segment] = await readJournalSegments(dir);
    expect(segment?.writes).toEqual([
      reserve,
      { ...reserve, callId: 'run_2:m:first', runId: 'run_2' },
      settle,
      { ...settle, callId: 'run_2:m:first' },
    ]);
  });
});
