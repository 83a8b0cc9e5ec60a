import { randomBytes } from 'node:crypto';
import { AgentRunner } from '../agent/agent-runner.js';
import { EventLog } from '../agent/event-log.js';
import type { Logger } from '../agent/logger.js';
import { consoleWarningLogger } from '../agent/logger.js';
import type { Provider } from '../core/provider.js';
import { resolveProvider } from '../providers/resolve-provider.js';
import { CostAccumulator } from '../agent/budget.js';
import type { AutonomousTools } from './build-autonomous-tools.js';
import { buildAutonomousTools } from './build-autonomous-tools.js';
import { deliver } from './delivery/deliver.js';
import type { RunAutonomousOptions } from './run-autonomous-options.js';
import { resolveRunAutonomousOptions } from './run-autonomous-options.js';
import type { RunOutput } from './run-output.js';
import { runSession } from './run-session.js';
import { buildStatePayload } from './state/build-state-payload.js';
import { extractStateUpdate } from './state/extract-state-update.js';
import type { JsonObject } from './state/json-object-file.js';
import { loadState, saveState } from './state/state-file.js';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Forwards log appends to `onEvent`, logging (never propagating) its failures. */
function observeEvents(
  eventLog: EventLog,
  onEvent: NonNullable<RunAutonomousOptions['onEvent']>,
  sessionId: string,
  logger: Logger,
): () => void {
  const report = (error: unknown): void => logger.warn(`onEvent hook failed: ${messageOf(error)}`);
  return eventLog.onAppend(({ event }) => {
    try {
      const result = onEvent(event, sessionId);
      if (result instanceof Promise) void result.catch(report);
    } catch (error) {
      report(error);
    }
  });
}

/** Releases the run's tools and (when the run created it) its provider; failures are logged. */
async function release(
  tools: AutonomousTools | undefined,
  provider: Provider,
  ownsProvider: boolean,
  logger: Logger,
): Promise<void> {
  const results = await Promise.allSettled([tools?.close(), ownsProvider ? provider.close?.() : undefined]);
  for (const result of results) {
    if (result.status === 'rejected')
      logger.warn(`Closing the run's resources failed: ${messageOf(result.reason)}`);
  }
}

/**
 * Runs an agent headless to completion — for cron jobs, batch tasks and `HeartbeatLoop` —
 * with the same loop, tool dispatcher and providers as the HTTP gateway.
 *
 * Flow: validate every option (before anything starts) → resolve the provider → assemble the
 * tools → load the previous state (`stateDir`) → run one user message under the wall-clock
 * `timeoutSeconds` → collect the output from the event log → when `stateDir` or `delivery` is
 * set, build the state (previous state + the model's `## STATE_UPDATE_JSON` block + run
 * bookkeeping) → save it (`stateDir`) → deliver it (`delivery`, failures logged) → resolve.
 *
 * A failed, timed-out, over-budget or over-limit run still resolves (see `runOutputExitCode`);
 * only invalid options, a failing state write, or cancellation through `signal` reject. Nothing
 * asks for approval: calls that `needsApproval` marks are refused. Whatever the run created
 * (provider clients, tool connections) is closed before it settles; a provider instance or a
 * `remote` passed in stays open for the caller.
 */
export async function runAutonomous(options: RunAutonomousOptions): Promise<RunOutput> {
  const settings = resolveRunAutonomousOptions(options);
  const logger = options.logger ?? consoleWarningLogger;
  const { provider, model, namedProvider } = resolveProvider({
    provider: options.provider,
    model: options.model,
    apiKey: options.apiKey,
    authToken: options.authToken,
    providerConfig: options.providerConfig,
    caller: 'runAutonomous',
  });
  const sessionId = options.sessionId ?? `autonomous-${randomBytes(8).toString('hex')}`;
  let tools: AutonomousTools | undefined;
  try {
    const costAccumulator = new CostAccumulator(options.maxBudgetUsd);
    tools = await buildAutonomousTools(options, {
      provider,
      model,
      sessionId,
      costAccumulator,
      signal: options.signal ?? new AbortController().signal,
    });
    const { dispatcher } = tools;
    const eventLog = new EventLog();
    const runner = new AgentRunner({
      provider,
      tools: dispatcher,
      eventLog,
      sessionId,
      model,
      getToolDefinitions: () => dispatcher.getToolDefinitions(),
      maxTurns: settings.maxTurns,
      logger,
      ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
      ...(options.thinking === undefined ? {} : { thinking: options.thinking }),
      ...(options.excludedTools === undefined ? {} : { excludedTools: options.excludedTools }),
      costAccumulator,
      ...(options.perTurnTimeout === undefined ? {} : { perTurnTimeoutMs: options.perTurnTimeout * 1000 }),
      ...(options.toolCallTimeout === undefined ? {} : { toolCallTimeoutMs: options.toolCallTimeout * 1000 }),
      ...(options.maxConcurrentSubAgents === undefined
        ? {}
        : { maxConcurrentSubAgents: options.maxConcurrentSubAgents }),
      ...(options.onUsage === undefined ? {} : { onUsage: options.onUsage }),
      ...(options.onToolResult === undefined ? {} : { onToolResult: options.onToolResult }),
      ...(options.onToolTiming === undefined ? {} : { onToolTiming: options.onToolTiming }),
      ...(options.onMaxTurns === undefined ? {} : { onMaxTurns: options.onMaxTurns }),
    });
    const stopObserving =
      options.onEvent === undefined ? undefined : observeEvents(eventLog, options.onEvent, sessionId, logger);

    const { stateDir, stateFile } = settings;
    const previousState: JsonObject =
      stateDir === undefined ? {} : await loadState(stateDir, stateFile, logger);
    let output: RunOutput | undefined;
    try {
      output = await runSession({
        runner,
        eventLog,
        initialMessage: options.initialMessage,
        systemPrompt: options.systemPrompt,
        timeoutSeconds: settings.timeoutSeconds,
        signal: options.signal,
        logger,
      });
    } finally {
      stopObserving?.();
      // Background sub-agents get their grace period only after a normal end.
      await tools.close({ cancel: output === undefined || output.timedOut });
    }

    if (stateDir !== undefined || options.delivery !== undefined) {
      const state = buildStatePayload({
        previousState,
        modelState: extractStateUpdate(output.response),
        output,
        model,
        briefingFile: options.delivery?.briefingFile ?? '',
        connectedServers: tools.connectedServers,
        activeServers: tools.activeServers,
      });
      if (stateDir !== undefined) await saveState(stateDir, state, stateFile);
      if (options.delivery !== undefined) await deliver(options.delivery, output, state, options.signal);
    }
    return output;
  } finally {
    await release(tools, provider, namedProvider !== undefined, logger);
  }
}
