import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadOwner } from '../src/core/thread-store.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createRunWriteBatch } from '../src/database/sql/run-write-batch.js';
import { elementOf, jsonElementOf, literalOf } from '../src/database/sql/array-literal.js';
import {
  BATCH_STATEMENT,
  THREADLESS_ENDS_STATEMENT,
  THREADLESS_NEW_ENDS_STATEMENT,
} from '../src/database/sql/run-write-statements.js';
import type { SqlEngine, SqlQueryable } from '../src/database/sql/sql-engine.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { sqlEnginesUnderTest } from './helpers/sql-engines-under-test.js';

import { carrying, ended, owner, say, threadlessEnd } from './helpers/run-write-fixtures.js';

/** The engines the suite runs on: the embedded one, and PostgreSQL when installed. */
const engines = sqlEnginesUnderTest('agent-gateway-batch-');

describe.each(engines)('run write batch (group commit of run records) on $name', ({ skip, open }) => {
  let opened: { engine: SqlEngine; close: () => Promise<void> } | undefined;
  let engine: SqlEngine;
  let statements = 0;
  const counting: SqlQueryable = {
    query: (text, params) => {
      statements += 1;
      return engine.query(text, params);
    },
  };
  /** The engine, noting the text of each statement it is sent in `texts`. */
  const recordingStatements = (texts: string[]): SqlQueryable => ({
    query: (text, params, prepared) => {
      texts.push(text);
      return engine.query(text, params, prepared);
    },
  });
  beforeAll(async () => {
    if (skip) return;
    opened = await open();
    engine = opened.engine;
    await runMigrations(engine);
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
  }, 60_000);

  it.skipIf(skip)('carries any text, number and null through the array literals it sends', async () => {
    const texts = [
      'plain',
      'with "quotes"',
      'back\\slash',
      '{braces},commas',
      '  spaced ',
      'NULL',
      'null',
      'nULl',
      'run_0a-b.c:d/e+f=g@h',
      '',
      'line\nbreak\ttab',
      'ünï ☃',
      null,
    ];
    const numbers = [0, -1, 1.5, 0.000012, 1_700_000_000_000, null];
    const stored = { input: 'a "b" \\ c', tokens: [1, 2], control: 'line\nbreak \u0001 end' };
    const usage = [jsonElementOf(JSON.stringify(stored)), 'NULL', elementOf(JSON.stringify(stored))];
    const result = await engine.query<{
      texts: Array<string | null>;
      numbers: Array<number | null>;
      usage: unknown[];
    }>('SELECT $1::text[] AS texts, $2::float8[] AS numbers, $3::jsonb[] AS usage', [
      literalOf(texts.map(elementOf)),
      literalOf(numbers.map(elementOf)),
      literalOf(usage),
    ]);
    expect(result.rows[0]?.texts).toEqual(texts);
    expect(result.rows[0]?.numbers).toEqual(numbers);
    expect(result.rows[0]?.usage).toEqual([stored, null, stored]);
  });

  it.skipIf(skip)(
    'refuses, within a batch, the starts whose id another run has, and writes the rest of the batch',
    async () => {
      const store = createSqlThreadStore(engine);
      const other: ThreadOwner = { apiKeyHash: 'batch-other-key' };
      const texts: string[] = [];
      const batch = createRunWriteBatch(recordingStatements(texts));
      const start = (id: string, who: ThreadOwner, startedAt: number) =>
        batch.enqueue({ kind: 'start', run: { id, threadId: null, owner: who, model: 'm', startedAt } });
      const outcome = (write: Promise<void>) =>
        write.then(
          () => 'recorded',
          (error: { code?: string }) => error.code,
        );
      await start('run_taken_0', owner, 1);
      // Sent together behind the first statement: a repeat of an existing id by another owner
      // (refused), the same run's start again (not a collision), a fresh run, and two new runs
      // under one id in the same batch (the second refused).
      const sent = await Promise.all([
        outcome(start('run_taken_1', owner, 1)),
        outcome(start('run_taken_0', other, 2)),
        outcome(start('run_taken_0', owner, 1)),
        outcome(start('run_taken_2', owner, 3)),
        outcome(start('run_taken_3', owner, 4)),
        outcome(start('run_taken_3', other, 5)),
      ]);
      expect(texts.filter((text) => text === BATCH_STATEMENT).length).toBeGreaterThan(0);
      expect(sent).toEqual([
        'recorded',
        'run_id_in_use',
        'recorded',
        'recorded',
        'recorded',
        'run_id_in_use',
      ]);
      expect(await store.getRun(owner, 'run_taken_0')).toMatchObject({ startedAt: 1, status: 'running' });
      expect(await store.getRun(other, 'run_taken_0')).toBeUndefined();
      expect(await store.getRun(owner, 'run_taken_3')).toMatchObject({ startedAt: 4 });
      expect(await store.getRun(other, 'run_taken_3')).toBeUndefined();
      expect(await store.getRun(owner, 'run_taken_2')).toMatchObject({ startedAt: 3 });
    },
  );

  it.skipIf(skip)(
    'writes the runs that start and end while a statement is under way in one more statement',
    async () => {
      const store = createSqlThreadStore(engine);
      const threads = await Promise.all(
        [1, 2, 3].map((n) => store.createThread(owner, { id: `thr_batch_${n}` })),
      );
      const batch = createRunWriteBatch(counting);
      statements = 0;
      await Promise.all([
        batch.enqueue({
          kind: 'start',
          run: { id: 'run_b0', threadId: null, owner, model: 'm', startedAt: 1 },
        }),
        ...threads.map((thread, index) =>
          batch.enqueue({
            kind: 'finish',
            run: ended(`run_b${index + 1}`, thread?.id ?? null),
            firstSeq: 0,
            ...carrying([say(`q${index}`), say(`a${index}`)]),
          }),
        ),
        // A start and the end of the same run, and two runs writing the same positions of one thread.
        batch.enqueue({
          kind: 'start',
          run: { id: 'run_b4', threadId: 'thr_batch_1', owner, model: 'm', startedAt: 1 },
        }),
        batch.enqueue({
          kind: 'finish',
          run: ended('run_b4', 'thr_batch_1', 3),
          firstSeq: 2,
          ...carrying([say('x')]),
        }),
        batch.enqueue({
          kind: 'finish',
          run: ended('run_b5', 'thr_batch_1'),
          firstSeq: 2,
          ...carrying([say('y')]),
        }),
      ]);
      // The first write went alone; everything queued behind it went in one statement.
      expect(statements).toBe(2);
      expect((await store.getRun(owner, 'run_b0'))?.status).toBe('running');
      expect(await store.getRun(owner, 'run_b4')).toMatchObject({ status: 'completed', turns: 3 });
      expect(await store.getRun(owner, 'run_b5')).toMatchObject({ status: 'completed' });
      const first = await store.loadMessages(owner, 'thr_batch_1');
      expect(first?.map((stored) => stored.message.content)).toEqual(['q0', 'a0', 'x']);
      expect(
        (await store.loadMessages(owner, 'thr_batch_3'))?.map((stored) => stored.message.content),
      ).toEqual(['q2', 'a2']);
    },
  );

  it.skipIf(skip)(
    'holds ends back until flushNow() or a start sends them, all in one statement',
    async () => {
      const store = createSqlThreadStore(engine);
      const batch = createRunWriteBatch(counting, { holdEndsMs: 60_000 });
      statements = 0;
      const ends = ['run_h1', 'run_h2', 'run_h3'].map((id) => batch.enqueue(threadlessEnd(id)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(statements).toBe(0);
      expect(await store.getRun(owner, 'run_h1')).toBeUndefined();
      await batch.flushNow();
      await Promise.all(ends);
      expect(statements).toBe(1);
      expect(await store.getRun(owner, 'run_h3')).toMatchObject({ status: 'completed' });

      statements = 0;
      const held = batch.enqueue(threadlessEnd('run_h4'));
      await batch.enqueue({
        kind: 'start',
        run: { id: 'run_h5', threadId: null, owner, model: 'm', startedAt: 1 },
      });
      await held;
      expect(statements).toBe(1);
      expect(await store.getRun(owner, 'run_h4')).toMatchObject({ status: 'completed' });
      // Nothing left: flushNow() resolves at once, sending nothing.
      await batch.flushNow();
      expect(statements).toBe(1);
    },
  );

  it.skipIf(skip)(
    'writes ends of runs without a thread in one statement of their own, whole or completing a start',
    async () => {
      const store = createSqlThreadStore(engine);
      const texts: string[] = [];
      const recording = recordingStatements(texts);
      const batch = createRunWriteBatch(recording, { holdEndsMs: 60_000 });
      // A start alone goes at once; its end later completes the record it wrote.
      await batch.enqueue({
        kind: 'start',
        run: { id: 'run_t1', threadId: null, owner, model: 'm', startedAt: 1 },
      });
      const usage = {
        input_tokens: 3,
        output_tokens: 4,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1,
        estimated_cost: 0.5,
      };
      const ends = [
        batch.enqueue(threadlessEnd('run_t1', 2)),
        batch.enqueue({
          kind: 'finish',
          run: {
            ...ended('run_t2', null),
            owner: { apiKeyHash: 'batch-key', user: 'someone "quoted"' },
            status: 'failed',
            outcomeCode: 'max_turns',
            usage,
            estimatedCostUsd: 0.5,
            multitask: { strategy: 'interrupt', interruptedRunId: 'run_t1' },
          },
          firstSeq: 0,
          ...carrying([]),
        }),
      ];
      await batch.flushNow();
      await Promise.all(ends);
      expect(texts).toHaveLength(2);
      expect(texts[1]).toBe(THREADLESS_ENDS_STATEMENT);
      expect(await store.getRun(owner, 'run_t1')).toMatchObject({
        threadId: null,
        status: 'completed',
        turns: 2,
        startedAt: 1,
        endedAt: 2,
      });
      // A run without usage stores none (SQL NULL), not a JSON null.
      const absent = await engine.query<{ absent: boolean }>(
        "SELECT usage IS NULL AS absent FROM runs WHERE id = 'run_t1'",
      );
      expect(absent.rows[0]?.absent).toBe(true);
      expect(
        await store.getRun({ apiKeyHash: 'batch-key', user: 'someone "quoted"' }, 'run_t2'),
      ).toMatchObject({
        status: 'failed',
        outcomeCode: 'max_turns',
        usage,
        estimatedCostUsd: 0.5,
        multitask: { strategy: 'interrupt', interruptedRunId: 'run_t1' },
      });
      // With a thread's end among them, the batch goes as the full statement.
      await store.createThread(owner, { id: 'thr_t' });
      const mixed = [
        batch.enqueue(threadlessEnd('run_t3')),
        batch.enqueue({
          kind: 'finish',
          run: ended('run_t4', 'thr_t'),
          firstSeq: 0,
          ...carrying([say('hello')]),
        }),
      ];
      await batch.flushNow();
      await Promise.all(mixed);
      expect(texts.at(-1)).toBe(BATCH_STATEMENT);
      expect(await store.getRun(owner, 'run_t3')).toMatchObject({ status: 'completed' });
      expect((await store.loadMessages(owner, 'thr_t'))?.map((stored) => stored.message.content)).toEqual([
        'hello',
      ]);
    },
  );

  it.skipIf(skip)(
    'inserts the ends of runs whose start it never sent, and completes a record written elsewhere all the same',
    async () => {
      const store = createSqlThreadStore(engine);
      const texts: string[] = [];
      const recording = recordingStatements(texts);
      // Another instance (another batch) wrote run_n1's start.
      await createRunWriteBatch(engine).enqueue({
        kind: 'start',
        run: { id: 'run_n1', threadId: null, owner, model: 'm', startedAt: 1 },
      });
      const batch = createRunWriteBatch(recording, { holdEndsMs: 60_000 });
      const fresh = ['run_n2', 'run_n3'].map((id) => batch.enqueue(threadlessEnd(id)));
      await batch.flushNow();
      await Promise.all(fresh);
      expect(texts).toEqual([THREADLESS_NEW_ENDS_STATEMENT]);

      const ends = ['run_n1', 'run_n4'].map((id) => batch.enqueue(threadlessEnd(id, 3)));
      await batch.flushNow();
      await Promise.all(ends);
      // The insert met run_n1's record and wrote nothing; the upsert wrote both.
      expect(texts).toEqual([
        THREADLESS_NEW_ENDS_STATEMENT,
        THREADLESS_NEW_ENDS_STATEMENT,
        THREADLESS_ENDS_STATEMENT,
      ]);
      for (const id of ['run_n1', 'run_n4'])
        expect(await store.getRun(owner, id)).toMatchObject({ status: 'completed', turns: 3, endedAt: 2 });
      expect(await store.getRun(owner, 'run_n2')).toMatchObject({ status: 'completed', turns: 1 });
    },
  );

  it.skipIf(skip)(
    'tries the writes of a batch one by one when one of them spoils it, so only that one fails',
    async () => {
      const store = createSqlThreadStore(engine);
      const batch = createRunWriteBatch(counting);
      const blocker = batch.enqueue(threadlessEnd('run_c0'));
      const results = await Promise.allSettled([
        blocker,
        batch.enqueue(threadlessEnd('run_c1')),
        // Not an integer where the record keeps one: the database refuses this write.
        batch.enqueue(threadlessEnd('run_c2', 1.5)),
        batch.enqueue(threadlessEnd('run_c3')),
      ]);
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(await store.getRun(owner, 'run_c1')).toMatchObject({ status: 'completed' });
      expect(await store.getRun(owner, 'run_c2')).toBeUndefined();
      expect(await store.getRun(owner, 'run_c3')).toMatchObject({ status: 'completed' });
    },
  );
});
