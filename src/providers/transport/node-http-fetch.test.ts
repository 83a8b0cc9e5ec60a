import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch, NodeBodyResponse, withCallerSignal } from './node-http-fetch.js';

let server: Server | undefined;
/** The responses the server holds open, and whether each one's client went away. */
const open: Array<{ response: ServerResponse; closed: Promise<void> }> = [];

/** A server that answers 200 with a first chunk and keeps the body open. */
async function startServer(): Promise<string> {
  server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
    open.push({ response, closed: new Promise((resolve) => request.socket.once('close', () => resolve())) });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}/stream`;
}

afterEach(async () => {
  for (const { response } of open.splice(0)) response.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('createNodeHttpFetch with the caller’s signal (withCallerSignal)', () => {
  it('destroys the request when the caller’s signal aborts while the body is read', async () => {
    const url = await startServer();
    const transport = createNodeHttpFetch();
    const { fetch } = transport;
    const caller = new AbortController();
    const response = await fetch(url, { method: 'POST', body: '{}', ...withCallerSignal(caller.signal) });
    expect(response).toBeInstanceOf(NodeBodyResponse);
    const body = (response as NodeBodyResponse).nodeBody;
    const failed = new Promise<Error>((resolve) => body.once('error', resolve));
    caller.abort(new Error('the run was cancelled'));
    // The body errors (Node's "aborted") and the server sees the connection close.
    expect(await failed).toBeInstanceOf(Error);
    await open[0]?.closed;
    transport.close();
  });

  it('rejects with an AbortError, and sends nothing, when the caller’s signal aborted already', async () => {
    const url = await startServer();
    const transport = createNodeHttpFetch();
    const { fetch } = transport;
    await expect(
      fetch(url, { method: 'POST', body: '{}', ...withCallerSignal(AbortSignal.abort()) }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(open).toHaveLength(0);
    transport.close();
  });

  it('still aborts on the request’s own signal beside the caller’s', async () => {
    const url = await startServer();
    const transport = createNodeHttpFetch();
    const { fetch } = transport;
    const own = new AbortController();
    const response = await fetch(url, {
      method: 'POST',
      body: '{}',
      signal: own.signal,
      ...withCallerSignal(new AbortController().signal),
    });
    const body = (response as NodeBodyResponse).nodeBody;
    const failed = new Promise<Error>((resolve) => body.once('error', resolve));
    own.abort();
    expect(await failed).toBeInstanceOf(Error);
    await open[0]?.closed;
    transport.close();
  });
});
