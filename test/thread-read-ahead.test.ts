import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadStore } from '../src/core/thread-store.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** What the gateway asked of the store, and a switch that fails the next run ends' statements. */
interface Watched {
  store: ThreadStore;
  flushes: number;
  storedReads: number;
  aheadAnswers: number;
  failedEnds: number;
  failEnds(count: number): void;
}

/** The embedded engine's store as `serve` opens it (its only writer), watched. */
async function watchedSoleWriter(): Promise<Watched> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-read-ahead-'));
  const engine = await createPgliteEngineFromTemplate(dir);
  cleanup.add(dir, (folder) => rm(folder, { recursive: true, force: true }));
  cleanup.add(engine, (opened) => opened.close());
  await runMigrations(engine);
  let endsToFail = 0;
  const failing: SqlEngine = {
    ...engine,
    query: (text, params, prepared) => {
      if (endsToFail > 0 && (prepared === 'agw_run_finish' || prepared === 'agw_run_batch')) {
        endsToFail -= 1;
        watched.failedEnds += 1;
        return Promise.reject(new Error('connection terminated'));
      }
      return engine.query(text, params, prepared);
    },
  };
  const inner = createSqlThreadStore(failing, { soleWriter: true });
  const store: ThreadStore = Object.assign(Object.create(inner) as ThreadStore, {
    flushWrites: () => {
      watched.flushes += 1;
      return inner.flushWrites?.() ?? Promise.resolve();
    },
    loadThreadTurn: (...args: Parameters<NonNullable<ThreadStore['loadThreadTurn']>>) => {
      watched.storedReads += 1;
      return inner.loadThreadTurn?.(...args) ?? Promise.resolve(undefined);
    },
    loadThreadTurnAhead: (...args: Parameters<NonNullable<ThreadStore['loadThreadTurnAhead']>>) => {
      const read = inner.loadThreadTurnAhead?.(...args);
      if (read !== undefined) watched.aheadAnswers += 1;
      return read;
    },
  });
  const watched: Watched = {
    store,
    flushes: 0,
    storedReads: 0,
    aheadAnswers: 0,
    failedEnds: 0,
    failEnds: (count) => {
      endsToFail = count;
    },
  };
  return watched;
}

/** A session asking one thread, one message a chat (`ask` resolves the answer's text). */
async function threadAsker(
  gateway: GatewayClient,
  threadId: string,
): Promise<{ token: string; ask: (content: string) => Promise<string> }> {
  const { token } = await gateway.openSession();
  const ask = async (content: string): Promise<string> =>
    textOf(
      await readAllSseFrames(
        await gateway.chat(token, { messages: [{ role: 'user', content }], thread_id: threadId }),
      ),
    );
  return { token, ask };
}

const userTexts = (body: unknown): string[] =>
  ((body as { messages?: Array<{ role: string; content: unknown }> }).messages ?? []).map(
    (message) => `${message.role}: ${JSON.stringify(message.content)}`,
  );

describe('a thread’s next chat on the embedded database', () => {
  it('reads the history ahead of the previous run’s end, which it neither waits for nor sends early', async () => {
    const watched = await watchedSoleWriter();
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [textTurn('Paris.'), textTurn('About two million.')],
      agent: { server: { database: watched.store } },
    });
    const { token, ask } = await threadAsker(gateway, 'thr_next');
    expect(await ask('Capital of France?')).toBe('Paris.');
    const { flushes, storedReads } = watched;
    expect(await ask('How many people live there?')).toBe('About two million.');

    // The second run saw the first one's messages, read from memory: no read, no early flush.
    expect(userTexts(upstream.requests[1]?.body).join('\n')).toContain('Paris.');
    expect(watched.storedReads).toBe(storedReads);
    expect(watched.aheadAnswers).toBe(1);
    expect(watched.flushes).toBe(flushes);

    // What the thread route shows is committed, in order.
    const thread = await jsonOf(
      await fetch(`${gateway.baseUrl}/threads/thr_next`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    const messages = thread['messages'] as Array<{ role: string }>;
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('waits for the database again once an end failed, and both runs’ messages land in order', async () => {
    const watched = await watchedSoleWriter();
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [textTurn('One.'), textTurn('Two.'), textTurn('Three.')],
      agent: { server: { database: watched.store } },
    });
    const { token, ask } = await threadAsker(gateway, 'thr_fail');
    expect(await ask('first')).toBe('One.');
    // The first run's end fails once (it is retried); the second run read ahead of it meanwhile.
    watched.failEnds(1);
    expect(await ask('second')).toBe('Two.');
    expect(watched.aheadAnswers).toBe(1);
    await expect.poll(() => watched.failedEnds, { timeout: 5_000 }).toBe(1);

    // A failure since the last success: the third chat waits for the writes and reads them back.
    const storedReads = watched.storedReads;
    expect(await ask('third')).toBe('Three.');
    expect(watched.storedReads).toBe(storedReads + 1);
    const seen = userTexts(upstream.requests[2]?.body).join('\n');
    for (const text of ['first', 'One.', 'second', 'Two.', 'third']) expect(seen).toContain(text);

    const thread = await jsonOf(
      await fetch(`${gateway.baseUrl}/threads/thr_fail`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    const contents = (thread['messages'] as Array<{ content: unknown }>).map((message) =>
      JSON.stringify(message.content),
    );
    expect(contents.join(' ')).toMatch(/first.*One\..*second.*Two\..*third.*Three\./);
  });
});
