import type { GatewayEvent } from '../core/events.js';
import type {
  ExecutionLocation,
  ToolCall,
  ToolContext,
  ToolDefinition,
  ToolExecutionEnvironment,
  ToolExecutor,
  ToolOutcome,
} from '../core/tool.js';
import { createApprovalGate, resolveApprovalQualifier } from './approval-gate.js';
import { runInterceptors } from './interceptors/run-interceptors.js';
import { createClientToolResolver } from './client-tool-resolver.js';
import { createLocalToolResolver } from './local-tool-resolver.js';
import { raceWithAbort } from './race-with-abort.js';
import { createRemoteToolResolver } from './remote-tool-resolver.js';
import { cancelledFailure, describeThrown, failureFromPayload, toolFailure } from './tool-failure.js';
import { resolveToolDispatcherOptions } from './tool-dispatcher-options.js';
import type { ResolvedToolDispatcherOptions, ToolDispatcherOptions } from './tool-dispatcher-options.js';
import type { ToolResolver } from './tool-resolver.js';

/** The gateway's `ToolExecutor`, plus what the HTTP layer and the loop need to advertise tools. */
export interface ToolDispatcher extends ToolExecutor {
  /**
   * Runs one call through interceptors → approval → local handler → client-side tool →
   * remote tool → `unknown_tool`. Resolves with a failure outcome for every tool-level problem; it does not
   * reject (an unexpected internal failure becomes `internal_error`).
   */
  dispatch(call: ToolCall, environment: ToolExecutionEnvironment): Promise<ToolOutcome>;
  /** Where `name` runs: 'client' for declared client-side tools, else 'backend'. */
  executionLocation(name: string): ExecutionLocation;
  /** Tools for the model: remote definitions first, then local ones; a local name wins. */
  getToolDefinitions(): ToolDefinition[];
  /** Whether a call to `name` would reach a handler or remote tool (not `unknown_tool`). */
  hasTool(name: string): boolean;
  /** Whether `name` is marked idempotent (a local definition decides for a local tool). */
  isIdempotent(name: string): boolean;
}

/**
 * Creates the dispatcher that runs a session's tool calls. Options are validated here and
 * fail with `GatewayError('invalid_option')` before any call runs.
 *
 * Why a pipeline of resolvers: execution sources are tried in a fixed order (local handlers,
 * then remote tools), and a later source such as client-side tools slots in as one more
 * resolver without touching the interceptor and approval stages that guard all of them.
 * If the call's signal aborts, dispatch settles with `cancelled` at once, even when the
 * handler ignores its signal.
 */
export function createToolDispatcher(options: ToolDispatcherOptions = {}): ToolDispatcher {
  return createResolvedToolDispatcher(resolveToolDispatcherOptions(options));
}

/**
 * `createToolDispatcher` for options validated already (`resolveToolDispatcherOptions`): what a
 * gateway run uses, so that the tools of an agent are validated once, not once per chat.
 */
export function createResolvedToolDispatcher(resolved: ResolvedToolDispatcherOptions): ToolDispatcher {
  const { handlers, definitions, remote, interceptors, approvalKeyQualifier, logger } = resolved;
  const approvalGate = createApprovalGate(resolved);
  const resolvers: ToolResolver[] = [createLocalToolResolver(handlers)];
  if (resolved.clientToolNames.size > 0) {
    resolvers.push(createClientToolResolver(resolved.clientToolNames, resolved.requestClientResult));
  }
  if (remote !== undefined) resolvers.push(createRemoteToolResolver(remote));

  const findResolver = (name: string): ToolResolver | undefined =>
    resolvers.find((resolver) => resolver.hasTool(name));

  async function runPipeline(call: ToolCall, environment: ToolExecutionEnvironment): Promise<ToolOutcome> {
    const { sessionId, signal } = environment;
    // Bound once so handlers can pass `emit` around without losing the environment's `this`.
    const emit = (event: GatewayEvent): void => environment.emit(event);
    const verdict = await runInterceptors({
      interceptors,
      context: { toolCallId: call.id, toolName: call.name, toolInput: call.input, sessionId },
      signal,
      emit,
      logger,
    });
    if (verdict.blocked) return failureFromPayload(verdict.error);

    const qualifier = resolveApprovalQualifier(approvalKeyQualifier, call.name, call.input, logger);
    // A human may take a while to answer; that wait has its own expiry, not the tool timeout.
    const resumeAfterApproval = environment.suspendTimeout?.();
    const refusal = await approvalGate
      .check({ toolCallId: call.id, toolName: call.name, toolInput: call.input, qualifier, signal })
      .finally(() => resumeAfterApproval?.());
    if (refusal !== null) return failureFromPayload(refusal);

    const resolver = findResolver(call.name);
    if (resolver === undefined) return toolFailure('unknown_tool', `Unknown tool: ${call.name}`);
    const context: ToolContext = {
      toolCallId: call.id,
      toolName: call.name,
      callIndex: call.callIndex,
      sessionId,
      resolvedQualifier: qualifier,
      signal,
      emit,
    };
    const resumeAfterClient = resolver.location === 'client' ? environment.suspendTimeout?.() : undefined;
    try {
      return withWarnings(await resolver.execute(call.input, context), verdict.warnings);
    } finally {
      resumeAfterClient?.();
    }
  }

  return {
    async dispatch(call, environment) {
      if (environment.signal.aborted) return cancelledFailure();
      const pipeline = runPipeline(call, environment).catch((thrown: unknown): ToolOutcome => {
        logger.warn('Tool dispatch failed unexpectedly', { toolName: call.name, error: thrown });
        return toolFailure('internal_error', describeThrown(thrown));
      });
      return raceWithAbort(pipeline, environment.signal, () => cancelledFailure());
    },
    executionLocation(name) {
      return findResolver(name)?.location ?? 'backend';
    },
    getToolDefinitions() {
      const localNames = new Set<string>([...handlers.keys(), ...definitions.map(({ name }) => name)]);
      const seen = new Set<string>();
      const remoteDefinitions = (remote?.getToolDefinitions() ?? []).filter(({ name }) => {
        if (localNames.has(name) || seen.has(name)) return false;
        seen.add(name);
        return true;
      });
      return [...remoteDefinitions, ...definitions];
    },
    hasTool(name) {
      return findResolver(name) !== undefined;
    },
    isIdempotent(name) {
      const local = definitions.find((definition) => definition.name === name);
      if (local !== undefined || handlers.has(name)) return local?.idempotent === true;
      return remote?.getToolDefinitions().find((definition) => definition.name === name)?.idempotent === true;
    },
  };
}

/** Interceptor warnings ride on successful outcomes only; the loop turns them into `_runner_warning`. */
function withWarnings(outcome: ToolOutcome, warnings: readonly string[]): ToolOutcome {
  if (!outcome.ok || warnings.length === 0) return outcome;
  return { ...outcome, warnings: [...(outcome.warnings ?? []), ...warnings] };
}
