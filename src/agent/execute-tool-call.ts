import { context as otelContext } from '@opentelemetry/api';
import { GatewayError } from '../core/errors.js';
import { isRunSuspension } from '../core/run-suspension.js';
import type { GatewayEvent } from '../core/events.js';
import type { ContentBlock, ToolResultBlock, ToolUseBlock } from '../core/messages.js';
import type { ToolExecutor, ToolOutcome } from '../core/tool.js';
import type { OnToolResult, ToolTiming } from './agent-hooks.js';
import { clipLogText } from './clip-log-text.js';
import { createLinkedAbortController } from './linked-abort-controller.js';
import type { Logger } from '../core/logger.js';
import { toToolResultBlock } from './tool-result-blocks.js';
import type { RunTrace } from './tracing/run-tracer.js';
import type { ToolSpan } from './tracing/tool-span.js';

/** Tools that wait on other agents by design, so the per-call timeout does not apply. */
const untimedTools: ReadonlySet<string> = new Set(['run_agent', 'get_background_result']);

/** What running one tool call needs from its run. */
export interface ToolCallSettings {
  tools: ToolExecutor;
  sessionId: string;
  emit: (event: GatewayEvent) => void;
  /** The run's signal; aborting it cancels the call. */
  signal: AbortSignal;
  excludedTools: ReadonlySet<string>;
  toolCallTimeoutMs: number;
  executionLocation: (toolName: string) => string;
  onToolResult: OnToolResult | undefined;
  onToolTiming: ((timing: ToolTiming) => void) | undefined;
  logger: Logger;
  /** The run's spans; each call gets an `execute_tool` span under it. */
  trace?: RunTrace | undefined;
}

/** One finished tool call. */
export interface ExecutedToolCall {
  call: ToolUseBlock;
  outcome: ToolOutcome;
  durationMs: number;
  /** The block the model reads. */
  resultBlock: ToolResultBlock;
  /** Blocks `onToolResult` asked to append after the tool results. */
  extraBlocks: ContentBlock[];
}

const failure = (code: string, message: string, subCode?: string): ToolOutcome => ({
  ok: false,
  error: subCode === undefined ? { code, message } : { code, message, sub_code: subCode },
  server: null,
});

const noop = (): void => undefined;

/**
 * A timeout that only counts time not spent waiting for a human: `suspend()` pauses it (nested
 * suspensions are counted) and the function it returns resumes it with the time that was left.
 */
