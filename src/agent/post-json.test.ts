import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NonPublicAddressError, type ResolveHost } from './outbound-address.js';
import { MAX_ANSWER_BYTES, postJson } from './post-json.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A listener on 127.0.0.1 answering with `handle`; counts connections and what it was sent. */
async function startListener(handle: (response: ServerResponse) => void) {
  let connections = 0;
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      handle(response);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, connections: () => connections, bodies };
}

/** Writes `status` and then 64 KB chunks until the client hangs up; resolves when it did. */
function endless(status: number) {
  let hungUp: () => void = () => undefined;
  const dropped = new Promise<void>((resolve) => {
    hungUp = resolve;
  });
  const handle = (response: ServerResponse): void => {
    response.writeHead(status);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const pump = (): void => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pump);
    };
    response.on('close', () => hungUp());
    pump();
  };
  return { handle, dropped };
}

const HOUR = 3_600_000;

describe('postJson', () => {
  it('posts the JSON body and resolves on a 2xx answer', async () => {
    const listener = await startListener((response) => response.writeHead(204).end());
    await postJson({
      url: `http://127.0.0.1:${listener.port}/hook`,
      body: { hello: 'world' },
      timeoutMs: HOUR,
      description: 'test post',
    });
    expect(listener.bodies).toEqual(['{"hello":"world"}']);
  });

  it('resolves on an endless 2xx answer after reading a few KB, and hangs up', async () => {
    const answer = endless(200);
    const listener = await startListener(answer.handle);
    await postJson({
      url: `http://127.0.0.1:${listener.port}/`,
      body: {},
      timeoutMs: HOUR,
      description: 'endless',
    });
    await answer.dropped;
  });

  it('rejects an endless error answer with an excerpt of its first bytes only', async () => {
    const answer = endless(502);
    const listener = await startListener(answer.handle);
    const failure = postJson({
      url: `http://127.0.0.1:${listener.port}/`,
      body: {},
      timeoutMs: HOUR,
      description: 'endless',
    });
    await expect(failure).rejects.toThrow(/^endless answered HTTP 502: y{200}$/);
    await answer.dropped;
    expect(MAX_ANSWER_BYTES).toBeLessThanOrEqual(8192);
  });

  it('with an address policy, connects to the address its lookup checked (no second resolution)', async () => {
    const listener = await startListener((response) => response.writeHead(204).end());
    let lookups = 0;
    const rebinding: ResolveHost = () => {
      lookups += 1;
      return Promise.resolve([{ address: lookups === 1 ? '203.0.113.9' : '127.0.0.1', family: 4 }]);
    };
    const failure = postJson({
      url: `http://rebind.test:${listener.port}/`,
      body: {},
      timeoutMs: HOUR,
      connectTimeoutMs: 200,
      description: 'rebinding',
      addressPolicy: { allowedHosts: [], resolve: rebinding },
    });
    await expect(failure).rejects.toThrow();
    expect(lookups).toBe(1);
    expect(listener.connections()).toBe(0);
  });

  it('with an address policy, refuses loopback names and literals without connecting, unless allowed', async () => {
    const listener = await startListener((response) => response.writeHead(204).end());
    const loopback: ResolveHost = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const post = (url: string, allowedHosts: string[] = []) =>
      postJson({
        url,
        body: {},
        timeoutMs: HOUR,
        description: 'guarded',
        addressPolicy: { allowedHosts, resolve: loopback },
      });
    await expect(post(`http://receiver.test:${listener.port}/`)).rejects.toBeInstanceOf(
      NonPublicAddressError,
    );
    await expect(post(`http://127.0.0.1:${listener.port}/`)).rejects.toBeInstanceOf(NonPublicAddressError);
    await expect(post(`http://[::ffff:127.0.0.1]:${listener.port}/`)).rejects.toBeInstanceOf(
      NonPublicAddressError,
    );
    expect(listener.connections()).toBe(0);
    await post(`http://127.0.0.1:${listener.port}/`, [`127.0.0.1:${listener.port}`]);
    expect(listener.connections()).toBe(1);
  });

  it('with an address policy, refuses a name answering a NAT64 form of a private address without connecting', async () => {
    const listener = await startListener((response) => response.writeHead(204).end());
    const nat64: ResolveHost = () => Promise.resolve([{ address: '64:ff9b::7f00:1', family: 6 }]);
    const posting = postJson({
      url: `http://receiver.test:${listener.port}/`,
      body: {},
      timeoutMs: HOUR,
      description: 'guarded',
      addressPolicy: { allowedHosts: [], resolve: nat64 },
    });
    await expect(posting).rejects.toBeInstanceOf(NonPublicAddressError);
    expect(listener.connections()).toBe(0);
  });

  it('never follows a redirect', async () => {
    const listener = await startListener((response) =>
      response.writeHead(302, { location: 'http://example.com/' }).end(),
    );
    await expect(
      postJson({
        url: `http://127.0.0.1:${listener.port}/`,
        body: {},
        timeoutMs: HOUR,
        description: 'moved',
      }),
    ).rejects.toThrow(/redirect \(HTTP 302\)/);
    expect(listener.connections()).toBe(1);
  });
});
