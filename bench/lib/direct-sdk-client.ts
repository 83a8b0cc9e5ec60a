import Anthropic from '@anthropic-ai/sdk';
import { epochNow } from './stats.js';
import { emptyObservation, type ChatRequest, type StreamObservation } from './stream-observation.js';
import { describeFailure } from './describe-failure.js';

/** The baseline: the same load client streaming from the mock upstream through the official SDK. */
export interface DirectSdkClient {
  chat(request: ChatRequest): Promise<StreamObservation>;
}

/**
 * Creates the direct client: one Anthropic SDK client (no SDK retries, as in the gateway) that
 * records the same timings as the gateway load client, from the raw stream events.
 */
export function createDirectSdkClient(upstreamUrl: string): DirectSdkClient {
  const client = new Anthropic({ apiKey: 'bench-key', authToken: null, baseURL: upstreamUrl, maxRetries: 0 });
  return {
    async chat(request) {
      const observation = emptyObservation();
      const controller = new AbortController();
      const onOuterAbort = (): void => controller.abort();
      request.signal?.addEventListener('abort', onOuterAbort, { once: true });
      const started = observation.startedAt;
      let lastTextAt: number | undefined;
      try {
        const stream = await client.messages.create(
          {
            model: 'claude-sonnet-4-6',
            max_tokens: 1024,
            messages: [{ role: 'user', content: request.text }],
            stream: true,
          },
          { signal: controller.signal },
        );
        observation.status = 200;
        observation.ttfbMs = performance.now() - started;
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
            const now = performance.now();
            observation.textDeltas += 1;
            if (observation.firstTextMs === undefined) {
              observation.firstTextMs = now - started;
              request.onFirstText?.();
            } else if (request.collectGaps === true && lastTextAt !== undefined) {
              observation.gapsMs.push(now - lastTextAt);
            }
            lastTextAt = now;
            if (request.abortOnFirstText === true) {
              observation.abortedAtEpochMs = epochNow();
              controller.abort();
              break;
            }
          } else if (event.type === 'message_stop') {
            observation.terminal = 'stream_complete';
          }
        }
      } catch (error) {
        if (observation.abortedAtEpochMs === undefined) {
          observation.terminal = 'error';
          observation.errorText = describeFailure(error);
        }
      } finally {
        request.signal?.removeEventListener('abort', onOuterAbort);
        observation.totalMs = performance.now() - started;
      }
      return observation;
    },
  };
}
