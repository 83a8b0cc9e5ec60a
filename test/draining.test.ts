import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('readiness and draining', () => {
  it('answers ready until a shutdown starts, then 503 with Connection: close, refuses new connections and ends running streams cleanly', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('one two three four five six seven eight nine ten', { eventDelayMs: 80 })],
    });
    const ready = await gateway.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const session = await gateway.openSession();
    const stream = createSseReader(await gateway.chat(session.token, 'count'));
    await stream.nextOfType('text_delta');

    const closed = gateway.app.close();
    const inProcess = (path: string): Promise<Response> =>
      gateway.app.fetch(
        new Request(`${gateway.baseUrl}${path}`, { headers: { host: new URL(gateway.baseUrl).host } }),
      );
    const draining = await inProcess('/health/ready');
    expect(draining.status).toBe(503);
    expect(draining.headers.get('retry-after')).toBe('1');
    expect(draining.headers.get('connection')).toBe('close');
    expect(await draining.json()).toEqual({ status: 'draining' });
    // Liveness stays what it is: the process is alive, only not ready.
    const live = await inProcess('/health');
    expect(live.status).toBe(200);
    expect(live.headers.get('connection')).toBe('close');

    // The listening socket is closed first: a new connection is refused, not accepted and dropped.
    await expect(fetch(`${gateway.baseUrl}/health`)).rejects.toThrow();

    // The running stream is not cut: it ends with its terminal event.
    await stream.rest();
    expect(eventsOf(stream.frames).at(-1)).toEqual({
      type: 'error',
      error: 'cancelled: the gateway is shutting down',
    });
    await closed;
  });

  it('answers a request that arrives on a connection accepted just before the shutdown, instead of dropping it', async () => {
    const { gateway } = await startMockAgent(cleanup, { turns: [] });
    const { port } = new URL(gateway.baseUrl);
    // A load balancer's connection: open, accepted, its request not sent yet.
    const socket = connect(Number(port), '127.0.0.1');
    cleanup.add(socket, (open) => open.destroy());
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const socketClosed = once(socket, 'close');
    await once(socket, 'connect');
    await delay(50);
    const closed = gateway.app.close();
    // The request follows a moment later, once the listener is closed and the runs drained.
    await delay(200);
    socket.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await socketClosed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.toLowerCase()).toContain('connection: close');
    await closed;
  });
});
