import { createAgentLoop } from '../agent/create-agent-loop.js';
import type { RunUsage } from '../agent/agent-hooks.js';
import { EventLog } from '../agent/event-log.js';
import { z } from 'zod';
import { GatewayError } from '../core/errors.js';
import {
  callable,
  invalidOption,
  nonBlankString,
  parseOptions,
  positiveInteger,
} from '../core/parse-options.js';
import { resolveProvider } from '../providers/resolve-provider.js';
import { agentSpecShape, systemPromptSchema } from '../agent-spec/agent-spec.js';
import { providerDisplayName } from '../agent/stub-reply.js';
import { createToolDispatcher } from '../tools/tool-dispatcher.js';
import { collectRunOutput } from './collect-run-output.js';

const CALLER = 'sendPrompt';

/** The options of `sendPrompt`: the agent spec's provider settings, one prompt, one model turn. */
export const sendPromptOptionsSchema = z.strictObject({
  prompt: nonBlankString(),
  /** Required: a one-shot helper should say which model it pays for. */
  model: nonBlankString(),
  systemPrompt: systemPromptSchema.optional(),
  /** Output token limit (default 4096). */
  maxTokens: positiveInteger().default(4096),
  /** Ask the model to think (default false). */
  thinking: z.boolean().default(false),
  /** `"anthropic"` (default), `"openai"` or a `Provider` instance (never closed here). */
  provider: agentSpecShape.provider,
  apiKey: agentSpecShape.apiKey,
  authToken: agentSpecShape.authToken,
  providerConfig: agentSpecShape.providerConfig,
  /** Session id reported to `onRunUsage` (default 'send-prompt'). */
  sessionId: z.string().min(1).default('send-prompt'),
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  /** Token usage of the call. */
  onRunUsage: callable<(usage: RunUsage) => void | Promise<void>>().optional(),
  logger: agentSpecShape.logger,
});

/** Options of `sendPrompt`. */
export type SendPromptOptions = z.input<typeof sendPromptOptionsSchema>;

/**
 * Sends one prompt and resolves with the model's trimmed text: one model turn, no tools, through
 * the same provider interface, retries and watchdogs as the agent loop (it is the loop, limited
 * to one turn).
 *
 * Unlike a chat, a one-shot call has no use for the stub reply: without a credential it rejects
 * with `GatewayError('invalid_option', 'No <Provider> credentials found …')`. A failed model turn
 * rejects with `provider_error`, cancellation with `aborted`.
 */
export async function sendPrompt(options: SendPromptOptions): Promise<string> {
  const settings = parseOptions(sendPromptOptionsSchema, options, CALLER);
  const { provider, model, namedProvider } = resolveProvider({
    provider: settings.provider,
    model: settings.model,
    apiKey: settings.apiKey,
    authToken: settings.authToken,
    providerConfig: settings.providerConfig,
    caller: 'sendPrompt',
  });
  try {
    if (!provider.hasCredential()) {
      const variables =
        provider.name === 'anthropic'
          ? ' (set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, or pass apiKey)'
          : '';
      throw invalidOption(CALLER, `No ${providerDisplayName(provider.name)} credentials found${variables}`);
    }
    const eventLog = new EventLog();
    const loop = createAgentLoop({
      provider,
      model,
      maxTurns: 1,
      maxTokens: settings.maxTokens,
      thinking: settings.thinking,
      onRunUsage: settings.onRunUsage,
      logger: settings.logger,
    });
    const result = await loop.run({
      tools: createToolDispatcher(),
      eventLog,
      sessionId: settings.sessionId,
      messages: [{ role: 'user', content: settings.prompt }],
      systemPrompt: settings.systemPrompt,
      signal: settings.signal,
    });
    if (result.outcome === 'aborted') {
      throw new GatewayError('aborted', 'sendPrompt was aborted', { cause: settings.signal?.reason });
    }
    if (result.outcome === 'error')
      throw new GatewayError('provider_error', result.error ?? 'the model call failed');
    return collectRunOutput(eventLog.entries(), false).response;
  } finally {
    if (namedProvider !== undefined) await provider.close?.();
  }
}
