import type {
  MessageCreateParamsStreaming,
  TextBlockParam,
  ThinkingConfigParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { SystemPrompt } from '../../core/messages.js';
import type { ProviderRequest, ThinkingLevel } from '../../core/provider.js';
import type { ToolDefinition } from '../../core/tool.js';
import { getAnthropicThinkingMode } from './anthropic-models.js';
import { CLAUDE_CODE_IDENTITY } from './anthropic-oauth.js';
import type { AnthropicAuthMode } from './anthropic-provider-options.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

/** Options of `buildAnthropicRequest`. */
export interface BuildAnthropicRequestOptions {
  authMode: AnthropicAuthMode;
}

/** Below this `max_tokens`, thinking would leave too little room for the answer. */
export const ANTHROPIC_THINKING_MIN_MAX_TOKENS = 2048;
/** Largest thinking budget the gateway asks for. */
export const ANTHROPIC_THINKING_MAX_BUDGET = 10_000;
// Room kept for the visible answer when thinking has a fixed budget.
const answerReserveTokens = 1024;

/**
 * The `system` blocks of a request. A plain string is cached as a whole; the list form caches
 * only the parts marked `shouldCache`, so a stable prefix can be cached while a changing suffix
 * is not. Empty parts are skipped (the API rejects empty text blocks). OAuth requests open with
 * the Claude Code identity block, without which the token is refused.
 */
export function buildAnthropicSystem(
  system: SystemPrompt | undefined,
  authMode: AnthropicAuthMode,
): TextBlockParam[] {
  const blocks: TextBlockParam[] = [];
  if (authMode === 'oauth') blocks.push({ type: 'text', text: CLAUDE_CODE_IDENTITY });
  if (typeof system === 'string') {
    if (system !== '') blocks.push({ type: 'text', text: system, cache_control: { type: 'ephemeral' } });
  } else if (system !== undefined) {
    for (const [text, shouldCache] of system) {
      if (text === '') continue;
      blocks.push(
        shouldCache ? { type: 'text', text, cache_control: { type: 'ephemeral' } } : { type: 'text', text },
      );
    }
  }
  return blocks;
}

/**
 * The `thinking` parameter for a turn, or undefined for none: thinking is requested only when
 * the level is not `none`, `max_tokens` is at least 2048 and the model supports it. Claude 4.6+
 * models think adaptively; earlier thinking models get `min(10000, max_tokens - 1024)` tokens.
 */
export function buildAnthropicThinking(
  model: string,
  level: ThinkingLevel,
  maxTokens: number,
): ThinkingConfigParam | undefined {
  if (level === 'none' || maxTokens < ANTHROPIC_THINKING_MIN_MAX_TOKENS) return undefined;
  const mode = getAnthropicThinkingMode(model);
  if (mode === 'adaptive') return { type: 'adaptive' };
  if (mode === 'budgeted') {
    return {
      type: 'enabled',
      budget_tokens: Math.min(ANTHROPIC_THINKING_MAX_BUDGET, maxTokens - answerReserveTokens),
    };
  }
  return undefined;
}

const toAnthropicTool = (tool: ToolDefinition): Tool => {
  // The API requires an object schema; a definition that omits `type` means one.
  const inputSchema: Tool.InputSchema = { ...tool.input_schema, type: 'object' };
  return tool.description === ''
    ? { name: tool.name, input_schema: inputSchema }
    : { name: tool.name, description: tool.description, input_schema: inputSchema };
};

/**
 * Turns one provider-neutral turn into streaming Messages API parameters: converted history,
 * system blocks with cache markers, tools, and thinking when it applies. Pure: the same
 * request always gives the same parameters, so the agent loop can rebuild them per attempt.
 */
export function buildAnthropicRequest(
  request: ProviderRequest,
  options: BuildAnthropicRequestOptions,
): MessageCreateParamsStreaming {
  const params: MessageCreateParamsStreaming = {
    model: request.model,
    max_tokens: request.maxTokens,
    messages: convertToAnthropicMessages(request.messages, { model: request.model }),
    stream: true,
  };
  const system = buildAnthropicSystem(request.system, options.authMode);
  if (system.length > 0) params.system = system;
  if (request.tools.length > 0) params.tools = request.tools.map(toAnthropicTool);
  const thinking = buildAnthropicThinking(request.model, request.thinking, request.maxTokens);
  if (thinking !== undefined) params.thinking = thinking;
  return params;
}
