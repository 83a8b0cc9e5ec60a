import type { ContentBlock, Message, StopReason, SystemPrompt } from './messages.js';
import type { ToolDefinition } from './tool.js';

/** How hard the model should think. `none` disables reasoning. */
export type ThinkingLevel = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'max';

/** Prices in US dollars per million tokens. */
export interface ModelPricing {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok: number;
  cacheWritePerMTok: number;
}

/** What the gateway knows about a model. */
export interface ModelInfo {
  id: string;
  provider: string;
  contextWindow: number;
  maxOutputTokens: number;
  supportsThinking: boolean;
  supportsVision: boolean;
  supportsToolUse: boolean;
  pricing: ModelPricing;
}

/**
 * Token counts of one model turn, normalised across providers. `inputTokens` counts only
 * uncached input (Anthropic semantics); cache reads and writes are separate, so each token is
 * priced exactly once.
 */
export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** One model turn to stream. */
export interface ProviderRequest {
  model: string;
  system: SystemPrompt | undefined;
  /** Canonical history; the provider normalises and converts it. */
  messages: Message[];
  tools: ToolDefinition[];
  maxTokens: number;
  thinking: ThinkingLevel;
  /**
   * Server-side compaction (Anthropic): when the input passes `trigger` tokens the provider
   * summarises the conversation so far into a `compaction` block, with `instructions` if given.
   * Providers without it leave the history alone (the loop compacts on their behalf).
   */
  compaction?: CompactionSettings | undefined;
}

/** How and when a provider compacts the context. */
export interface CompactionSettings {
  /** Input tokens above which the context is compacted. */
  trigger: number;
  /** Instructions for the summary (what to keep); the provider's default otherwise. */
  instructions?: string | undefined;
}

/**
 * The normalised stream of one model turn. Deltas arrive live; `block_end` carries each
 * completed content block (tool_use with its parsed input) in stream order; `usage` carries a
 * cumulative snapshot for the turn (the last one wins); `message_end` is always last.
 */
export type ProviderEvent =
  | { type: 'message_start' }
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; text: string }
  | { type: 'tool_use_start'; id: string; name: string }
  | { type: 'tool_use_delta'; id: string; partialJson: string }
  | { type: 'block_end'; block: ContentBlock }
  | { type: 'usage'; usage: TurnUsage }
  | { type: 'message_end'; stopReason: StopReason };

/**
 * What the iterator of `Provider.stream` may add, for a provider that reads its own socket:
 * after `next()` gave an event, and while no `next()` is pending, the events that follow it can
 * be taken as they arrive, without a promise each. `takeReady()` gives the next event already
 * received, else undefined (never throws). `whenReady(callback)` calls `callback` once when
 * `takeReady` may have more, and returns false instead when it cannot tell (call `next()`: more
 * events, the end or a failure). The end and failures always come through `next()`.
 */
export interface ProviderEventIterator extends AsyncIterator<ProviderEvent> {
  takeReady?: (() => ProviderEvent | undefined) | undefined;
  whenReady?: ((callback: () => void) => boolean) | undefined;
}

/**
 * A model provider. Implementations wrap an official SDK and translate its stream into
 * `ProviderEvent`s. Every failure thrown from `stream` must be a `ProviderError` whose
 * `retryable` flag was decided here, at the boundary.
 */
export interface Provider {
  /** Lower-case provider name (`anthropic`, `openai`, …). */
  readonly name: string;
  /** Whether a credential is configured; without one the gateway answers with a stub reply. */
  hasCredential(): boolean;
  /** Model facts and prices; throws `GatewayError('unknown_model')` for models it rejects. */
  getModelInfo(model: string): ModelInfo;
  /** Streams one turn. Aborting `signal` must cancel the upstream HTTP request. */
  stream(request: ProviderRequest, signal: AbortSignal): AsyncIterable<ProviderEvent>;
  /** Releases clients and sockets; safe to call more than once. */
  close?(): Promise<void>;
}
