import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageBus, SessionRecord } from '../../../core/stores.js';
import { createMemoryMessageBus } from '../../../stores/memory/memory-message-bus.js';
import { createLegacyMcpSessions, type LegacyMcpSessions } from './legacy-mcp-sessions.js';
import { createMcpSessionIds } from './mcp-session-ids.js';

const session: SessionRecord = {
  sessionId: `sess_${'0'.repeat(32)}`,
  apiKeyHash: 'key1',
  createdAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  approvedToolTypes: [],
};

const authInfo = () => ({ token: 't', clientId: 'key1', scopes: [] });

const opened: LegacyMcpSessions[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sessions) => sessions.close()));
});

/** Legacy sessions over a memory bus that counts what it publishes; `taken` sees each message. */
function createSessions(taken: (message: unknown) => void) {
  const ids = createMcpSessionIds('secret', 60_000);
  const bus = createMemoryMessageBus();
  const published: unknown[] = [];
  const countingBus: MessageBus = {
    ...bus,
    publish: (channel, payload) => {
      published.push(payload);
      return bus.publish(channel, payload);
    },
  };
  const sessions = createLegacyMcpSessions({
    ids,
    createServer: () => new McpServer({ name: 'test', version: '1' }),
    bus: countingBus,
    report: () => undefined,
    takeMessage: (_session, message) => {
      taken(message);
      return Promise.resolve(false);
    },
  });
  opened.push(sessions);
  const sessionId =
    ids.mint(session, {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'host', version: '1' },
    }) ?? '';
  const post = (body: unknown) =>
    sessions.handle(
      new Request('http://127.0.0.1/api/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          'mcp-session-id': sessionId,
        },
        body: JSON.stringify(body),
      }),
      session,
      authInfo,
      body,
    );
  return { post, published };
}

/** Servers numbered in the order they are created; `closedServers` lists those closed, in order. */
function countingServers(): { closedServers: number[]; createServer: () => McpServer } {
  const closedServers: number[] = [];
  let created = 0;
  const createServer = (): McpServer => {
    const index = created;
    created += 1;
    const server = new McpServer({ name: 'test', version: '1' });
    const close = server.close.bind(server);
    server.close = () => {
      closedServers.push(index);
      return close();
    };
    return server;
  };
  return { closedServers, createServer };
}

const notification = (index: number) => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: index, progress: index },
});

describe('2025-11-25 sessions: batches of answers and notifications', () => {
  it('refuses a batch of more than 100 notifications as a batch of requests is refused, handling none', async () => {
    const taken: unknown[] = [];
    const { post, published } = createSessions((message) => taken.push(message));
    const requests = await post(
      Array.from({ length: 101 }, (_, index) => ({ jsonrpc: '2.0', id: index, method: 'tools/list' })),
    );
    const notifications = await post(Array.from({ length: 101 }, (_, index) => notification(index)));
    expect(notifications.status).toBe(400);
    expect(requests.status).toBe(400);
    const refusal = (await notifications.json()) as { error: { code: number; message: string } };
    expect(refusal).toEqual(await requests.json());
    expect(refusal.error.code).toBe(-32600);
    expect(taken).toEqual([]);
    expect(published).toEqual([]);

    const accepted = await post(Array.from({ length: 100 }, (_, index) => notification(index)));
    expect(accepted.status).toBe(202);
    expect(taken).toHaveLength(100);
    expect(published).toHaveLength(100);
  });

  it('lets the event loop run between the messages of an accepted batch', async () => {
    const order: string[] = [];
    const { post } = createSessions(() => order.push('message'));
    // Scheduled before the batch is handled: it runs once the handler yields, not after the last message.
    setImmediate(() => order.push('other work'));
    const accepted = await post(Array.from({ length: 5 }, (_, index) => notification(index)));
    expect(accepted.status).toBe(202);
    expect(order).toHaveLength(6);
    expect(order.indexOf('other work')).toBeLessThan(order.length - 1);
  });
});

describe('2025-11-25 sessions: the bound on live sessions', () => {
  /** Opens a session with `initialize`, as a client does, and reads the answer. */
  const initialize = async (sessions: LegacyMcpSessions, index: number): Promise<void> => {
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: `host ${index}`, version: '1' },
      },
    };
    const answer = await sessions.handle(
      new Request('http://127.0.0.1/api/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify(body),
      }),
      session,
      authInfo,
      body,
    );
    expect(answer.status).toBe(200);
    await answer.text();
  };

  it('closes the first opened sessions, an eighth of the bound at once, when one more opens', async () => {
    const { closedServers, createServer } = countingServers();
    const sessions = createLegacyMcpSessions({
      ids: createMcpSessionIds('secret', 60_000),
      createServer,
      bus: createMemoryMessageBus(),
      report: () => undefined,
      maxLiveSessions: 16,
    });
    opened.push(sessions);
    for (let index = 0; index < 16; index += 1) await initialize(sessions, index);
    expect(closedServers).toEqual([]);
    await initialize(sessions, 16);
    expect(closedServers).toEqual([0, 1, 2]);
  });

  it('leaves idle sessions to the minute sweep: an open does not walk every live session', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    try {
      const { closedServers, createServer } = countingServers();
      const sessions = createLegacyMcpSessions({
        ids: createMcpSessionIds('secret', 24 * 60 * 60_000),
        createServer,
        bus: createMemoryMessageBus(),
        report: () => undefined,
      });
      opened.push(sessions);
      await initialize(sessions, 0);
      // Session 0 has been idle past the 30 minutes after which a sweep closes it.
      vi.setSystemTime(Date.now() + 31 * 60_000);
      await initialize(sessions, 1);
      expect(closedServers).toEqual([]);
      vi.advanceTimersByTime(60_000);
      expect(closedServers).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a bound under one before opening anything', () => {
    const options = { ids: createMcpSessionIds('secret', 60_000), bus: createMemoryMessageBus() };
    const create = () =>
      createLegacyMcpSessions({
        ...options,
        createServer: () => new McpServer({ name: 'test', version: '1' }),
        report: () => undefined,
        maxLiveSessions: 0,
      });
    expect(create).toThrow(RangeError);
  });
});
