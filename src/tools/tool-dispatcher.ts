import type { RunApprovedOnce } from '../core/approval.js';
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
import { createApprovalGate, resolveApprovalQualifier, type ApprovalGate } from './approval-gate.js';
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
  return new ResolvedToolDispatcher(resolved);
}

/** What one run adds to an agent's validated options: how it asks its client and its "always allow" keys. */
export interface RunDispatcherTransports {
  requestApproval?: ResolvedToolDispatcherOptions['requestApproval'];
  requestClientResult?: ResolvedToolDispatcherOptions['requestClientResult'];
  /** Unless given, the run's own (empty) set. */
  approvedToolTypes?: Set<string> | undefined;
  /**
   * Runs each call a person approved (of a tool not marked idempotent) at most once, whichever
   * path holds the approval; without it such a call simply runs.
   */
  runApprovedOnce?: RunApprovedOnce | undefined;
}

/**
 * The dispatcher of one run over an agent's validated options and the run's own transports,
 * without copying the options: most chats call no tool, so the approval gate and resolvers are
 * made at the first call that needs them, not per chat.
 */
export function createRunToolDispatcher(
  base: ResolvedToolDispatcherOptions,
  run: RunDispatcherTransports,
): ToolDispatcher {
  return new ResolvedToolDispatcher(base, run);
}

/** Where calls go, in order: local handlers, client-side tools, remote tools. */
function resolversOf(resolved: ResolvedToolDispatcherOptions): ToolResolver[] {
  const resolvers: ToolResolver[] = [createLocalToolResolver(resolved.handlers)];
  if (resolved.clientToolNames.size > 0) {
    resolvers.push(createClientToolResolver(resolved.clientToolNames, resolved.requestClientResult));
  }
  if (resolved.remote !== undefined) resolvers.push(createRemoteToolResolver(resolved.remote));
  return resolvers;
}

/** The calling half of a dispatcher, made at its first call (see `ResolvedToolDispatcher`). */
interface DispatchPipeline {
  resolvers: ToolResolver[];
  approvalGate: ApprovalGate;
}

/**
 * `ToolDispatcher` over validated options, as an object with methods rather than a closure per
 * method: a gateway makes one per chat.
 */
class ResolvedToolDispatcher implements ToolDispatcher {
  readonly #base: ResolvedToolDispatcherOptions;
  readonly #run: RunDispatcherTransports | undefined;
  #pipeline: DispatchPipeline | undefined;

  constructor(base: ResolvedToolDispatcherOptions, run?: RunDispatcherTransports) {
    this.#base = base;
    this.#run = run;
  }

