import { createAgentLoop } from '../../src/agent/create-agent-loop.js';
import { createAnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { createGatewayApp } from '../../src/server/create-gateway-app.js';
import type { ListeningServer } from '../../src/server/gateway-app.js';
import type { Logger } from '../../src/core/logger.js';
import { createChaosResponder, type ChaosFault } from '../../src/testing/mock-upstream/chaos-responder.js';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createToolDispatcher } from '../../src/tools/tool-dispatcher.js';

/** How the gateway under chaos retries model turns (short, so that a run stays bounded). */
export interface ChaosRetrySettings {
  maxRetries: number;
  baseDelayMs: number;
  maxRetryAfterMs: number;
}

/** One request the chaos upstream answered, as the assertions need it. */
export interface UpstreamAttempt {
  /** Epoch ms (sub-millisecond) at which the request arrived. */
  receivedAt: number;
  /** The fault injected into the answer, or undefined for a healthy one. */
  fault: ChaosFault | undefined;
}

/** Options of `startChaosGateway`. */
export interface ChaosGatewayOptions {
  rates: Partial<Record<ChaosFault, number>>;
  retryAfterSeconds: number;
  retry: ChaosRetrySettings;
  seed?: number;
}

/** A gateway whose model upstream injects faults, and the upstream's view of each chat. */
export interface ChaosGateway {
  /** Base URL of the gateway routes (`http://127.0.0.1:<port>/api`). */
  readonly baseUrl: string;
  /** Upstream requests by chat id (the `#id` in the user message), in arrival order. */
  readonly attemptsByChat: Map<string, UpstreamAttempt[]>;
  /** Turns fault injection on or off (requests answered healthy while off). */
  setChaos(enabled: boolean): void;
  /** Faults injected so far, by kind. */
  faultCounts(): Record<ChaosFault | 'healthy', number>;
  /** What the gateway reported through `onError`, by place. */
  readonly reported: string[];
  close(): Promise<void>;
}

const chatIdPattern = /chaos#([\w-]+)/;

const chatIdOf = (body: unknown): string => {
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages)) {
    return 'unknown';
  }
  return chatIdPattern.exec(JSON.stringify(body.messages.at(-1)))?.[1] ?? 'unknown';
};

/**
 * Starts a mock Anthropic upstream with a chaos responder and a gateway in front of it: the real
 * HTTP server, SSE, run registry, agent loop and Anthropic provider (official SDK), with short
 * retry waits so that a chaos run stays within a CI budget. Everything listens on 127.0.0.1.
 */
export async function startChaosGateway(options: ChaosGatewayOptions): Promise<ChaosGateway> {
  let chaosEnabled = true;
  const chaos = createChaosResponder({
    turn: () =>
      textTurn('one two three four five six seven eight', { usage: { inputTokens: 10, outputTokens: 8 } }),
    rates: options.rates,
    retryAfterSeconds: options.retryAfterSeconds,
    seed: options.seed ?? 7,
  });
  const attemptsByChat = new Map<string, UpstreamAttempt[]>();
  const upstream = await createMockUpstream({
    recordRequests: false,
    respond: (request) => {
      const turn = chaosEnabled ? chaos.respond(request) : textTurn('all quiet now');
      const id = chatIdOf(request.body);
      const attempts = attemptsByChat.get(id) ?? [];
      attempts.push({ receivedAt: request.receivedAt, fault: chaos.faultOf(turn) });
      attemptsByChat.set(id, attempts);
      return turn;
    },
  });
  const provider = createAnthropicProvider({ apiKey: 'chaos-key', baseURL: upstream.url });
  const reported: string[] = [];
  // The faults are injected on purpose: a line per failed run (thousands) would bury the rest of
  // CI's output. The test counts every chat's ending instead.
  const quiet: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const loop = createAgentLoop({
    provider,
    model: 'claude-sonnet-4-6',
    thinking: false,
    streamStallTimeoutMs: 5_000,
    turnTimeoutMs: 15_000,
    retry: options.retry,
    logger: quiet,
  });
  const app = createGatewayApp({
    logger: quiet,
    buildChatRuntime: () => ({
      systemPrompt: 'Survive the chaos.',
      model: 'claude-sonnet-4-6',
      createRunner: (context) => ({
        run: (input) =>
          loop.run({
            ...input,
            tools: createToolDispatcher({}),
            eventLog: context.eventLog,
            sessionId: context.session.sessionId,
          }),
      }),
    }),
    server: {
      disconnectGraceMs: 0,
      // The load's clients all connect from 127.0.0.1: one address, many clients.
      sessionRateLimit: { sessions: 100_000, windowMs: 60_000 },
      onError: (_error, where) => void reported.push(where),
    },
  });
  let server: ListeningServer;
  try {
    server = await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await Promise.allSettled([app.close(), upstream.close(), provider.close?.()]);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `${server.url}${app.prefix}`,
    attemptsByChat,
    setChaos(enabled) {
      chaosEnabled = enabled;
    },
    faultCounts: () => chaos.counts(),
    reported,
    close() {
      closing ??= (async () => {
        await app.close();
        await server.close();
        await provider.close?.();
        await upstream.close();
      })();
      return closing;
    },
  };
}
