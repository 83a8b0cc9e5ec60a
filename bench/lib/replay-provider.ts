import type { Provider } from '../../src/core/provider.js';
import { scriptedProviderEvents } from '../../src/testing/scripted-provider.js';
import type { ScriptedResponse } from '../../src/testing/scripted-turn.js';

/**
 * A provider that replays one scripted turn from memory (no SDK, no sockets), so a benchmark
 * measures the gateway's own code and nothing in front of it.
 */
export function createReplayProvider(turn: ScriptedResponse): Provider {
  const events = scriptedProviderEvents(turn);
  return {
    name: 'replay',
    hasCredential: () => true,
    getModelInfo: (model) => ({
      id: model,
      provider: 'replay',
      contextWindow: 200_000,
      maxOutputTokens: 8_000,
      supportsThinking: false,
      supportsVision: false,
      supportsToolUse: true,
      pricing: { inputPerMTok: 0, outputPerMTok: 0, cacheReadPerMTok: 0, cacheWritePerMTok: 0 },
    }),
    stream: (_request, signal) => ({
      async *[Symbol.asyncIterator]() {
        for (const event of events) {
          if (signal.aborted) return;
          yield await Promise.resolve(event);
        }
      },
    }),
  };
}
