import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnNode } from '../src/server/listen.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A server whose `/stream` answers with an event stream that ends when `end()` is called. */
const startStreamingServer = async () => {
  let end = (): void => undefined;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const server = await listenOnNode(
    (request) => {
      if (new URL(request.url).pathname !== '/stream') return Promise.resolve(new Response('plain'));
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('data: first\n\n'));
          await ended;
          controller.enqueue(new TextEncoder().encode('data: last\n\n'));
          controller.close();
        },
      });
      return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    },
    { host: '127.0.0.1', port: 0, backlog: 511 },
  );
  cleanup.add(server, (listening) => listening.close());
  return { server, end };
};

/** A raw keep-alive connection (a load balancer's), with everything it received so far. */
const openConnection = async (port: number) => {
  const socket = connect(port, '127.0.0.1');
  cleanup.add(socket, (open) => open.destroy());
  socket.on('error', () => undefined);
  const received = { text: '' };
  const listeners = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    received.text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  const until = (predicate: (text: string) => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!predicate(received.text)) return;
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      check();
    });
  const send = (path: string): boolean =>
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  return { received, until, send, closed };
};

describe('a listener that stops accepting', () => {
  it('closes a keep-alive connection as soon as its response ends, so its next request is retried elsewhere instead of answered here', async () => {
    const { server, end } = await startStreamingServer();
    const connection = await openConnection(server.port);
    connection.send('/stream');
    await connection.until((text) => text.includes('data: first'));
    // The shutdown begins while the stream is under way (its head said keep-alive)…
    server.stopAccepting();
    end();
    await connection.until((text) => text.includes('\r\n0\r\n\r\n'));
    // …and a balancer reuses the connection the moment the stream has ended.
    connection.send('/next');
    await connection.closed;
    expect(connection.received.text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200']);
    expect(connection.received.text).not.toContain('plain');
  });

  it('keeps serving a keep-alive connection until the shutdown begins', async () => {
    const { server, end } = await startStreamingServer();
    end();
    const connection = await openConnection(server.port);
    connection.send('/stream');
    await connection.until((text) => text.includes('\r\n0\r\n\r\n'));
    connection.send('/next');
    await connection.until((text) => text.includes('plain'));
    expect(connection.received.text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
  });
});