function createTimeoutClock(timeoutMs: number, onTimeout: () => void) {
  let remainingMs = timeoutMs;
  let startedAt = performance.now();
  let suspensions = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(onTimeout, remainingMs);
  return {
    suspend(): () => void {
      if (stopped) return noop;
      suspensions += 1;
      if (suspensions === 1 && timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
        remainingMs -= performance.now() - startedAt;
      }
      let resumed = false;
      return () => {
        if (resumed || stopped) return;
        resumed = true;
        suspensions -= 1;
        if (suspensions === 0) {
          startedAt = performance.now();
          timer = setTimeout(onTimeout, Math.max(0, remainingMs));
        }
      };
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs one tool call: `tool_call_start`, dispatch (unless excluded), `tool_call_complete`,
 * then the timing and result hooks.
 *
 * Never rejects for tool failures: an excluded tool, a timeout, a cancelled run and a throwing
 * executor all become error outcomes the model reads. The timeout is enforced here, not
 * trusted to the executor: when it fires the call's signal is aborted and the outcome is
 * `tool_timeout` even if the executor keeps running.
 */
export async function executeToolCall(
  call: ToolUseBlock,
  callIndex: number,
  settings: ToolCallSettings,
): Promise<ExecutedToolCall> {
  const location = settings.executionLocation(call.name);
  // A client-side tool is announced by the executor once it is asked (with its nonce).
  if (location !== 'client' || settings.excludedTools.has(call.name)) {
    settings.emit({
      type: 'tool_call_start',
      tool_call_id: call.id,
      tool_name: call.name,
      tool_input: call.input,
      execution_location: location,
      call_index: callIndex,
    });
  }
  const span = settings.trace?.tool(call, location);
  const started = performance.now();
  const waited = { ms: 0 };
  const outcome = settings.excludedTools.has(call.name)
    ? failure('tool_excluded', `Tool '${call.name}' is not available in this context`)
    : span === undefined
      ? await dispatchGuarded(call, callIndex, settings, waited)
      : // In the span's context, so a sub-agent's run becomes its child.
        await otelContext.with(span.context, () => dispatchGuarded(call, callIndex, settings, waited, span));
  // The tool's own time: the wait for a person's approval or a client's result is apart.
  const waitMs = Math.round(waited.ms);
  const durationMs = Math.max(0, Math.round(performance.now() - started) - waitMs);
  span?.end(outcome, durationMs);
  const resultBlock = toToolResultBlock(call.id, outcome, call.name);
  // A call cut short by its run's suspension waits in the database: the run logs what it waits for.
  if (!outcome.ok && !isRunSuspension(settings.signal.reason)) {
    // One line per failed call for the operator; a cancellation is the run's, not the tool's.
    const level = outcome.error.code === 'cancelled' ? 'info' : 'warn';
    // The name, id, code and message may be the model's or a client's: clipped for any logger.
    settings.logger[level]('tool call failed', {
      sessionId: settings.sessionId,
      tool: clipLogText(call.name),
      toolCallId: clipLogText(call.id),
      server: outcome.server,
      code: clipLogText(outcome.error.code),
      error: clipLogText(outcome.error.message),
      durationMs,
    });
  }

  settings.emit({
    type: 'tool_call_complete',
    tool_call_id: call.id,
    tool_name: call.name,
    result: outcome.ok ? (outcome.result ?? null) : null,
    error: outcome.ok ? null : outcome.error,
    duration_ms: durationMs,
    ...(waitMs > 0 ? { wait_ms: waitMs } : {}),
    server: outcome.server,
    ...(location === 'backend' ? {} : { execution_location: location }),
  });
  try {
    settings.onToolTiming?.({
      sessionId: settings.sessionId,
      toolCallId: call.id,
      toolName: call.name,
      server: outcome.server,
      durationMs,
      isError: resultBlock.is_error === true,
      resultBytes: Buffer.byteLength(typeof resultBlock.content === 'string' ? resultBlock.content : ''),
    });
  } catch (error) {
    settings.logger.warn('onToolTiming hook failed', { tool: call.name, error: messageOf(error) });
  }
  const extraBlocks = await runResultHook(call, outcome, durationMs, resultBlock, settings);
  return { call, outcome, durationMs, resultBlock, extraBlocks };
}

/**
 * Pauses the call's timeout while a person (or a client) answers, and counts that wait: on the
 * span and in `waited`, which the call's reported duration leaves out.
 */
function suspendFor(
  clock: ReturnType<typeof createTimeoutClock> | undefined,
  waited: { ms: number },
  span: ToolSpan | undefined,
) {
  return (): (() => void) => {
    const resume = clock?.suspend() ?? noop;
    const since = performance.now();
    let resumed = false;
    return () => {
      if (!resumed) {
        const waitMs = performance.now() - since;
        waited.ms += waitMs;
        span?.waitedForHuman(Math.round(waitMs));
      }
      resumed = true;
      resume();
    };
  };
}

async function dispatchGuarded(
  call: ToolUseBlock,
  callIndex: number,
  settings: ToolCallSettings,
  waited: { ms: number },
  span?: ToolSpan,
): Promise<ToolOutcome> {
  const controller = createLinkedAbortController(settings.signal);
  let timedOut = false;
  const clock = untimedTools.has(call.name)
    ? undefined
    : createTimeoutClock(settings.toolCallTimeoutMs, () => {
        timedOut = true;
        controller.abort(new GatewayError('aborted', `tool '${call.name}' timed out`));
      });
  try {
    return await new Promise<ToolOutcome>((resolve) => {
      const onAbort = (): void =>
        resolve(
          timedOut
            ? failure(
                'tool_timeout',
                `Tool '${call.name}' timed out after ${settings.toolCallTimeoutMs / 1000}s. ` +
                  'The tool call was cancelled. You may retry or skip this tool.',
                'timeout',
              )
            : failure('cancelled', 'Task was cancelled'),
        );
      if (controller.signal.aborted) return onAbort();
      controller.signal.addEventListener('abort', onAbort, { once: true });
      const dispatching = (async () =>
        settings.tools.dispatch(
          { id: call.id, name: call.name, input: call.input, callIndex },
          {
            sessionId: settings.sessionId,
            signal: controller.signal,
            emit: settings.emit,
            suspendTimeout: suspendFor(clock, waited, span),
          },
        ))();
      dispatching.then(resolve, (error: unknown) => resolve(failure('internal_error', messageOf(error))));
    });
  } finally {
    clock?.stop();
    controller.dispose();
  }
}

async function runResultHook(
  call: ToolUseBlock,
  outcome: ToolOutcome,
  durationMs: number,
  resultBlock: ToolResultBlock,
  settings: ToolCallSettings,
): Promise<ContentBlock[]> {
  if (settings.onToolResult === undefined) return [];
  try {
    const extra = await settings.onToolResult({
      toolName: call.name,
      toolInput: call.input,
      result: outcome.ok ? (outcome.result ?? null) : null,
      error: outcome.ok ? null : outcome.error,
      durationMs,
      toolCallId: call.id,
      sessionId: settings.sessionId,
      server: outcome.server,
      resultBlock,
    });
    return Array.isArray(extra) ? extra : [];
  } catch (error) {
    settings.logger.warn('onToolResult hook failed', { tool: call.name, error: messageOf(error) });
    return [];
  }
}
