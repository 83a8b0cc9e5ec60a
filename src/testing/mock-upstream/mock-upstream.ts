import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import { encodeAnthropicStream } from './anthropic-stream-encoder.js';
import type { MockTurn } from './mock-turn.js';
import { encodeOpenAIStream } from './openai-stream-encoder.js';
import { writeHttpError, writeMockStream, type UpstreamFlavor } from './write-mock-response.js';

export type { UpstreamFlavor } from './write-mock-response.js';

/** A request the mock upstream received, kept for assertions. */
export interface RecordedUpstreamRequest {
  flavor: UpstreamFlavor;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Whether the client closed the connection before the response was complete. */
  clientAborted: boolean;
  /** Arrival time in epoch milliseconds with sub-millisecond precision (comparable across processes). */
  receivedAt: number;
  /** What the mock answered with (undefined while the body is read, or with no turn left). */
  turn?: MockTurn | undefined;
}

/** Chooses the answer to a request when its flavor's queue of scripted turns is empty. */
export type MockResponder = (request: RecordedUpstreamRequest) => MockTurn;

/** Options of `createMockUpstream`. */
export interface MockUpstreamOptions {
  /** Scripted turns answered on `POST /v1/messages`, in order. */
  anthropic?: MockTurn[];
  /** Scripted turns answered on `POST /v1/chat/completions`, in order. */
  openai?: MockTurn[];
  /**
   * Answers every request that finds its queue empty (instead of a 400 and a script violation):
   * an endless upstream for load tests, benchmarks and chaos runs.
   */
  respond?: MockResponder;
  /**
   * Keep every request in `requests` (default true). Load runs turn it off so that memory
   * stays flat over hundreds of thousands of requests.
   */
  recordRequests?: boolean;
  /** Called as soon as a client closes a connection before its response completed. */
  onClientAbort?: (request: RecordedUpstreamRequest) => void;
  /** Port to listen on (default: a free port). Always bound to 127.0.0.1. */
  port?: number;
}

/**
 * A local HTTP server that speaks the real Anthropic Messages and OpenAI Chat Completions
 * streaming formats from a script. Point the official SDKs at it (`baseURL`) to test a
 * provider end to end with no network.
 */
export interface MockUpstream {
  /** `http://127.0.0.1:<port>` — the Anthropic SDK's `baseURL`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/v1` — the OpenAI SDK's `baseURL`. */
  readonly openaiBaseURL: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedUpstreamRequest[];
  /** Appends scripted turns for one wire format. */
  enqueue(flavor: UpstreamFlavor, ...turns: MockTurn[]): void;
  /** Resolves once a client has closed a connection before its response completed. */
  waitForClientAbort(signal?: AbortSignal): Promise<RecordedUpstreamRequest>;
  /** Throws when scripted turns are left over or a request arrived with none left. */
  assertAllConsumed(): void;
  /** Stops the server and drops open connections; safe to call twice. */
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
};

const modelOf = (body: unknown): string => {
  if (typeof body === 'object' && body !== null && 'model' in body && typeof body.model === 'string') {
    return body.model;
  }
  return 'mock-model';
};

const turnList = z
  .array(z.custom<MockTurn>((turn) => typeof turn === 'object' && turn !== null, 'must be a scripted turn'))
  .optional();
const mockUpstreamOptionsSchema = z.strictObject({
  anthropic: turnList,
  openai: turnList,
  respond: callable<MockResponder>().optional(),
  recordRequests: z.boolean().optional(),
  onClientAbort: callable<(request: RecordedUpstreamRequest) => void>().optional(),
  port: z.number().int().min(0).max(65_535).optional(),
});

/** Starts a mock upstream on 127.0.0.1. */
export async function createMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  parseOptions(mockUpstreamOptionsSchema, options, 'createMockUpstream');
  const queues: Record<UpstreamFlavor, MockTurn[]> = {
    anthropic: [...(options.anthropic ?? [])],
    openai: [...(options.openai ?? [])],
  };
  const requests: RecordedUpstreamRequest[] = [];
  const violations: string[] = [];
  const abortWaiters = new Set<(request: RecordedUpstreamRequest) => void>();
  const lifetime = new AbortController();
  // Every open response listens to it (and stops when it ends): many at once is load, not a leak.
  setMaxListeners(0, lifetime.signal);
  const recordRequests = options.recordRequests ?? true;
  let requestCount = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const receivedAt = performance.timeOrigin + performance.now();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const flavor: UpstreamFlavor | undefined =
      request.method === 'POST' && path === '/v1/messages'
        ? 'anthropic'
        : request.method === 'POST' && path === '/v1/chat/completions'
          ? 'openai'
          : undefined;
    const body = await readBody(request);
    if (flavor === undefined) {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":"mock upstream: no such route"}');
      return;
    }
    const recorded: RecordedUpstreamRequest = {
      flavor,
      path,
      headers: request.headers,
      body,
      clientAborted: false,
      receivedAt,
    };
    requestCount += 1;
    if (recordRequests) requests.push(recorded);
    const connection = new AbortController();
    // Per request, and removed when it ends: a long load run must not pile listeners on it.
    const onServerClose = (): void => connection.abort();
    lifetime.signal.addEventListener('abort', onServerClose, { once: true });
    response.on('close', () => {
      lifetime.signal.removeEventListener('abort', onServerClose);
      if (!response.writableFinished) {
        recorded.clientAborted = true;
        options.onClientAbort?.(recorded);
        for (const waiter of abortWaiters) waiter(recorded);
        abortWaiters.clear();
      }
      connection.abort();
    });

    const turn = queues[flavor].shift() ?? options.respond?.(recorded);
    recorded.turn = turn;
    if (turn === undefined) {
      violations.push(`unexpected ${flavor} request #${requestCount}: no scripted turn left`);
      writeHttpError(response, flavor, {
        kind: 'http_error',
        status: 400,
        message: 'mock upstream: no scripted turn left',
      });
      return;
    }
    if (turn.kind === 'http_error') {
      writeHttpError(response, flavor, turn);
      return;
    }
    const model = modelOf(body);
    const frames =
      flavor === 'anthropic' ? encodeAnthropicStream(turn, model) : encodeOpenAIStream(turn, model);
    await writeMockStream(response, flavor, turn, frames, connection.signal);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      violations.push(`mock upstream failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue, like the gateway's: a burst of streams must not be reset here either.
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    requests,
    enqueue(flavor, ...turns) {
      queues[flavor].push(...turns);
    },
    waitForClientAbort(signal) {
      const already = requests.find((request) => request.clientAborted);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = (request: RecordedUpstreamRequest): void => resolve(request);
        abortWaiters.add(waiter);
        signal?.addEventListener(
          'abort',
          () => {
            abortWaiters.delete(waiter);
            reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          },
          { once: true },
        );
      });
    },
    assertAllConsumed() {
      const leftovers = (['anthropic', 'openai'] as const)
        .filter((flavor) => queues[flavor].length > 0)
        .map((flavor) => `${queues[flavor].length} unused ${flavor} turn(s)`);
      const problems = [...violations, ...leftovers];
      if (problems.length > 0) throw new Error(`mock upstream script not followed: ${problems.join('; ')}`);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
