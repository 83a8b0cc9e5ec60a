import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../src/core/events.js';
import { silentLogger, type Logger } from '../src/core/logger.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ChatRuntime } from '../src/server/contracts/gateway-config.js';
import type { ServerSpec } from '../src/server/contracts/server-spec.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { requestFromAddress } from './helpers/request-from-address.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const USAGE = {
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  estimated_cost: 0,
};

/**
 * A gateway whose runs append one text delta every `deltaEveryMs` for `deltas` deltas, or,
 * for the message "hold", wait until `release()`.
 */
async function startGateway(
  server: ServerSpec,
  run: { deltas?: number; deltaEveryMs?: number; logger?: Logger } = {},
): Promise<{ gateway: GatewayClient; release: () => void }> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const buildChatRuntime = (info: { request: { messages: Array<{ content: string }> } }): ChatRuntime => ({
    systemPrompt: 's',
    createRunner: (context) => ({
      async run() {
        const append = (event: GatewayEvent): void => void context.eventLog.append(event);
        if (info.request.messages[0]?.content === 'hold') await released;
        for (let index = 0; index < (run.deltas ?? 1); index += 1) {
          append({ type: 'text_delta', text: `delta ${index} ` });
          await new Promise((resolve) => setTimeout(resolve, run.deltaEveryMs ?? 0));
        }
        append({ type: 'stream_complete', usage: USAGE });
      },
    }),
  });
  const app = createGatewayApp({
    buildChatRuntime,
    server: { allowedModels: [], ...server },
    ...(run.logger === undefined ? {} : { logger: run.logger }),
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, release };
}

/** What a raw socket received until the gateway closed it. */
interface RawOutcome {
  received: string;
  closedBy: 'gateway' | 'test';
}

/**
 * Connects from `localAddress`, writes `opening`, then one byte of `drip` every 100 ms (if
 * given), and resolves with what came back once the gateway closes the connection, or after
 * `giveUpMs` (then closed by the test).
 */
function rawConnection(
  gateway: GatewayClient,
  options: { localAddress?: string; opening: string; drip?: string; giveUpMs?: number },
): { outcome: Promise<RawOutcome>; socket: Socket } {
  const socket = connect({
    host: '127.0.0.1',
    port: gateway.server.port,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  cleanup.add(socket, (open) => open.destroy());
  let received = '';
  let dripped = 0;
  const drip = setInterval(() => {
    const byte = options.drip?.[dripped];
    if (byte === undefined || !socket.writable) return;
    dripped += 1;
    socket.write(byte);
  }, 100);
  socket.once('connect', () => {
    if (options.opening !== '') socket.write(options.opening);
  });
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  const outcome = new Promise<RawOutcome>((resolve) => {
    const giveUp = setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      resolve({ received, closedBy: 'test' });
    }, options.giveUpMs ?? 10_000);
    socket.once('close', () => {
      clearTimeout(giveUp);
      clearInterval(drip);
      resolve({ received, closedBy: 'gateway' });
    });
  });
  return { outcome, socket };
}

const SLOW_INIT =
  'POST /api/chat/init HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{';

/**
 * Timeouts long enough that a loaded machine (a test process descheduled for a few hundred ms)
 * cannot make a prompt client look slow, short enough that a drip of one byte per 100 ms
 * outlasts them many times over.
 */
const SLOW_LIMITS: ServerSpec = { headersTimeoutMs: 1_500, requestTimeoutMs: 3_000 };

describe('slow requests', () => {
  it('answers 408 and closes the connection of a body still arriving after requestTimeoutMs', async () => {
    const { gateway } = await startGateway(SLOW_LIMITS);
    const { outcome } = rawConnection(gateway, {
      opening: SLOW_INIT,
      drip: ' '.repeat(199),
      giveUpMs: 20_000,
    });
    const { received, closedBy } = await outcome;
    expect(closedBy).toBe('gateway');
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 to headers still arriving after headersTimeoutMs', async () => {
    const { gateway } = await startGateway(SLOW_LIMITS);
    const { outcome } = rawConnection(gateway, {
      opening: 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      drip: 'X-Slow: '.padEnd(150, 'x'),
      giveUpMs: 20_000,
    });
    const { received, closedBy } = await outcome;
    expect(closedBy).toBe('gateway');
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection that sends nothing within headersTimeoutMs', async () => {
    const { gateway } = await startGateway(SLOW_LIMITS);
    const { outcome } = rawConnection(gateway, { opening: '', giveUpMs: 20_000 });
    const { received, closedBy } = await outcome;
    expect(closedBy).toBe('gateway');
    // Two closers race, both right: the gateway's silence watch drops the socket without a word,
    // and Node's own check of headersTimeout (every connectionsCheckingInterval) answers 408
    // first when the machine is loaded.
    expect(received).toMatch(/^(|HTTP\/1\.1 408 [^]*)$/);
  });

  it('streams an SSE response to its end long after requestTimeoutMs', async () => {
    // 30 deltas at least 150 ms apart: the response lasts at least 4.35 s, longer than the
    // request timeout (3 s) by construction, however fast or slow the machine.
    const { gateway } = await startGateway(SLOW_LIMITS, { deltas: 30, deltaEveryMs: 150 });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'long'));
    const events = eventsOf(frames);
    expect(events.filter((event) => event.type === 'text_delta')).toHaveLength(30);
    expect(events.at(-1)?.type).toBe('stream_complete');
  });
});