  /** The options with the run's transports (a copy only for a run that has its own). */
  #options(): ResolvedToolDispatcherOptions {
    const base = this.#base;
    const run = this.#run;
    if (run === undefined) return base;
    return {
      ...base,
      requestApproval: run.requestApproval ?? base.requestApproval,
      // A run's "always allow" keys are its own unless the context shares a session's set.
      approvedToolTypes: run.approvedToolTypes ?? new Set<string>(),
      requestClientResult: run.requestClientResult ?? base.requestClientResult,
    };
  }

  #pipelineOf(): DispatchPipeline {
    if (this.#pipeline === undefined) {
      const options = this.#options();
      this.#pipeline = { resolvers: resolversOf(options), approvalGate: createApprovalGate(options) };
    }
    return this.#pipeline;
  }

  #findResolver(name: string): ToolResolver | undefined {
    return this.#pipelineOf().resolvers.find((resolver) => resolver.hasTool(name));
  }

  async #runPipeline(call: ToolCall, environment: ToolExecutionEnvironment): Promise<ToolOutcome> {
    const { interceptors, approvalKeyQualifier, logger } = this.#base;
    const { approvalGate } = this.#pipelineOf();
    const { sessionId, signal } = environment;
    // Bound once so handlers can pass `emit` around without losing the environment's `this`.
    const emit = (event: GatewayEvent): void => environment.emit(event);
    const interception = await runInterceptors({
      interceptors,
      context: { toolCallId: call.id, toolName: call.name, toolInput: call.input, sessionId },
      signal,
      emit,
      logger,
    });
    if (interception.blocked) return failureFromPayload(interception.error);

    const qualifier = resolveApprovalQualifier(approvalKeyQualifier, call.name, call.input, logger);
    // A human may take a while to answer; that wait has its own expiry, not the tool timeout.
    const resumeAfterApproval = environment.suspendTimeout?.();
    const verdict = await approvalGate
      .check({ toolCallId: call.id, toolName: call.name, toolInput: call.input, qualifier, signal })
      .finally(() => resumeAfterApproval?.());
    if (verdict.refusal !== null) return failureFromPayload(verdict.refusal);

    const resolver = this.#findResolver(call.name);
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
    const execute = () => resolver.execute(call.input, context);
    const runOnce = this.#onceRunner(call.name, verdict.approvedByPerson, resolver.location);
    try {
      const outcome = runOnce === undefined ? await execute() : await runOnce(call, execute, signal);
      return withWarnings(outcome, interception.warnings);
    } finally {
      resumeAfterClient?.();
    }
  }

  /**
   * What runs a call a person approved: the run's `runApprovedOnce`, since more than one path
   * (the live run, its resumption) may hold that approval. An idempotent tool may run again, and
   * a client-side tool's result is the client's (a resumed run asks for it again): neither is
   * claimed, nor is a call no person approved.
   */
  #onceRunner(
    name: string,
    approvedByPerson: boolean,
    location: ExecutionLocation,
  ): RunApprovedOnce | undefined {
    if (!approvedByPerson || location === 'client' || this.isIdempotent(name)) return undefined;
    return this.#run?.runApprovedOnce;
  }

  async dispatch(call: ToolCall, environment: ToolExecutionEnvironment): Promise<ToolOutcome> {
    if (environment.signal.aborted) return cancelledFailure();
    const pipeline = this.#runPipeline(call, environment).catch((thrown: unknown): ToolOutcome => {
      this.#base.logger.warn('Tool dispatch failed unexpectedly', { toolName: call.name, error: thrown });
      return toolFailure('internal_error', describeThrown(thrown));
    });
    return raceWithAbort(pipeline, environment.signal, () => cancelledFailure());
  }

  executionLocation(name: string): ExecutionLocation {
    return this.#findResolver(name)?.location ?? 'backend';
  }

  getToolDefinitions(): ToolDefinition[] {
    const { handlers, definitions, remote } = this.#base;
    // Without remote tools there is nothing to merge (asked once per model turn).
    if (remote === undefined) return [...definitions];
    const localNames = new Set<string>([...handlers.keys(), ...definitions.map(({ name }) => name)]);
    const seen = new Set<string>();
    const remoteDefinitions = remote.getToolDefinitions().filter(({ name }) => {
      if (localNames.has(name) || seen.has(name)) return false;
      seen.add(name);
      return true;
    });
    return [...remoteDefinitions, ...definitions];
  }

  hasTool(name: string): boolean {
    return this.#findResolver(name) !== undefined;
  }

  isIdempotent(name: string): boolean {
    const { handlers, definitions, remote } = this.#base;
    const local = definitions.find((definition) => definition.name === name);
    if (local !== undefined || handlers.has(name)) return local?.idempotent === true;
    return remote?.getToolDefinitions().find((definition) => definition.name === name)?.idempotent === true;
  }
}

/** Interceptor warnings ride on successful outcomes only; the loop turns them into `_runner_warning`. */
function withWarnings(outcome: ToolOutcome, warnings: readonly string[]): ToolOutcome {
  if (!outcome.ok || warnings.length === 0) return outcome;
  return { ...outcome, warnings: [...(outcome.warnings ?? []), ...warnings] };
}
