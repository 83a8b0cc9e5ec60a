import { epochNow } from './stats.js';
import { emptyObservation, type ChatRequest, type StreamObservation } from './stream-observation.js';
import { describeFailure } from './describe-failure.js';

/** The load client's view of the gateway: sessions and observed SSE chats. */
export interface GatewayLoadClient {
  /** `POST /chat/init`; returns the session token. */
  openSession(): Promise<string>;
  /** Streams one chat on `token`'s session and records what arrived when. */
  chat(token: string, request: ChatRequest): Promise<StreamObservation>;
}

const MAX_BUSY_RETRIES = 200;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * A minimal SSE client over the built-in fetch (undici): it parses frames as they arrive and
 * timestamps the response headers, each `text_delta` and the terminal event. `id:` values
 * (`<runId>:<seq>`) are checked for gaps, which would be lost events.
 */
export function createGatewayLoadClient(baseUrl: string): GatewayLoadClient {
  const openSession = async (): Promise<string> => {
    const response = await fetch(`${baseUrl}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'bench-client' }),
    });
    const body = (await response.json()) as { session_token?: unknown };
    if (typeof body.session_token !== 'string') throw new Error(`chat/init failed: ${response.status}`);
    return body.session_token;
  };

  const chat = async (token: string, request: ChatRequest): Promise<StreamObservation> => {
    const observation = emptyObservation();
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort();
    request.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const started = observation.startedAt;
    try {
      let response: Response;
      for (;;) {
        response = await fetch(`${baseUrl}/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ messages: [{ role: 'user', content: request.text }] }),
          signal: controller.signal,
        });
        // The previous run of this session may still be releasing its lock: try again.
        if (response.status !== 409 || observation.busyRetries >= MAX_BUSY_RETRIES) break;
        await response.body?.cancel();
        observation.busyRetries += 1;
        await sleep(1);
      }
      observation.status = response.status;
      observation.ttfbMs = performance.now() - started;
      const body = response.body;
      if (response.status !== 200 || body === null) {
        observation.errorText = `HTTP ${response.status}: ${await response.text()}`;
        return observation;
      }
      await readFrames(body, observation, started, request, controller);
    } catch (error) {
      if (observation.abortedAtEpochMs === undefined && observation.terminal === undefined) {
        observation.errorText = describeFailure(error);
      }
    } finally {
      request.signal?.removeEventListener('abort', onOuterAbort);
      observation.totalMs = performance.now() - started;
    }
    return observation;
  };

  return { openSession, chat };
}

async function readFrames(
  body: ReadableStream<Uint8Array>,
  observation: StreamObservation,
  started: number,
  request: ChatRequest,
  controller: AbortController,
): Promise<void> {
  // One decoder per stream: a streaming decoder keeps the partial character of the last chunk.
  const decoder = new TextDecoder();
  let buffered = '';
  let lastSeq: number | undefined;
  let lastTextAt: number | undefined;
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let boundary = buffered.indexOf('\n\n'); boundary !== -1; boundary = buffered.indexOf('\n\n')) {
      const frame = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      let data: string | undefined;
      for (const line of frame.split('\n')) {
        if (line.startsWith('data: ')) data = line.slice(6);
        else if (line.startsWith('id: ')) {
          const seq = Number(line.slice(line.lastIndexOf(':') + 1));
          if (lastSeq !== undefined && seq > lastSeq + 1) observation.missingSeq += seq - lastSeq - 1;
          lastSeq = seq;
        }
      }
      if (data === undefined) continue;
      const event = JSON.parse(data) as { type?: string; error?: string };
      if (event.type === 'text_delta') {
        const now = performance.now();
        observation.textDeltas += 1;
        if (observation.firstTextMs === undefined) {
          observation.firstTextMs = now - started;
          request.onFirstText?.();
        } else if (request.collectGaps === true && lastTextAt !== undefined)
          observation.gapsMs.push(now - lastTextAt);
        lastTextAt = now;
        if (request.abortOnFirstText === true) {
          observation.abortedAtEpochMs = epochNow();
          controller.abort();
          return;
        }
      } else if (event.type === 'stream_complete' || event.type === 'error') {
        observation.terminal = event.type;
        if (event.type === 'error') observation.errorText = event.error ?? 'error';
      }
    }
  }
}
