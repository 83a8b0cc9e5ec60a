import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../src/core/http-error.js';
import { createJsonBodyReader } from '../src/server/http/read-json-body.js';
import { listenOnNode } from '../src/server/listen.js';
import type { ListeningServer } from '../src/server/gateway-app.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A server on 127.0.0.1 that answers every request with `handler`. */
async function serve(handler: (request: Request) => Promise<Response>): Promise<ListeningServer> {
  const server = await listenOnNode(handler, { host: '127.0.0.1', port: 0, backlog: 511 });
  return cleanup.add(server, (listening) => listening.close());
}

/** A raw connection to `server`, closed after the test. */
async function rawConnection(server: ListeningServer): Promise<Socket> {
  const socket = cleanup.add(connect(server.port, '127.0.0.1'), (open) => open.destroy());
  await once(socket, 'connect');
  return socket;
}

/** Everything `socket` receives until the server closes it. */
async function readUntilClosed(socket: Socket): Promise<string> {
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  await once(socket, 'close');
  return received;
}

describe('requests and responses through listen()', () => {
  it('joins repeated request headers as the Fetch standard does (cookies with "; ")', async () => {
    const server = await serve((request) =>
      Promise.resolve(
        Response.json({
          multi: request.headers.get('x-multi'),
          authorization: request.headers.get('authorization'),
          cookie: request.headers.get('cookie'),
          contentType: request.headers.get('Content-Type'),
          absent: request.headers.get('x-absent'),
        }),
      ),
    );
    const socket = await rawConnection(server);
    socket.end(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' +
        'X-Multi: a\r\nx-multi: b\r\nAuthorization: Bearer one\r\nAuthorization: Bearer two\r\n' +
        'Cookie: c=1\r\nCookie: d=2\r\nContent-Type: text/plain\r\n\r\n',
    );
    const answer = await readUntilClosed(socket);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      multi: 'a, b',
      authorization: 'Bearer one, Bearer two',
      cookie: 'c=1; d=2',
      contentType: 'text/plain',
      absent: null,
    });
  });

  it('sends each Set-Cookie of a response on a line of its own', async () => {
    const server = await serve(() => {
      const headers = new Headers({ 'content-type': 'text/plain' });
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; HttpOnly');
      return Promise.resolve(new Response('ok', { headers }));
    });
    const response = await fetch(server.url);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(await response.text()).toBe('ok');
  });

  it('answers HEAD with the head of the GET answer and no body', async () => {
    const server = await serve((request) =>
      Promise.resolve(new Response('hello', { headers: { 'x-method': request.method } })),
    );
    const socket = await rawConnection(server);
    socket.end('HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const answer = await readUntilClosed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.toLowerCase()).toContain('x-method: head\r\n');
    expect(answer.toLowerCase()).toContain('content-length: 5\r\n');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it('streams a response body chunk by chunk, and reads a request body sent in chunks', async () => {
    const server = await serve(async (request) => {
      const received = await request.text();
      const parts = ['first ', 'second ', received];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const part = parts.shift();
          if (part === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(part));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/plain' } });
    });
    const socket = await rawConnection(server);
    socket.write(
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    socket.write('4\r\nsent\r\n');
    socket.end('6\r\n later\r\n0\r\n\r\n');
    const answer = await readUntilClosed(socket);
    expect(answer.toLowerCase()).toContain('transfer-encoding: chunked\r\n');
    const body = answer
      .slice(answer.indexOf('\r\n\r\n') + 4)
      .split('\r\n')
      .filter((_line, index) => index % 2 === 1)
      .join('');
    expect(body).toBe('first second sent later');
  });

  it('aborts request.signal when the client closes the connection before the answer', async () => {
    let reached: () => void = () => undefined;
    const handlerWaits = new Promise<void>((resolve) => (reached = resolve));
    const aborted = new Promise<unknown>((resolve) => {
      void serve((request) => {
        request.signal.addEventListener('abort', () => resolve(request.signal.reason), { once: true });
        reached();
        return new Promise<Response>(() => undefined);
      }).then((server) => {
        const socket = connect(server.port, '127.0.0.1');
        cleanup.add(socket, (open) => open.destroy());
        socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        void handlerWaits.then(() => socket.destroy());
      });
    });
    expect(await aborted).toBeDefined();
  });

  it('answers 413 to an oversized body, declared or chunked, without reading it all', async () => {
    const readBody = createJsonBodyReader({ maxBytes: 32 });
    const server = await serve(async (request) => {
      try {
        return Response.json({ value: await readBody(request, request.signal) });
      } catch (error) {
        if (error instanceof HttpError) return error.toResponse();
        throw error;
      }
    });
    const big = JSON.stringify({ text: 'x'.repeat(200) });
    const declared = await fetch(server.url, { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ detail: 'Request body too large (limit 32 bytes)' });

    const socket = await rawConnection(server);
    socket.write(
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    socket.write(`${big.length.toString(16)}\r\n${big}\r\n`);
    const answer = await readUntilClosed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('{"detail":"Request body too large (limit 32 bytes)"}');
  });

  it('reads a JSON body that came with its head and one that arrives later, failing only by rejection', async () => {
    const readBody = createJsonBodyReader({ maxBytes: 32 });
    const outcomes: string[] = [];
    const server = await serve(async (request) => {
      // As the chat route reads it: after a turn (its session check), when a body sent with the
      // head has arrived whole.
      await new Promise((resolve) => setImmediate(resolve));
      let pending: Promise<unknown>;
      try {
        pending = readBody(request, request.signal);
      } catch {
        outcomes.push('threw');
        return new Response(null, { status: 500 });
      }
      try {
        return Response.json({ value: await pending });
      } catch (error) {
        if (error instanceof HttpError) return error.toResponse();
        throw error;
      }
    });
    const exchange = async (writes: readonly string[]): Promise<string> => {
      const socket = await rawConnection(server);
      const answer = readUntilClosed(socket);
      for (const [index, chunk] of writes.entries()) {
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        socket.write(chunk);
      }
      const text = await answer;
      return `${text.slice(0, 12)} ${text.slice(text.indexOf('\r\n\r\n') + 4)}`;
    };
    const head = (length: number): string =>
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n`;

    expect(await exchange([`${head(9)}{"a":[1]}`])).toBe('HTTP/1.1 200 {"value":{"a":[1]}}');
    expect(await exchange([head(9), '{"a":[1]}'])).toBe('HTTP/1.1 200 {"value":{"a":[1]}}');
    expect(await exchange([head(6), '{"a":1'])).toMatch(/^HTTP\/1\.1 400 \{"detail":"Malformed JSON body: /);
    expect(await exchange([head(40), 'x'.repeat(40)])).toBe(
      'HTTP/1.1 413 {"detail":"Request body too large (limit 32 bytes)"}',
    );
    expect(outcomes).toEqual([]);
  });
});
