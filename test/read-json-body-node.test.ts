import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../src/core/http-error.js';
import { readJsonBody } from '../src/server/http/read-json-body.js';
import { listenOnNode } from '../src/server/listen.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A server on 127.0.0.1 that answers each body as `readJsonBody` reads it (or its error). */
const startEchoServer = async (settled: unknown[] = []) => {
  const server = await listenOnNode(
    async (request) => {
      try {
        const value = await readJsonBody(request, { maxBytes: 64, maxDepth: 3, signal: request.signal });
        settled.push(value);
        return Response.json({ value });
      } catch (error) {
        settled.push(error);
        if (error instanceof HttpError) return error.toResponse();
        return Response.json({ failed: String(error) }, { status: 500 });
      }
    },
    { host: '127.0.0.1', port: 0, backlog: 511 },
  );
  cleanup.add(server, (listening) => listening.close());
  return server;
};

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('readJsonBody on a request served by listen()', () => {
  it('reads a body with a Content-Length from the Node request: JSON, limits and errors as before', async () => {
    const server = await startEchoServer();
    const ok = await post(server.url, '{"messages":[{"role":"user","content":"héllo"}]}');
    expect(await ok.json()).toEqual({ value: { messages: [{ role: 'user', content: 'héllo' }] } });

    const large = await post(server.url, JSON.stringify({ text: 'x'.repeat(100) }));
    expect(large.status).toBe(413);

    const notUtf8 = await post(server.url, new Uint8Array([0x22, 0xff, 0xfe, 0x22]));
    expect(notUtf8.status).toBe(400);
    expect(await notUtf8.json()).toEqual({ detail: 'Malformed JSON body: body is not valid UTF-8' });

    const blank = await post(server.url, '  ');
    expect(await blank.json()).toEqual({ detail: 'Malformed JSON body: body is empty' });

    const deep = await post(server.url, '{"a":[[[1]]]}');
    expect(deep.status).toBe(422);
  });

  it('reads a body that arrives in several packets', async () => {
    const server = await startEchoServer();
    const socket = connect(server.port, '127.0.0.1');
    cleanup.add(socket, (open) => open.destroy());
    await once(socket, 'connect');
    const body = '{"a":"first half","b":"second half"}';
    socket.write(
      `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.end(body.slice(10));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    await once(socket, 'close');
    expect(received).toContain('200 OK');
    expect(received).toContain('{"value":{"a":"first half","b":"second half"}}');
  });

  it('reads bodies that arrived whole with their heads, two requests in one packet on one connection', async () => {
    const server = await startEchoServer();
    const socket = connect(server.port, '127.0.0.1');
    cleanup.add(socket, (open) => open.destroy());
    await once(socket, 'connect');
    const requestOf = (body: string, last: boolean): string =>
      `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${last ? 'connection: close\r\n' : ''}\r\n${body}`;
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.write(requestOf('{"n":1}', false) + requestOf('{"n":2}', true));
    await once(socket, 'close');
    expect(received.match(/200 OK/g)).toHaveLength(2);
    expect(received.indexOf('{"value":{"n":1}}')).toBeGreaterThan(-1);
    expect(received.indexOf('{"value":{"n":2}}')).toBeGreaterThan(received.indexOf('{"value":{"n":1}}'));
  });

  it('rejects, and answers nothing half-read, when the client closes mid-body', async () => {
    const settled: unknown[] = [];
    const server = await startEchoServer(settled);
    await sendHalfABodyAndLeave(server.port);
    await expect.poll(() => settled.length).toBe(1);
    expect(settled[0]).toBeInstanceOf(Error);
    expect(settled[0]).not.toBeInstanceOf(HttpError);
  });

  it("has the request's signal aborted by the time a read cut short by the client rejects", async () => {
    // The app's error handler tells a client that left (499, logged at debug) from a failure of
    // ours (500, reported) by that signal.
    const abortedAtRejection: boolean[] = [];
    const server = await listenOnNode(
      async (request) => {
        try {
          return Response.json(await readJsonBody(request, { signal: request.signal }));
        } catch {
          abortedAtRejection.push(request.signal.aborted);
          return new Response(null, { status: 499 });
        }
      },
      { host: '127.0.0.1', port: 0, backlog: 511 },
    );
    cleanup.add(server, (listening) => listening.close());
    await sendHalfABodyAndLeave(server.port);
    await expect.poll(() => abortedAtRejection.length).toBe(1);
    expect(abortedAtRejection).toEqual([true]);
  });
});

/** Sends a request head and the start of its 40-byte JSON body, then closes the connection. */
async function sendHalfABodyAndLeave(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{"a":',
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
}
