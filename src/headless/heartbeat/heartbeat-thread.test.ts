import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { openThreadStore } from '../../database/sql/open-thread-store.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn } from '../../testing/scripted-turn.js';
import { runAutonomous } from '../run-autonomous.js';
import { HEADLESS_OWNER } from '../thread/headless-thread-options.js';
import { HeartbeatLoop } from './heartbeat-loop.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
const dataFolder = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'heartbeat-thread-'));
  folders.push(dir);
  return dir;
};

describe('HeartbeatLoop on a named thread', () => {
  it('continues one thread tick after tick, in a database it opens once and closes at the end', async () => {
    const dir = await dataFolder();
    const sent: number[] = [];
    const loop = new HeartbeatLoop({
      thread: 'queue-watch',
      database: { embedded: { dir } },
      config: { intervalMs: 1, maxTicks: 3 },
      logger: silentLogger,
      runFn: async (signal, thread) => {
        const tick = sent.length + 1;
        const provider = createScriptedProvider({
          name: 'openai',
          turns: [textTurn(`HEARTBEAT_OK ${tick}`)],
        });
        const output = await runAutonomous({
          systemPrompt: 'You watch a queue.',
          provider,
          model: 'gpt-4o',
          logger: silentLogger,
          headless: { initialMessage: `Tick ${tick}: check the queue.`, signal, ...thread },
        });
        sent.push(provider.requests[0]?.messages.length ?? 0);
        return output;
      },
    });
    await loop.start();
    // Each tick read the ticks before it: 1, then 3, then 5 messages.
    expect(sent).toEqual([1, 3, 5]);
    const store = await openThreadStore({ embedded: { dir } });
    try {
      const stored = ((await store.loadMessages(HEADLESS_OWNER, 'queue-watch')) ?? []).map(
        (entry) => entry.message,
      );
      expect(stored.filter((message) => message.role === 'user').map((message) => message.content)).toEqual([
        'Tick 1: check the queue.',
        'Tick 2: check the queue.',
        'Tick 3: check the queue.',
      ]);
      expect((await store.listRuns(HEADLESS_OWNER, 'queue-watch', { limit: 10 }))?.items).toHaveLength(3);
    } finally {
      await store.close();
    }
  });

  it('hands runFn no thread when it keeps none, and refuses a thread without a database', async () => {
    const seen: unknown[] = [];
    const provider = createScriptedProvider({ turns: [textTurn('HEARTBEAT_OK')] });
    const loop = new HeartbeatLoop({
      config: { maxTicks: 1 },
      logger: silentLogger,
      runFn: (signal, thread) => {
        seen.push(thread);
        return runAutonomous({
          systemPrompt: 'You watch a queue.',
          provider,
          model: 'scripted-model',
          logger: silentLogger,
          headless: { initialMessage: 'Tick.', signal, ...thread },
        });
      },
    });
    await loop.start();
    expect(seen).toEqual([{}]);
    expect(loop.state.lastOutcome).toBe('quiet');
    expect(
      () => new HeartbeatLoop({ thread: 'x', runFn: () => Promise.reject(new Error('unused')) }),
    ).toThrow(/database/);
  });

  it('rejects start() with store_unavailable when the database cannot be opened, and runs no tick', async () => {
    let ticks = 0;
    const loop = new HeartbeatLoop({
      thread: 'down',
      database: { postgres: 'postgres://nobody@127.0.0.1:1/none' },
      logger: silentLogger,
      runFn: () => {
        ticks += 1;
        return Promise.reject(new Error('unreachable'));
      },
    });
    await expect(loop.start()).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(ticks).toBe(0);
    expect(loop.running).toBe(false);
  });
});
