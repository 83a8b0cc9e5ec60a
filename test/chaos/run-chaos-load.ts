import { parseSseFrame } from '../helpers/sse-reader.js';

/** How one chat of the chaos load ended, seen from the client. */
export interface ChatOutcome {
  id: string;
  /** `stream_complete` or `error`; `hung` when the deadline passed first; `http_<status>` otherwise. */
  ending: 'stream_complete' | 'error' | 'hung' | `http_${number}` | 'client_failure';
  retries: number;
  /** The `error` event's text, if any. */
  errorText?: string;
  elapsedMs: number;
}

/** Options of `runChaosLoad`. */
export interface ChaosLoadOptions {
  baseUrl: string;
  concurrency: number;
  /** Workers stop starting chats after this long. */
  durationMs: number;
  /** A stream without its terminal event after this long counts as hung. */
  streamDeadlineMs: number;
  /** Prefix of the chat ids (`#<prefix><worker>-<n>` in the user message). */
  idPrefix: string;
}

/** Opens a session; throws unless the gateway answers 200 with a token. */
export async function openSession(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/chat/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: 'chaos-client' }),
  });
  const body = (await response.json()) as { session_token?: unknown };
  if (response.status !== 200 || typeof body.session_token !== 'string') {
    throw new Error(`chat/init failed with ${response.status}`);
  }
  return body.session_token;
}

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Streams one chat to its end (or its deadline) and classifies how it ended. */
export async function chatOnce(
  baseUrl: string,
  token: string,
  id: string,
  deadlineMs: number,
): Promise<ChatOutcome> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(deadlineMs);
  let retries = 0;
  try {
    let response: Response;
    for (let busy = 0; ; busy += 1) {
      response = await fetch(`${baseUrl}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ messages: [{ role: 'user', content: `Tell me something. chaos#${id}` }] }),
        signal: deadline,
      });
      // The session's previous run may still be releasing its lock.
      if (response.status !== 409 || busy >= 100) break;
      await response.body?.cancel();
      await sleep(5);
    }
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel();
      return { id, ending: `http_${response.status}`, retries, elapsedMs: performance.now() - started };
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as ReadableStream<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let boundary = buffered.indexOf('\n\n'); boundary !== -1; boundary = buffered.indexOf('\n\n')) {
        const frame = parseSseFrame(buffered.slice(0, boundary));
        buffered = buffered.slice(boundary + 2);
        const event = frame?.event;
        if (event?.type === 'stream_retry') retries += 1;
        if (event?.type === 'stream_complete' || event?.type === 'error') {
          return {
            id,
            ending: event.type,
            retries,
            ...(event.type === 'error' ? { errorText: event.error } : {}),
            elapsedMs: performance.now() - started,
          };
        }
      }
    }
    // The server closed the stream without a terminal event.
    return { id, ending: 'hung', retries, elapsedMs: performance.now() - started };
  } catch (error) {
    const ending = deadline.aborted ? 'hung' : 'client_failure';
    const errorText = error instanceof Error ? error.message : String(error);
    return { id, ending, retries, errorText, elapsedMs: performance.now() - started };
  }
}

/**
 * Runs `concurrency` clients (one session each) that chat back to back until `durationMs` has
 * passed, and returns how every chat ended.
 */
export async function runChaosLoad(options: ChaosLoadOptions): Promise<ChatOutcome[]> {
  const tokens = await Promise.all(
    Array.from({ length: options.concurrency }, () => openSession(options.baseUrl)),
  );
  const outcomes: ChatOutcome[] = [];
  const stopAt = performance.now() + options.durationMs;
  await Promise.all(
    tokens.map(async (token, worker) => {
      for (let index = 0; performance.now() < stopAt; index += 1) {
        outcomes.push(
          await chatOnce(
            options.baseUrl,
            token,
            `${options.idPrefix}${worker}-${index}`,
            options.streamDeadlineMs,
          ),
        );
      }
    }),
  );
  return outcomes;
}
