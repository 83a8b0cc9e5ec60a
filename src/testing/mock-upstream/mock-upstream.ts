import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScriptedHttpError, ScriptedResponse, ScriptedTurn } from '../scripted-turn.js';
import { anthropicErrorBody, encodeAnthropicStream } from './anthropic-stream-encoder.js';
import { encodeOpenAIStream, openAIErrorBody } from './openai-stream-encoder.js';
import { formatSseFrame, type SseFrame } from './sse-frame.js';

/** Which wire format a request spoke. */
export type UpstreamFlavor = 'anthropic' | 'openai';

/** A request the mock upstream received, kept for assertions. */
export interface RecordedUpstreamRequest {
  flavor: UpstreamFlavor;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Whether the client closed the connection before the response was complete. */
  clientAborted: boolean;
}

/** Options of `createMockUpstream`. */
export interface MockUpstreamOptions {
  /** Scripted turns answered on `POST /v1/messages`, in order. */
  anthropic?: ScriptedTurn[];
  /** Scripted turns answered on `POST /v1/chat/completions`, in order. */
  openai?: ScriptedTurn[];
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
  enqueue(flavor: UpstreamFlavor, ...turns: ScriptedTurn[]): void;
  /** Resolves once a client has closed a connection before its response completed. */
  waitForClientAbort(signal?: AbortSignal): Promise<RecordedUpstreamRequest>;
  /** Throws when scripted turns are left over or a request arrived with none left. */
  assertAllConsumed(): void;
  /** Stops the server and drops open connections; safe to call twice. */
  close(): Promise<void>;
}

const delay = (milliseconds: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || milliseconds <= 0) return resolve();
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

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

/** Starts a mock upstream on 127.0.0.1. */
export async function createMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const queues: Record<UpstreamFlavor, ScriptedTurn[]> = {
    anthropic: [...(options.anthropic ?? [])],
    openai: [...(options.openai ?? [])],
  };
  const requests: RecordedUpstreamRequest[] = [];
  const violations: string[] = [];
  const abortWaiters = new Set<(request: RecordedUpstreamRequest) => void>();
  const lifetime = new AbortController();

  const writeError = (response: ServerResponse, flavor: UpstreamFlavor, turn: ScriptedHttpError): void => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (turn.retryAfterSeconds !== undefined) headers['retry-after'] = String(turn.retryAfterSeconds);
    const message = turn.message ?? `scripted HTTP ${turn.status}`;
    const body =
      flavor === 'anthropic'
        ? anthropicErrorBody(turn.status, message)
        : openAIErrorBody(turn.status, message);
    response.writeHead(turn.status, headers).end(JSON.stringify(body));
  };

  const writeStream = async (
    response: ServerResponse,
    turn: ScriptedResponse,
    frames: SseFrame[],
    connection: AbortSignal,
  ): Promise<void> => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    for (const [index, frame] of frames.entries()) {
      if (turn.cutAfterEvents !== undefined && index >= turn.cutAfterEvents) {
        response.socket?.destroy();
        return;
      }
      if (turn.stallAfterEvents !== undefined && index >= turn.stallAfterEvents) {
        await new Promise<void>((resolve) => {
          if (connection.aborted) return resolve();
          connection.addEventListener('abort', () => resolve(), { once: true });
        });
        return;
      }
      await delay(turn.eventDelayMs ?? 0, connection);
      if (connection.aborted) return;
      response.write(formatSseFrame(frame));
    }
    response.end();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
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
    };
    requests.push(recorded);
    const connection = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) {
        recorded.clientAborted = true;
        for (const waiter of abortWaiters) waiter(recorded);
        abortWaiters.clear();
      }
      connection.abort();
    });
    lifetime.signal.addEventListener('abort', () => connection.abort(), { once: true });

    const turn = queues[flavor].shift();
    if (turn === undefined) {
      violations.push(`unexpected ${flavor} request #${requests.length}: no scripted turn left`);
      writeError(response, flavor, {
        kind: 'http_error',
        status: 400,
        message: 'mock upstream: no scripted turn left',
      });
      return;
    }
    if (turn.kind === 'http_error') {
      writeError(response, flavor, turn);
      return;
    }
    const model = modelOf(body);
    const frames =
      flavor === 'anthropic' ? encodeAnthropicStream(turn, model) : encodeOpenAIStream(turn, model);
    await writeStream(response, turn, frames, connection.signal);
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
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
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
