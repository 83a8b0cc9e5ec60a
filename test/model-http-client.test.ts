import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelHttpClient } from '../src/providers/transport/model-http-client.js';
import { readWholeText, type ResponseBody } from '../src/providers/transport/response-body.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startHttpServer, startRawServer, writeByteByByte } from './helpers/http1-test-servers.js';
import { selfSignedCertificate } from './helpers/self-signed-certificate.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const defer = (close: () => unknown): void => void cleanup.add(undefined, close);

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-test' } as const;
const SSE = 'event: message_start\ndata: {"text":"héllo → 😀"}\n\n';

const client = (options?: ConstructorParameters<typeof ModelHttpClient>[0]): ModelHttpClient => {
  const created = new ModelHttpClient(options);
  defer(() => created.close());
  return created;
};

/** undici reuses a connection one event-loop turn after its answer ended (in case the server closes it). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const post = (http: ModelHttpClient, url: URL, body = '{"n":1}'): Promise<ResponseBody> =>
  http.send(url, { method: 'POST', headers: HEADERS, body });

describe('ModelHttpClient over keep-alive sockets', () => {
  it('sends sequential calls over one connection, with the request Node would send', async () => {
    const seen: {
      method: string | undefined;
      url: string | undefined;
      headers: Record<string, unknown>;
      body: string;
    }[] = [];
    const server = await startHttpServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, headers: { ...request.headers }, body });
        response.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${seen.length}` });
        response.end(SSE);
      });
    });
    defer(() => server.close());
    const http = client();
    for (let call = 1; call <= 3; call += 1) {
      await nextTurn();
      const response = await post(http, server.url, `{"call":${call}}`);
      expect(response.statusCode).toBe(200);
      expect(response.rawHeaders).toContain(`req_${call}`);
      expect(await readWholeText(response)).toBe(SSE);
    }
    expect(server.sockets).toHaveLength(1);
    expect(seen.map((request) => request.body)).toEqual(['{"call":1}', '{"call":2}', '{"call":3}']);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1/messages?beta=true',
      headers: { ...HEADERS, host: server.url.host, connection: 'keep-alive', 'content-length': '10' },
    });
  });

  it('sends a header record given again unchanged, and another record or URL in its place', async () => {
    const seen: { url: string | undefined; headers: Record<string, unknown> }[] = [];
    const server = await startHttpServer((request, response) => {
      seen.push({ url: request.url, headers: { ...request.headers } });
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    defer(() => server.close());
    const http = client();
    const other = { 'content-type': 'text/plain', 'x-other': 'yes' };
    const elsewhere = new URL('/v1/other', server.url);
    const calls: [URL, Readonly<Record<string, string>>][] = [
      [server.url, HEADERS],
      [server.url, HEADERS],
      [server.url, HEADERS],
      [server.url, other],
      [elsewhere, other],
      [server.url, HEADERS],
    ];
    for (const [url, headers] of calls) {
      await nextTurn();
      expect(await readWholeText(await http.send(url, { method: 'POST', headers, body: '{}' }))).toBe('ok');
    }
    expect(seen.map((request) => request.url)).toEqual([
      '/v1/messages?beta=true',
      '/v1/messages?beta=true',
      '/v1/messages?beta=true',
      '/v1/messages?beta=true',
      '/v1/other',
      '/v1/messages?beta=true',
    ]);
    calls.forEach(([, headers], index) => expect(seen[index]?.headers).toMatchObject(headers));
    expect(seen[3]?.headers).not.toHaveProperty('x-api-key');
    expect(seen[5]?.headers).not.toHaveProperty('x-other');
  });

  it.each([
    ['a chunked body', true],
    ['a Content-Length body', false],
  ])('reads %s written one byte at a time, then reuses the connection', async (_name, chunked) => {
    const body = Buffer.from(SSE.repeat(3));
    const wire = chunked
      ? Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
          Buffer.from(`${(40).toString(16)};name=value\r\n`),
          body.subarray(0, 40),
          Buffer.from(`\r\n${(body.length - 40).toString(16)}\r\n`),
          body.subarray(40),
          Buffer.from('\r\n0\r\nTrailer: 1\r\n\r\n'),
        ])
      : Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const server = await startRawServer((socket) => writeByteByByte(socket, wire));
    defer(() => server.close());
    const http = client();
    const pieces: string[] = [];
    const first = await post(http, server.url);
    await new Promise<void>((resolve, reject) =>
      first.read({ data: (text) => pieces.push(text), end: resolve, error: reject }),
    );
    expect(pieces.join('')).toBe(body.toString('utf8'));
    expect(pieces.every((piece) => !piece.includes('\uFFFD'))).toBe(true);
    await nextTurn();
    expect(await readWholeText(await post(http, server.url))).toBe(body.toString('utf8'));
    expect(server.sockets).toHaveLength(1);
  });

  it('reads a body delimited by the connection end, and opens a new connection after it', async () => {
    const server = await startRawServer((socket) => socket.end(`HTTP/1.1 200 OK\r\n\r\n${SSE}`));
    defer(() => server.close());
    const http = client();
    expect(await readWholeText(await post(http, server.url))).toBe(SSE);
    expect(await readWholeText(await post(http, server.url))).toBe(SSE);
    expect(server.sockets).toHaveLength(2);
  });

  it('honours the server closing: Connection: close and a Keep-Alive timeout too short to reuse', async () => {
    for (const header of ['Connection: close', 'Keep-Alive: timeout=1']) {
      const server = await startRawServer((socket) =>
        socket.write(`HTTP/1.1 200 OK\r\n${header}\r\nContent-Length: 2\r\n\r\nok`),
      );
      defer(() => server.close());
      const http = client();
      expect(await readWholeText(await post(http, server.url))).toBe('ok');
      expect(await readWholeText(await post(http, server.url))).toBe('ok');
      expect(server.sockets).toHaveLength(2);
      await expect
        .poll(() => server.sockets.every((socket) => socket.destroyed || socket.readableEnded))
        .toBe(true);
    }
  });

  it('queues requests beyond maxSocketsPerOrigin and runs them on the freed connection', async () => {
    const server = await startHttpServer((_request, response) => response.end('done'));
    defer(() => server.close());
    const http = client({ maxSocketsPerOrigin: 1 });
    const answers = await Promise.all([
      post(http, server.url),
      post(http, server.url),
      post(http, server.url),
    ]);
    expect(await Promise.all(answers.map(readWholeText))).toEqual(['done', 'done', 'done']);
    expect(server.sockets).toHaveLength(1);
  });

  it('closes idle connections on close(), twice safely, and refuses a request afterwards', async () => {
    const server = await startHttpServer((_request, response) => response.end('ok'));
    defer(() => server.close());
    const http = client();
    expect(await readWholeText(await post(http, server.url))).toBe('ok');
    http.close();
    http.close();
    const first = server.sockets[0] as Socket;
    await expect.poll(() => first.destroyed || first.readableEnded).toBe(true);
    await expect(post(http, server.url)).rejects.toMatchObject({
      name: expect.stringMatching(/Client(Closed|Destroyed)Error/) as unknown,
    });
    expect(server.sockets).toHaveLength(1);
  });

  it('speaks https to a server with a self-signed certificate it trusts, reusing the connection', async () => {
    const { key, cert: certificate } = selfSignedCertificate();
    const server = createHttpsServer({ key, cert: certificate }, (_request, response) => response.end(SSE));
    const sockets: unknown[] = [];
    server.on('secureConnection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/messages`);
    const http = client({ tls: { ca: certificate } });
    expect(await readWholeText(await post(http, url))).toBe(SSE);
    await nextTurn();
    expect(await readWholeText(await post(http, url))).toBe(SSE);
    expect(sockets).toHaveLength(1);
    // Without the certificate trusted, the connection is refused.
    await expect(post(client(), url)).rejects.toThrow(/self-signed|self signed/);
  });
});
