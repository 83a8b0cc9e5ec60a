import type { RunOptions, RunResult } from '../agent/agent-loop-input.js';
import { createAgentLoop } from '../agent/create-agent-loop.js';
import { EventLog } from '../agent/event-log.js';
import type { Logger } from '../core/logger.js';
import { consoleWarningLogger } from '../core/logger.js';
import { findImplausibleDurations } from '../agent-spec/implausible-durations.js';
import { describeMissingCredential } from '../agent/missing-credential.js';
import type { Provider } from '../core/provider.js';
import { resolveProvider } from '../providers/resolve-provider.js';
import { CostAccumulator } from '../agent/budget.js';
import type { AutonomousTools } from './build-autonomous-tools.js';
import { buildAutonomousTools } from './build-autonomous-tools.js';
import { deliver } from './delivery/deliver.js';
import {
  runAutonomousSchema,
  type ParsedRunAutonomousOptions,
  type RunAutonomousOptions,
} from './run-autonomous-options.js';
import { parseSpec } from '../agent-spec/parse-spec.js';
import { RENAMED_HEADLESS_OPTIONS } from '../agent-spec/renamed-options.js';
import type { RunOutput } from './run-output.js';
import { runSession } from './run-session.js';
import { buildStatePayload } from './state/build-state-payload.js';
import { extractStateUpdate } from './state/extract-state-update.js';
import type { JsonObject } from './state/json-object-file.js';
import { loadState, saveState } from './state/state-file.js';
import { createCircuitBreaker } from '../agent/create-circuit-breaker.js';
import { fallbackOf } from '../agent-spec/fallback-of.js';
import { runnerSettingsOf } from '../agent-spec/runner-settings-of.js';
import { HEADLESS_OWNER } from './thread/headless-thread-options.js';
import { startHeadlessThreadRun, type HeadlessThreadRun } from './thread/headless-thread-run.js';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Forwards log appends to `onEvent`, logging (never propagating) its failures. */
function observeEvents(
  eventLog: EventLog,
  onEvent: NonNullable<NonNullable<ParsedRunAutonomousOptions['hooks']>['onEvent']>,
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
 * Flow: check every option (before anything starts) → resolve the provider → assemble the
 * tools → load the previous state (`headless.stateDir`) → run one user message under the
 * wall-clock `headless.timeoutMs` → collect the output from the event log → when `stateDir` or `delivery` is
 * set, build the state (previous state + the model's `## STATE_UPDATE_JSON` block + run
 * bookkeeping) → save it (`stateDir`) → deliver it (`delivery`, failures logged) → resolve.
 *
 * With `headless.thread` (and `headless.database`), the run continues that stored thread: it
 * reads the thread's history (compacted as it was) before its message and, once it ended,
 * appends its own messages and records the run (`docs/threads.md`, "Headless runs").
 *
 * A failed, timed-out, over-budget or over-limit run still resolves (see `runOutputExitCode`);
 * only invalid options, a failing state write, a failing thread database (`store_unavailable`),
 * or cancellation through `signal` reject. Nothing
 * asks for approval: calls that `needsApproval` marks are refused. Whatever the run created
 * (provider clients, tool connections) is closed before it settles; a provider instance or a
 * `remote` passed in stays open for the caller.
 */
export async function runAutonomous(options: RunAutonomousOptions): Promise<RunOutput> {
  const spec = parseSpec(
    runAutonomousSchema,
    options,
    'runAutonomous',
    RENAMED_HEADLESS_OPTIONS,
    "runAutonomous({ systemPrompt: 'You are…', tools: [...], headless: { initialMessage: '...', timeoutMs: 600000 } })",
  );
  const { headless, hooks = {} } = spec;
  const logger = spec.logger ?? consoleWarningLogger;
  for (const { message, option, valueMs } of findImplausibleDurations(spec)) {
    logger.warn(message, { option, valueMs });
  }
  const { provider, model, namedProvider } = resolveProvider({
    provider: spec.provider,
    model: spec.model,
    apiKey: spec.apiKey,
    authToken: spec.authToken,
    providerConfig: spec.providerConfig,
    caller: 'runAutonomous',
  });
  const circuitBreaker = createCircuitBreaker({ ...spec.circuitBreaker, logger });
  const { fallback, createdProviders } = fallbackOf(spec, {
    provider,
    namedProvider,
    caller: 'runAutonomous',
  });
  const loopSettings = runnerSettingsOf(spec, {
    provider,
    model,
    logger,
    caller: 'runAutonomous',
    excludedTools: headless.excludedTools,
    fallback,
    circuitBreaker,
  });
  const loop = createAgentLoop(loopSettings);
  const missing = describeMissingCredential(provider, 'this run');
  if (missing !== undefined) logger.warn(missing, { provider: provider.name });
  const { sessionId } = headless;
  let tools: AutonomousTools | undefined;
  let threadRun: HeadlessThreadRun | undefined;
  try {
    if (headless.thread !== undefined && headless.database !== undefined && headless.database !== false) {
      threadRun = await startHeadlessThreadRun({
        database: headless.database,
        threadId: headless.thread,
        owner: headless.owner ?? HEADLESS_OWNER,
        model,
        logger,
        signal: headless.signal,
      });
    }
    const costAccumulator = new CostAccumulator(spec.maxBudgetUsd);
    tools = await buildAutonomousTools(spec, {
      provider,
      subAgentRunner: {
        turnTimeoutMs: loopSettings.turnTimeoutMs,
        toolCallTimeoutMs: loopSettings.toolCallTimeoutMs,
        compaction: loopSettings.compaction,
        fallback,
        circuitBreaker,
      },
      model,
      sessionId,
      costAccumulator,
      signal: headless.signal ?? new AbortController().signal,
    });
    const { dispatcher, backgroundTasksReminder } = tools;
    const eventLog = new EventLog();
    const stopObserving =
      hooks.onEvent === undefined ? undefined : observeEvents(eventLog, hooks.onEvent, sessionId, logger);

    const { stateDir, stateFile, delivery } = headless;
    const previousState: JsonObject =
      stateDir === undefined ? {} : await loadState(stateDir, stateFile, logger);
    let output: RunOutput | undefined;
    const run = (input: RunOptions): Promise<RunResult> =>
      loop.run({
        ...input,
        tools: dispatcher,
        eventLog,
        sessionId,
        costAccumulator,
        getToolDefinitions: () => dispatcher.getToolDefinitions(),
        backgroundTasksReminder,
      });
    try {
      output = await runSession({
        run: threadRun === undefined ? run : threadRun.wrap(run),
        eventLog,
        initialMessage: headless.initialMessage,
        systemPrompt: spec.systemPrompt,
        timeoutMs: headless.timeoutMs,
        signal: headless.signal,
        logger,
      });
    } finally {
      stopObserving?.();
      // Background sub-agents get their grace period only after a normal end.
      await tools.close({ cancel: output === undefined || output.timedOut });
      // A cancelled run keeps what it completed; its own rejection is the one reported.
      if (threadRun !== undefined && output === undefined)
        await threadRun.finish(undefined).catch(() => undefined);
    }
    await threadRun?.finish(output);

    if (stateDir !== undefined || delivery !== undefined) {
      const state = buildStatePayload({
        previousState,
        modelState: extractStateUpdate(output.response),
        output,
        model,
        briefingFile: delivery?.telegram?.briefingFile ?? '',
        connectedServers: tools.connectedServers,
        activeServers: tools.activeServers,
      });
      if (stateDir !== undefined) await saveState(stateDir, state, stateFile);
      if (delivery !== undefined) await deliver(delivery, output, state, headless.signal);
    }
    return output;
  } finally {
    await threadRun
      ?.close()
      .catch((error: unknown) => logger.warn(`Closing the thread database failed: ${messageOf(error)}`));
    await release(tools, provider, namedProvider !== undefined, logger);
    await Promise.allSettled(createdProviders.flatMap((created) => created.close?.() ?? []));
  }
}
