import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeanConnection, type LeanTarget } from '../bench/lib/lean-load-client.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A `node:http` server on 127.0.0.1 carrying at most `maxRequestsPerSocket` requests a connection. */
async function startServer(
  listener: RequestListener,
  maxRequestsPerSocket = 0,
): Promise<{ url: string; connections: () => number }> {
  const server = createServer({ keepAliveTimeout: 60_000 }, listener);
  server.maxRequestsPerSocket = maxRequestsPerSocket;
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(server, (opened) => {
    opened.closeAllConnections();
    return new Promise((resolve) => opened.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/chat`, connections: () => connections };
}

const targetAt = (url: string): LeanTarget => ({
  name: 'lane',
  url,
  body: (text) => JSON.stringify({ messages: [{ role: 'user', content: text }] }),
  firstTokenMarker: '"text_delta"',
  endMarker: '"stream_complete"',
});

/** Answers every chat as a gateway does: an event stream in chunks, its terminal event last. */
const streamAnswer: RequestListener = (request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: {"type":"text_delta","content":"hi"}\n\n');
    response.end('data: {"type":"stream_complete"}\n\n');
  });
};

describe('the lean load client', () => {
  it('reads an empty chunked answer (Node refusing a request past maxRequestsPerSocket) as an answer', async () => {
    // What Node writes to a request sent on a connection past its `maxRequestsPerSocket`.
    const server = await startServer((request, response) => {
      request.resume();
      response.writeHead(503, { connection: 'close' });
      response.end();
    });
    const connection = cleanup.add(createLeanConnection(targetAt(server.url), {}), (opened) =>
      opened.close(),
    );

    await expect(connection.chat('hello')).resolves.toEqual({ status: 503 });
  });

  it('sends no chat to a connection whose last answer said connection: close', async () => {
    const server = await startServer(streamAnswer, 2);
    const connection = cleanup.add(createLeanConnection(targetAt(server.url), {}), (opened) =>
      opened.close(),
    );

    const statuses: number[] = [];
    for (let chat = 0; chat < 6; chat += 1) statuses.push((await connection.chat(`chat ${chat}`)).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // Two chats a connection, none sent to a connection the server was closing.
    expect(server.connections()).toBe(3);
    expect(connection.resent).toBe(0);
  });
});
