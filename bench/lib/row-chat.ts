import { runWorkers } from './run-workers.js';

/**
 * One load client for every row of bench/half-the-floor.ts: the same `fetch` (undici, keep-alive),
 * the same chat (one user message; the mock answers 8 words as 8 text deltas), timed from the
 * request to the first text delta of the row's own stream format, the stream read to its end.
 */

/** How a row takes a chat and marks a text delta in its stream. */
export interface ChatTarget {
  /** The row's name, for errors. */
  name: string;
  url: string;
  /** Text that is in the stream once the first text delta has come. */
  marker: string;
  /** The JSON request body of a chat saying `text`. */
  body(text: string): string;
  /** The headers of a new client: the gateway's open a session (one user each). */
  openClient(index: number): Promise<Record<string, string>>;
}

const json = { 'content-type': 'application/json' };
const userMessage = (text: string): string => JSON.stringify({ messages: [{ role: 'user', content: text }] });
const noSession = (): Promise<Record<string, string>> => Promise.resolve(json);

/** The mock model itself, through its Anthropic Messages route: what every row adds to. */
export const mockTarget = (mockUrl: string): ChatTarget => ({
  name: 'mock',
  url: `${mockUrl}/v1/messages`,
  marker: '"text_delta"',
  body: (text) =>
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: text }],
    }),
  openClient: () => Promise.resolve({ ...json, 'x-api-key': 'bench-key', 'anthropic-version': '2023-06-01' }),
});

/** The thin relay: `POST /` with `{ messages }`, `text_delta` frames. */
export const floorTarget = (url: string): ChatTarget => ({
  name: 'floor',
  url: `${url}/`,
  marker: '"text_delta"',
  body: userMessage,
  openClient: noSession,
});

/**
 * The gateway (`serve`): a session per client (`POST /api/chat/init` with the server-side key
 * `bench`, its own user), then `POST /api/chat` with its bearer token; `text_delta` events.
 */
export const gatewayTarget = (name: string, base: string): ChatTarget => ({
  name,
  url: `${base}/chat`,
  marker: '"text_delta"',
  body: userMessage,
  async openClient(index) {
    const response = await fetch(`${base}/chat/init`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ api_key: 'bench', user: `client-${index}` }),
    });
    const token = ((await response.json()) as { session_token?: unknown }).session_token;
    if (typeof token !== 'string') throw new Error(`${name}: chat/init answered ${response.status}`);
    return { ...json, authorization: `Bearer ${token}` };
  },
});

/** The DIY AI SDK route: `POST /api/chat`, UI message stream (`text-delta` parts). */
export const diyTarget = (url: string): ChatTarget => ({
  name: 'diy',
  url: `${url}/api/chat`,
  marker: '"text-delta"',
  body: userMessage,
  openClient: noSession,
});

/** Mastra's Hono server: `POST /api/agents/bench/stream`, SSE of chunks (`text-delta`). */
export const mastraTarget = (url: string): ChatTarget => ({
  name: 'mastra',
  url: `${url}/api/agents/bench/stream`,
  marker: '"text-delta"',
  body: userMessage,
  openClient: noSession,
});

/** Chats sent again after their kept-alive connection was gone, by row (see `post`). */
export const connectionRetries = new Map<string, number>();

const socketGone = (error: unknown): boolean => {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
};

/**
 * Sends a chat; once more, on another connection and a fresh clock, when the kept-alive
 * connection it went out on was closed by the server before any answer (a row idles for seconds
 * while the others are measured, as long as its keep-alive timeout, and `fetch` does not resend
 * a `POST` by itself). Counted in `connectionRetries`; a second failure is the row's.
 */
async function post(
  target: ChatTarget,
  headers: Record<string, string>,
  text: string,
): Promise<{ response: Response; started: number }> {
  const init = { method: 'POST', headers, body: target.body(text) };
  let started = performance.now();
  try {
    return { response: await fetch(target.url, init), started };
  } catch (error) {
    if (!socketGone(error)) throw error;
    connectionRetries.set(target.name, (connectionRetries.get(target.name) ?? 0) + 1);
    started = performance.now();
    return { response: await fetch(target.url, init), started };
  }
}

/**
 * One chat; resolves the milliseconds from the request to the first text delta. A status other
 * than 200, or a stream that ends with no text delta, is an error of the row.
 */
export async function chatOnce(
  target: ChatTarget,
  headers: Record<string, string>,
  text: string,
): Promise<number> {
  const { response, started } = await post(target, headers, text);
  if (response.status !== 200 || response.body === null)
    throw new Error(`${target.name}: a chat answered ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let ttft = -1;
  let seen = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (ttft >= 0) continue;
    seen += decoder.decode(chunk, { stream: true });
    if (seen.includes(target.marker)) ttft = performance.now() - started;
  }
  if (ttft < 0) throw new Error(`${target.name}: a chat streamed no text delta: ${seen.slice(0, 500)}`);
  return ttft;
}

/**
 * `clients` chat back to back for `seconds` (`runWorkers`, one worker a client); resolves how
 * many chats and in how many ms. A failed chat fails the run: a row that drops chats has no rate.
 */
export async function chatFor(
  target: ChatTarget,
  clients: ReadonlyArray<Record<string, string>>,
  seconds: number,
): Promise<{ chats: number; ms: number }> {
  let failure: Error | undefined;
  const { iterations, elapsedMs } = await runWorkers(
    { concurrency: clients.length, durationMs: seconds * 1_000 },
    async (worker, iteration) => {
      try {
        await chatOnce(target, clients[worker] ?? {}, `question ${iteration} of client ${worker}`);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      }
    },
  );
  if (failure !== undefined) throw failure;
  return { chats: iterations, ms: elapsedMs };
}
