import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { Message } from '../../core/messages.js';
import type { ThreadStore } from '../../core/thread-store.js';
import { COMPACTION_SUMMARY_HEADER } from '../../providers/normalize-history.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import { openThreadStore } from '../../database/sql/open-thread-store.js';
import { createScriptedProvider, type ScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../../testing/scripted-turn.js';
import { tool } from '../../tools/define-tool.js';
import { z } from 'zod';
import { runAutonomous } from '../run-autonomous.js';
import type { HeadlessSpec } from '../run-autonomous-options.js';
import { HEADLESS_OWNER } from './headless-thread-options.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
const dataFolder = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'headless-thread-'));
  folders.push(dir);
  return dir;
};

/** One cron-like run: a fresh process would build the same options again. */
async function cronRun(
  turns: ScriptedTurn[],
  headless: Partial<HeadlessSpec> & Pick<HeadlessSpec, 'initialMessage'>,
  extra: { compactionTrigger?: number; provider?: ScriptedProvider } = {},
) {
  const provider = extra.provider ?? createScriptedProvider({ name: 'openai', turns });
  const output = await runAutonomous({
    systemPrompt: 'You are the operations agent. You remember earlier runs.',
    provider,
    model: 'gpt-4o',
    logger: silentLogger,
    tools: [readLog],
    ...(extra.compactionTrigger === undefined ? {} : { compaction: { trigger: extra.compactionTrigger } }),
    headless,
  });
  return { output, provider };
}

const storedMessages = async (store: ThreadStore, threadId: string): Promise<Message[]> =>
  ((await store.loadMessages(HEADLESS_OWNER, threadId)) ?? []).map((stored) => stored.message);

const assistant = (text: string): unknown =>
  expect.objectContaining({ role: 'assistant', content: [{ type: 'text', text }] });

const readLog = tool({
  name: 'read_log',
  description: 'Reads the service log.',
  inputSchema: z.object({}),
  execute: () => 'nothing unusual',
});

