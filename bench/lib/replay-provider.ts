import type { Provider } from '../../src/core/provider.js';
import { scriptedProviderEvents } from '../../src/testing/scripted-provider.js';
import type { ScriptedResponse } from '../../src/testing/scripted-turn.js';

/**
 * A provider that replays scripted turns from memory (no SDK, no sockets), so a benchmark
 * measures the gateway's own code and nothing in front of it. Several turns are replayed in
 * rotation, one per model call (a tool call, then the answer), for sequential chats.
 */
export function createReplayProvider(...turns: [ScriptedResponse, ...ScriptedResponse[]]): Provider {
  const scripts = turns.map((turn) => scriptedProviderEvents(turn));
  let calls = 0;
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
        const events = scripts[calls % scripts.length] ?? [];
        calls += 1;
        for (const event of events) {
          if (signal.aborted) return;
          yield await Promise.resolve(event);
        }
      },
    }),
  };
}
