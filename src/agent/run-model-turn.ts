import type { GatewayEvent } from '../core/events.js';
import type { Message, SystemPrompt } from '../core/messages.js';
import type { Provider, ThinkingLevel } from '../core/provider.js';
import type { ToolDefinition } from '../core/tool.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import { appendSystemNote } from './append-system-note.js';
import { runTurn, type TurnResult } from './run-turn.js';
import type { RunTrace } from './tracing/run-tracer.js';

/** What one model turn of the loop needs from its run. */
export interface ModelTurnInput {
  provider: Provider;
  settings: AgentLoopConfig;
  /** The "[Background tasks active: …]" line for the turn after a compaction. */
  backgroundTasksReminder: (() => string | undefined) | undefined;
  sessionId: string;
  model: string;
  systemPrompt: SystemPrompt | undefined;
  messages: readonly Message[];
  tools: ToolDefinition[];
  thinking: ThinkingLevel;
  /** The previous turn compacted the context: remind the model of its background tasks. */
  afterCompaction: boolean;
  trace: RunTrace;
  emit: (event: GatewayEvent) => void;
  signal: AbortSignal;
}

/**
 * Streams one model turn of the loop inside its `chat` span: builds the request (the
 * server-side compaction setting, the background-task reminder after a compaction), retries
 * as the settings say, and logs each retried failure with its full detail.
 */
export function runModelTurn(input: ModelTurnInput): Promise<TurnResult> {
  const { settings } = input;
  const request = {
    model: input.model,
    // After a compaction the model no longer sees the calls that started background tasks.
    system: input.afterCompaction
      ? appendSystemNote(input.systemPrompt, input.backgroundTasksReminder?.())
      : input.systemPrompt,
    ...(settings.compaction?.mode === 'server'
      ? {
          compaction: {
            trigger: settings.compaction.trigger,
            instructions: settings.compaction.instructions,
          },
        }
      : {}),
    messages: [...input.messages],
    tools: input.tools,
    maxTokens: settings.maxTokens,
    thinking: input.thinking,
  };
  return input.trace.turn(
    request,
    ({ emit, onRetry }) =>
      runTurn({
        provider: input.provider,
        request,
        emit,
        signal: input.signal,
        streamStallTimeoutMs: settings.streamStallTimeoutMs,
        turnTimeoutMs: settings.turnTimeoutMs,
        retry: settings.retry,
        onRetry: ({ attempt, detail, code }) => {
          onRetry({ attempt, code });
          settings.logger.warn('model call failed; retrying', {
            sessionId: input.sessionId,
            attempt,
            code,
            error: detail,
          });
        },
      }),
    input.emit,
  );
}
