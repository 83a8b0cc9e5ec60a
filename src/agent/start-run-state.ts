import type { ModelPricing } from '../core/provider.js';
import type { ParsedRunInput } from './agent-loop-input.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import type { RunState } from './loop-run-state.js';
import { startRunTrace, untracedRunTraceOf } from './tracing/run-tracer.js';
import { UsageTotals } from './usage.js';
import { ModelCallMeter } from './model-call-meter.js';

/** The prices of a run whose model is not known yet (or has none). */
export const NO_PRICING: ModelPricing = {
  inputPerMTok: 0,
  outputPerMTok: 0,
  cacheReadPerMTok: 0,
  cacheWritePerMTok: 0,
};

/**
 * The state a run starts with: its messages (a resumed run's checkpoint, else its input), its
 * usage so far, its model, and its trace, started now.
 */
export function startRunState(config: AgentLoopConfig, input: ParsedRunInput): RunState {
  const { eventLog, resume } = input;
  const model = input.model ?? config.model;
  const startingMessages = resume?.messages ?? input.messages;
  const { budget } = input;
  return {
    meter:
      budget === undefined
        ? undefined
        : new ModelCallMeter(budget, input.runId ?? input.sessionId, (error) =>
            config.logger.error('budget settle failed; the hold expires with its lease', {
              sessionId: input.sessionId,
              error: error instanceof Error ? error.message : String(error),
            }),
          ),
    messages: [...startingMessages],
    ownFrom: Math.min(input.messages.length, startingMessages.length),
    compactedMessages: [],
    usage: resume === undefined ? new UsageTotals() : UsageTotals.restore(resume.turns, resume.tokens),
    model,
    pricing: NO_PRICING,
    emit: (event) => void eventLog.append(event),
    signal: input.signal ?? new AbortController().signal,
    trace:
      untracedRunTraceOf(config.tracing, input.traceParent) ??
      startRunTrace({
        ...config.tracing,
        agentName: config.agentName,
        providerName: config.provider.name,
        model,
        sessionId: input.sessionId,
        runId: input.runId,
        endUserId: input.endUserId,
        parent: input.traceParent,
        systemPrompt: input.systemPrompt,
        input: resume?.messages ?? input.messages,
      }),
  };
}
