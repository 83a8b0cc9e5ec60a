import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { ReasoningEffort } from 'openai/resources/shared';
import type { SystemPrompt } from '../../core/messages.js';
import type { ProviderRequest, ThinkingLevel } from '../../core/provider.js';
import type { ToolDefinition } from '../../core/tool.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import type { OpenAICompat } from './openai-compat.js';
import type { ResolvedOpenAIModel } from './openai-models.js';

/** Inputs of `buildOpenAIRequest`. */
export interface BuildOpenAIRequestOptions {
  request: ProviderRequest;
  model: ResolvedOpenAIModel;
  compat: OpenAICompat;
  /** Whether the request goes to api.openai.com (only there is `store: false` sent). */
  officialHost: boolean;
}

/**
 * Maps a thinking level onto `reasoning_effort`. `none` sends nothing (the model's default);
 * `max` has no OpenAI equivalent above `high`; `minimal` exists only for the gpt-5 family, so
 * the o-series gets `low`, the nearest level it accepts.
 */
export function toReasoningEffort(
  level: ThinkingLevel,
  supportsMinimal: boolean,
): ReasoningEffort | undefined {
  switch (level) {
    case 'none':
      return undefined;
    case 'minimal':
      return supportsMinimal ? 'minimal' : 'low';
    case 'low':
    case 'medium':
      return level;
    case 'high':
    case 'max':
      return 'high';
  }
}

/** Flattens a system prompt to one string; the cache flags of list parts mean nothing to OpenAI. */
export function systemPromptText(system: SystemPrompt | undefined): string {
  if (system === undefined) return '';
  if (typeof system === 'string') return system;
  return system
    .map(([text]) => text)
    .filter((text) => text.trim() !== '')
    .join('\n\n');
}

const toOpenAITool = (tool: ToolDefinition): ChatCompletionTool => ({
  type: 'function',
  // strict mode would demand schemas without optional properties; tools are written for Anthropic.
  function: { name: tool.name, description: tool.description, parameters: tool.input_schema, strict: false },
});

/**
 * Builds the streaming Chat Completions body for one turn. Reasoning models get the system
 * prompt as a `developer` message (unless the server cannot take it) and a `reasoning_effort`;
 * `store: false` keeps turns out of OpenAI's stored completions, a field other servers may reject.
 */
export function buildOpenAIRequest(options: BuildOpenAIRequestOptions): ChatCompletionCreateParamsStreaming {
  const { request, model, compat, officialHost } = options;
  const messages: ChatCompletionMessageParam[] = [];
  const system = systemPromptText(request.system);
  if (system.trim() !== '') {
    const role = model.reasoning && compat.supportsDeveloperRole ? 'developer' : 'system';
    messages.push({ role, content: system });
  }
  messages.push(...convertToOpenAIMessages(request.messages, request.model));

  const body: ChatCompletionCreateParamsStreaming = { model: request.model, messages, stream: true };
  if (compat.supportsStreamUsage) body.stream_options = { include_usage: true };
  if (compat.maxTokensField === 'max_tokens') body.max_tokens = request.maxTokens;
  else body.max_completion_tokens = request.maxTokens;
  if (officialHost) body.store = false;
  if (request.tools.length > 0) body.tools = request.tools.map(toOpenAITool);
  if (model.reasoning && compat.supportsReasoningEffort) {
    const effort = toReasoningEffort(request.thinking, model.supportsMinimalEffort);
    if (effort !== undefined) body.reasoning_effort = effort;
  }
  return body;
}