describe('connections per client address', () => {
  it('closes connections of one address beyond maxConnectionsPerAddress at once, and serves another address', async () => {
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = {
      ...silentLogger,
      warn: (line: string, details?: Record<string, unknown>) => void warnings.push([line, details]),
    };
    const { gateway } = await startGateway({ maxConnectionsPerAddress: 3 }, { logger });
    const health = 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n';
    // Three slow requests from 127.0.0.2 hold its three connections.
    const held = [0, 1, 2].map(() => rawConnection(gateway, { localAddress: '127.0.0.2', opening: health }));
    await Promise.all(held.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))));
    const refused = rawConnection(gateway, { localAddress: '127.0.0.2', opening: health });
    expect(await refused.outcome).toEqual({ received: '', closedBy: 'gateway' });
    // The operator hears of it once, with the hint for a proxy.
    expect(warnings).toEqual([
      [
        expect.stringMatching(/maxConnectionsPerAddress \(3\).*server\.trustedProxies/),
        { address: '127.0.0.2' },
      ],
    ]);

    const other = await requestFromAddress(`${gateway.baseUrl}/health`, { localAddress: '127.0.0.3' });
    expect(other.status).toBe(200);

    // A connection closed frees its place (once the gateway has seen it close).
    held[0]?.socket.destroy();
    const again = await waitFor(() =>
      requestFromAddress(`${gateway.baseUrl}/health`, { localAddress: '127.0.0.2' }).catch(() => undefined),
    );
    expect(again.status).toBe(200);
  });

  it('exempts trusted proxies and caps the requests in progress of each client they forward', async () => {
    // The test's own client (127.0.0.1) plays the proxy.
    const { gateway, release } = await startGateway({
      maxConnectionsPerAddress: 2,
      trustedProxies: ['127.0.0.1/32'],
    });
    const forwardedFor = (client: string) => ({ headers: { 'x-forwarded-for': `${client}, 127.0.0.1` } });
    // The proxy holds more connections than the cap: three idle ones and the requests below.
    const idle = [0, 1, 2].map(() => rawConnection(gateway, { localAddress: '127.0.0.1', opening: '' }));
    await Promise.all(idle.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))));

    // Two streams of the forwarded client 203.0.113.7 stay open: their runs wait.
    const streams = await Promise.all(
      [0, 1].map(async () => {
        const session = await gateway.openSession();
        return gateway.chat(session.token, 'hold', forwardedFor('203.0.113.7'));
      }),
    );
    expect(streams.map((stream) => stream.status)).toEqual([200, 200]);

    const refused = await gateway.get('/health', forwardedFor('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      detail: 'Too many requests in progress from your address (at most 2)',
    });
    // Another forwarded client, and the proxy's own requests, are served.
    expect((await gateway.get('/health', forwardedFor('203.0.113.8'))).status).toBe(200);
    expect((await gateway.get('/health')).status).toBe(200);
    // A client that is not a trusted proxy cannot borrow another client's address (nor escape
    // its own cap by naming others).
    const direct = await requestFromAddress(`${gateway.baseUrl}/health`, {
      localAddress: '127.0.0.5',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(direct.status).toBe(200);

    release();
    await Promise.all(streams.map((stream) => readAllSseFrames(stream)));
    expect((await gateway.get('/health', forwardedFor('203.0.113.7'))).status).toBe(200);
  });
});

describe('connection options', () => {
  it('refuses a headersTimeoutMs longer than requestTimeoutMs, and a trusted proxy that is not an address', () => {
    const build = (server: ServerSpec) => () =>
      createGatewayApp({
        buildChatRuntime: () => ({
          systemPrompt: 's',
          createRunner: () => ({ run: () => Promise.resolve() }),
        }),
        server,
      });
    expect(build({ headersTimeoutMs: 40_000 })).toThrow(
      /server\.headersTimeoutMs.*must not be longer than requestTimeoutMs/s,
    );
    expect(build({ trustedProxies: ['10.0.0.0/8', 'proxy.internal'] })).toThrow(
      /server\.trustedProxies\.1.*must be an IP address or a CIDR range/s,
    );
  });
});
