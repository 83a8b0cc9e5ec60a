import { afterEach, describe, expect, it } from 'vitest';
import { ModelHttpClient } from '../src/providers/transport/model-http-client.js';
import { readWholeText, type ResponseBody } from '../src/providers/transport/response-body.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startHttpServer, startRawServer } from './helpers/http1-test-servers.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const defer = (close: () => unknown): void => void cleanup.add(undefined, close);

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

const client = (options?: ConstructorParameters<typeof ModelHttpClient>[0]): ModelHttpClient => {
  const created = new ModelHttpClient(options);
  defer(() => created.close());
  return created;
};

const post = (http: ModelHttpClient, url: URL, init: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
  http.send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', ...init });

/** undici reuses a connection one event-loop turn after its answer ended (in case the server closes it). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads a body to its end; resolves with its text or its error. */
const settle = (body: ResponseBody): Promise<string | Error> =>
  readWholeText(body).catch((error: unknown) => error as Error);

describe('ModelHttpClient failures', () => {
  it('sends a request once more, on a new connection, when the reused one was dead before any answer', async () => {
    // The server answers the first request of a connection, and resets it on the second.
    const server = await startRawServer((socket, _request, index) => {
      if (index === 0) socket.write(OK);
      else socket.resetAndDestroy();
    });
    defer(() => server.close());
    const http = client();
    expect(await readWholeText(await post(http, server.url))).toBe('ok');
    await nextTurn();
    expect(await readWholeText(await post(http, server.url))).toBe('ok');
    expect(server.sockets).toHaveLength(2);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a new connection closed before the answer, nor a reused one twice', async () => {
    const hangUp = await startRawServer((socket) => socket.destroy());
    defer(() => hangUp.close());
    await expect(post(client(), hangUp.url)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(hangUp.requests).toHaveLength(1);

    let connections = 0;
    const flaky = await startRawServer((socket, _request, index) => {
      if (index === 0 && connections++ === 0) socket.write(OK);
      else socket.resetAndDestroy();
    });
    defer(() => flaky.close());
    const http = client();
    expect(await readWholeText(await post(http, flaky.url))).toBe('ok');
    await nextTurn();
    await expect(post(http, flaky.url)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(flaky.requests).toHaveLength(3);
  });

  it('aborts before the head: rejects with an AbortError and closes the connection', async () => {
    const server = await startRawServer(() => undefined);
    defer(() => server.close());
    const controller = new AbortController();
    const pending = post(client(), server.url, { signal: controller.signal });
    await expect.poll(() => server.requests.length).toBe(1);
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const [socket] = server.sockets;
    await expect.poll(() => socket?.destroyed === true || socket?.readableEnded === true).toBe(true);
  });

  it('aborts mid-body: the reader gets the AbortError and the connection is not reused', async () => {
    const answeredOn: unknown[] = [];
    const server = await startHttpServer((request, response) => {
      answeredOn.push(request.socket);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: ping\n\n');
    });
    defer(() => server.close());
    const http = client();
    const controller = new AbortController();
    const body = await post(http, server.url, { signal: controller.signal });
    const pieces: string[] = [];
    const outcome = new Promise<Error>((resolve, reject) =>
      body.read({ data: (text) => pieces.push(text), end: () => reject(new Error('ended')), error: resolve }),
    );
    await expect.poll(() => pieces.join('')).toBe('event: ping\n\n');
    controller.abort();
    expect(await outcome).toMatchObject({ name: 'AbortError' });
    await nextTurn();
    const next = await post(http, server.url, { signal: AbortSignal.timeout(5_000) });
    expect(next.statusCode).toBe(200);
    expect(answeredOn).toHaveLength(2);
    expect(answeredOn[1]).not.toBe(answeredOn[0]);
    next.destroy();
  });

  it('destroying a body before its end closes its connection; after its end does nothing', async () => {
    const server = await startHttpServer((_request, response) => {
      response.writeHead(200);
      response.write('partial');
    });
    defer(() => server.close());
    const http = client();
    const body = await post(http, server.url);
    body.destroy();
    body.destroy();
    const [socket] = server.sockets;
    await expect.poll(() => socket?.destroyed === true || socket?.readableEnded === true).toBe(true);
  });

  it('fails with a TimeoutError when no head comes within timeoutMs', async () => {
    const server = await startRawServer(() => undefined);
    defer(() => server.close());
    await expect(post(client(), server.url, { timeoutMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('rejects an already aborted signal without connecting', async () => {
    const server = await startRawServer(() => undefined);
    defer(() => server.close());
    await expect(post(client(), server.url, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(server.sockets).toHaveLength(0);
  });

  it('rejects a malformed status line with a clear error instead of waiting', async () => {
    const server = await startRawServer((socket) => socket.write('HTTP/1.1 OK 200\r\n\r\n'));
    defer(() => server.close());
    await expect(post(client(), server.url)).rejects.toMatchObject({
      name: 'HTTPParserError',
      code: expect.stringMatching(/^HPE_/) as unknown,
      message: expect.stringContaining('Invalid status code') as unknown,
    });
  });

  it('fails the body at a bad chunk size and a body cut short, then connects anew', async () => {
    const server = await startRawServer((socket, request) => {
      if (request.includes('"cut"')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort');
      else socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nnot-hex\r\n');
    });
    defer(() => server.close());
    const http = client();
    expect(await settle(await post(http, server.url))).toMatchObject({
      name: 'HTTPParserError',
      code: expect.stringMatching(/^HPE_/) as unknown,
      message: expect.stringContaining('Invalid character in chunk size') as unknown,
    });
    const cut = await http.send(server.url, { method: 'POST', headers: {}, body: '"cut"' });
    expect(await settle(cut)).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(server.sockets).toHaveLength(2);
  });

  it('refuses a header value that would split the request, before connecting', async () => {
    const server = await startRawServer(() => undefined);
    defer(() => server.close());
    const send = client().send(server.url, { method: 'POST', headers: { 'x-a': 'b\r\nx-b: c' }, body: '' });
    await expect(send).rejects.toMatchObject({ code: 'UND_ERR_INVALID_ARG' });
    expect(server.sockets).toHaveLength(0);
  });

  it('rejects a refused connection with its error', async () => {
    const server = await startRawServer(() => undefined);
    const url = server.url;
    await server.close();
    await expect(post(client(), url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('drops an idle connection the server closed, and sends the next request on a new one', async () => {
    const server = await startRawServer((socket) => {
      socket.write(OK);
      socket.end();
    });
    defer(() => server.close());
    const http = client();
    expect(await readWholeText(await post(http, server.url))).toBe('ok');
    const [first] = server.sockets;
    await expect.poll(() => first?.destroyed).toBe(true);
    await nextTurn();
    expect(await readWholeText(await post(http, server.url))).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect(server.sockets).toHaveLength(2);
  });

  it('closes a connection left idle past keepAliveMs', async () => {
    const server = await startRawServer((socket) => socket.write(OK));
    defer(() => server.close());
    const http = client({ keepAliveMs: 20 });
    expect(await readWholeText(await post(http, server.url))).toBe('ok');
    const [socket] = server.sockets;
    await expect.poll(() => socket?.readableEnded === true || socket?.destroyed === true).toBe(true);
  });
});
