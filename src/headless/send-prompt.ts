import { runAgent } from '../agent/run-agent.js';
import type { RunUsage } from '../agent/agent-hooks.js';
import { EventLog } from '../agent/event-log.js';
import type { Logger } from '../core/logger.js';
import { GatewayError } from '../core/errors.js';
import type { SystemPrompt } from '../core/messages.js';
import type { ProviderChoice, ProviderConfig } from '../providers/resolve-provider.js';
import { resolveProvider } from '../providers/resolve-provider.js';
import { titleCase } from '../agent/stub-reply.js';
import { createToolDispatcher } from '../tools/tool-dispatcher.js';
import { collectRunOutput } from './collect-run-output.js';

/** Options of `sendPrompt`. */
export interface SendPromptOptions {
  prompt: string;
  /** Required: a one-shot helper should say which model it pays for. */
  model: string;
  systemPrompt?: SystemPrompt;
  /** Output token limit (default 4096). */
  maxTokens?: number;
  /** Ask the model to think (default false). */
  thinking?: boolean;
  /** `"anthropic"` (default), `"openai"` or a `Provider` instance (never closed here). */
  provider?: ProviderChoice;
  apiKey?: string;
  authToken?: string;
  providerConfig?: ProviderConfig;
  /** Session id reported to `onRunUsage` (default 'send-prompt'). */
  sessionId?: string;
  signal?: AbortSignal;
  /** Token usage of the call. */
  onRunUsage?: (usage: RunUsage) => void | Promise<void>;
  logger?: Logger;
}

const fail = (problem: string): never => {
  throw new GatewayError('invalid_option', `sendPrompt: ${problem}`);
};

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
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  if (typeof options.prompt !== 'string' || options.prompt.trim() === '')
    fail('`prompt` must be a non-empty string');
  if (typeof options.model !== 'string' || options.model.trim() === '')
    fail('`model` must be a non-empty string');
  const { provider, model, namedProvider } = resolveProvider({
    provider: options.provider,
    model: options.model,
    apiKey: options.apiKey,
    authToken: options.authToken,
    providerConfig: options.providerConfig,
    caller: 'sendPrompt',
  });
  try {
    if (!provider.hasCredential()) {
      const variables =
        provider.name === 'anthropic'
          ? ' (set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, or pass apiKey)'
          : '';
      fail(`No ${titleCase(provider.name)} credentials found${variables}`);
    }
    const eventLog = new EventLog();
    const result = await runAgent({
      provider,
      tools: createToolDispatcher(),
      eventLog,
      sessionId: options.sessionId ?? 'send-prompt',
      model,
      maxTurns: 1,
      maxTokens: options.maxTokens ?? 4096,
      thinking: options.thinking ?? false,
      ...(options.onRunUsage === undefined ? {} : { onRunUsage: options.onRunUsage }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      messages: [{ role: 'user', content: options.prompt }],
      systemPrompt: options.systemPrompt,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (result.outcome === 'aborted') {
      throw new GatewayError('aborted', 'sendPrompt was aborted', { cause: options.signal?.reason });
    }
    if (result.outcome === 'error')
      throw new GatewayError('provider_error', result.error ?? 'the model call failed');
    return collectRunOutput(eventLog.entries(), false).response;
  } finally {
    if (namedProvider !== undefined) await provider.close?.();
  }
}