describe('runAutonomous on a named thread', () => {
  it('continues the thread in a second run, which reads the first run’s history (memory store)', async () => {
    const store = createMemoryThreadStore();
    const first = await cronRun([textTurn('Noted: the deploy is at 17:00.')], {
      initialMessage: 'Remember: the deploy is at 17:00.',
      thread: 'ops-daily',
      database: store,
    });
    expect(first.output.error).toBeNull();
    const second = await cronRun([textTurn('The deploy is at 17:00.')], {
      initialMessage: 'When is the deploy?',
      thread: 'ops-daily',
      database: store,
    });
    expect(second.provider.requests[0]?.messages).toEqual([
      { role: 'user', content: 'Remember: the deploy is at 17:00.' },
      assistant('Noted: the deploy is at 17:00.'),
      { role: 'user', content: 'When is the deploy?' },
    ]);
    expect(await storedMessages(store, 'ops-daily')).toEqual([
      { role: 'user', content: 'Remember: the deploy is at 17:00.' },
      assistant('Noted: the deploy is at 17:00.'),
      { role: 'user', content: 'When is the deploy?' },
      assistant('The deploy is at 17:00.'),
    ]);
    const runs = await store.listRuns(HEADLESS_OWNER, 'ops-daily', { limit: 10 });
    expect(runs?.items.map((run) => [run.status, run.threadId, run.model, run.turns])).toEqual([
      ['completed', 'ops-daily', 'gpt-4o', 1],
      ['completed', 'ops-daily', 'gpt-4o', 1],
    ]);
    // The store handed in stays open for its owner.
    expect(await store.getThread(HEADLESS_OWNER, 'ops-daily')).toBeDefined();
  });

  it('keeps the thread in an embedded data folder that each run opens and closes again', async () => {
    const dir = await dataFolder();
    const database = { embedded: { dir } };
    await cronRun([textTurn('Noted: 3 open incidents.')], {
      initialMessage: 'Tonight: 3 open incidents.',
      thread: 'night-shift',
      database,
    });
    const second = await cronRun([textTurn('Yesterday there were 3.')], {
      initialMessage: 'How many incidents were open yesterday?',
      thread: 'night-shift',
      database,
    });
    expect(second.provider.requests[0]?.messages.at(0)).toEqual({
      role: 'user',
      content: 'Tonight: 3 open incidents.',
    });
    expect(second.output.response).toBe('Yesterday there were 3.');
    // Both runs released the folder: a third opener reads what they wrote.
    const store = await openThreadStore(database);
    try {
      expect(await storedMessages(store, 'night-shift')).toHaveLength(4);
      const runs = await store.listRuns(HEADLESS_OWNER, 'night-shift', { limit: 10 });
      expect(runs?.items).toHaveLength(2);
      expect(runs?.items.every((run) => run.status === 'completed' && run.endedAt !== null)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('compacts a thread that grew past the trigger once, and later runs start from the summary', async () => {
    const store = createMemoryThreadStore();
    const thread = { thread: 'long-memory', database: store };
    for (const day of [1, 2, 3]) {
      await cronRun([textTurn(`Day ${day} logged.`, { usage: { inputTokens: 100, outputTokens: 5 } })], {
        initialMessage: `Day ${day}: all quiet.`,
        ...thread,
      });
    }
    // Day 4's first turn reads past the trigger: after its tool call the run compacts its
    // history (one summary call), then answers.
    const grown = await cronRun(
      [
        toolCallTurn('read_log', {}, { usage: { inputTokens: 5_000, outputTokens: 5 } }),
        textTurn('Days 1 to 3 were quiet.', { usage: { inputTokens: 400, outputTokens: 20 } }),
        textTurn('Day 4 logged.', { usage: { inputTokens: 300, outputTokens: 5 } }),
      ],
      { initialMessage: 'Day 4: all quiet.', ...thread },
      { compactionTrigger: 1_000 },
    );
    expect(grown.output.compactions).toHaveLength(1);
    grown.provider.assertAllConsumed();

    for (const day of [5, 6]) {
      const later = await cronRun(
        [textTurn(`Day ${day} logged.`, { usage: { inputTokens: 300, outputTokens: 5 } })],
        { initialMessage: `Day ${day}: all quiet.`, ...thread },
        { compactionTrigger: 1_000 },
      );
      later.provider.assertAllConsumed();
      const sent = later.provider.requests[0]?.messages ?? [];
      expect(sent[0]).toEqual({
        role: 'user',
        content: `${COMPACTION_SUMMARY_HEADER}\nDays 1 to 3 were quiet.`,
      });
      expect(sent.some((message) => message.content === 'Day 1: all quiet.')).toBe(false);
      expect(later.output.compactions ?? []).toHaveLength(0);
    }
    // The older messages stay stored and readable; the model no longer reads them.
    const stored = await storedMessages(store, 'long-memory');
    expect(stored[0]).toEqual({ role: 'user', content: 'Day 1: all quiet.' });
    expect(
      stored.filter(
        (message) =>
          typeof message.content === 'string' && message.content.startsWith(COMPACTION_SUMMARY_HEADER),
      ),
    ).toHaveLength(1);
  });

  it('refuses a thread without a database, and a database without a thread, before anything runs', async () => {
    const provider = createScriptedProvider();
    await expect(cronRun([], { initialMessage: 'Hi.', thread: 'x' }, { provider })).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining('headless.database') as unknown,
    });
    await expect(
      cronRun([], { initialMessage: 'Hi.', database: createMemoryThreadStore() }, { provider }),
    ).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining('headless.thread') as unknown,
    });
    await expect(
      cronRun([], { initialMessage: 'Hi.', thread: 'bad id!', database: 'embedded' }, { provider }),
    ).rejects.toMatchObject({ code: 'invalid_option' });
    expect(provider.requests).toHaveLength(0);
  });

  it('does not run on a thread id that another owner holds, and shows it nothing of that thread', async () => {
    const store = createMemoryThreadStore();
    const someKey = { apiKeyHash: '0123456789abcdef', user: 'alice' };
    await store.createThread(someKey, { id: 'shared-name' });
    await store.appendMessages('shared-name', 'run_1', 0, [{ role: 'user', content: 'my secret plan' }]);
    const provider = createScriptedProvider();
    await expect(
      cronRun([], { initialMessage: 'Read it.', thread: 'shared-name', database: store }, { provider }),
    ).rejects.toMatchObject({ code: 'invalid_option', message: expect.stringContaining('taken') as unknown });
    expect(provider.requests).toHaveLength(0);
    // With that owner named, the run continues the thread.
    const owned = await cronRun([textTurn('On it.')], {
      initialMessage: 'Go on with the plan.',
      thread: 'shared-name',
      database: store,
      owner: someKey,
    });
    expect(owned.provider.requests[0]?.messages[0]).toEqual({ role: 'user', content: 'my secret plan' });
  });

  it('fails closed before the run when the database fails to record its start', async () => {
    const store = createMemoryThreadStore();
    const failing: ThreadStore = { ...store, recordRunStart: () => Promise.reject(new Error('disk full')) };
    const provider = createScriptedProvider();
    await expect(
      cronRun([], { initialMessage: 'Hi.', thread: 'down', database: failing }, { provider }),
    ).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(provider.requests).toHaveLength(0);
  });
});
