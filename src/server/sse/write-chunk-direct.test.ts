import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeChunkDirect } from './write-chunk-direct.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Serves every request with `respond`; resolves the port. */
const serve = async (respond: (response: ServerResponse, method: string) => void): Promise<number> => {
  const started = createServer((request, response) => respond(response, request.method ?? 'GET'));
  server = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  return (started.address() as AddressInfo).port;
};

/** One request over its own connection: the status, the transfer encoding and the body as text. */
const fetchText = (
  port: number,
  method = 'GET',
): Promise<{ status: number; encoding: string | undefined; body: string }> =>
  new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          encoding: response.headers['transfer-encoding'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });

describe('writeChunkDirect', () => {
  it('writes chunks a client reads as the body, in order with the response’s own writes', async () => {
    const written: boolean[] = [];
    const port = await serve((response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // Before the head left, Node writes: the head goes out with its first chunk.
      written.push(writeChunkDirect(response, 'data: before the head\n\n'));
      response.write('data: first\n\n');
      written.push(writeChunkDirect(response, 'data: {"text":"é ☃ 😀"}\n\n'));
      response.write(Buffer.from('data: bytes\n\n'));
      written.push(writeChunkDirect(response, 'data: after bytes\n\n'));
      setImmediate(() => {
        written.push(writeChunkDirect(response, 'data: a turn later\n\n'));
        response.end('data: last\n\n');
        written.push(writeChunkDirect(response, 'data: after the end\n\n'));
      });
    });
    const { status, encoding, body } = await fetchText(port);
    expect(status).toBe(200);
    expect(encoding).toBe('chunked');
    expect(body).toBe(
      'data: first\n\ndata: {"text":"é ☃ 😀"}\n\ndata: bytes\n\ndata: after bytes\n\ndata: a turn later\n\ndata: last\n\n',
    );
    expect(written).toEqual([false, true, true, true, false]);
  });

  it('leaves a response without a body (HEAD) and one that is not chunked to Node', async () => {
    const written: boolean[] = [];
    const port = await serve((response, method) => {
      if (method === 'HEAD') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.flushHeaders();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' });
        response.flushHeaders();
      }
      written.push(writeChunkDirect(response, 'body'));
      response.end(method === 'HEAD' ? undefined : 'body');
    });
    expect((await fetchText(port, 'HEAD')).body).toBe('');
    expect((await fetchText(port)).body).toBe('body');
    expect(written).toEqual([false, false]);
  });
});
