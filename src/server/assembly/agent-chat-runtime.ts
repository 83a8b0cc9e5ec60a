import type { RunBudget } from '../../agent/model-call-meter.js';
import { CostAccumulator } from '../../agent/budget.js';
import {
  buildLocalRunTools,
  buildRunTools,
  closesNothing,
  type RunToolContext,
  type RunTools,
} from '../../tools/build-run-tools.js';
import { authorizeToolCalls } from '../auth/authorize-tool-calls.js';
import type { ParsedAgentOptions } from '../contracts/create-agent-options.js';
import type {
  ChatRunner,
  ChatRuntime,
  GatewayServerConfig,
  RequestContext,
} from '../contracts/gateway-config.js';
import type { RunOptions } from '../../agent/agent-loop-input.js';
import { withImageSanitizer, withCodeExecution } from './code-execution-setup.js';
import { withRequestClientTools } from './with-request-client-tools.js';
import type { AgentModels } from './agent-loop-of.js';
import type { AgentTools } from './agent-tools.js';
import type { OnToolResult } from '../../agent/agent-hooks.js';
import type { CodeExecutionBundle } from '../../tools/code-execution/create-code-execution.js';

/** What every chat of an agent shares, made once by `createAgent`. */
export interface AgentChatSettings
  extends
    Pick<AgentTools, 'toolSetup' | 'toolAuthorizer' | 'codeExecution'>,
    Pick<
      AgentModels,
      'provider' | 'model' | 'allowedModels' | 'loop' | 'loopSettings' | 'fallback' | 'circuitBreaker'
    > {
  systemPrompt: ParsedAgentOptions['systemPrompt'];
  maxTurns: ParsedAgentOptions['maxTurns'];
  /** Each run's budget (shared with its sub-agents). */
  maxBudgetUsd: ParsedAgentOptions['maxBudgetUsd'];
  hooks: Pick<NonNullable<ParsedAgentOptions['hooks']>, 'onToolResult' | 'onEvent'>;
}

/**
 * The per-request runtime of an agent (`buildChatRuntime`), which the chat layer calls on every
 * chat: the agent's system prompt, the chat's model and turn limit, and a runner over the
 * agent's one loop with the tools of this run (the session's code execution, the request's
 * client tools, `server.authorize` first), closed when the run ends.
 */
export function createAgentChatRuntime(agent: AgentChatSettings): GatewayServerConfig['buildChatRuntime'] {
  const { systemPrompt, model, maxTurns, maxBudgetUsd, provider, allowedModels, loop } = agent;
  const { toolSetup, toolAuthorizer, codeExecution, hooks, loopSettings } = agent;
  // Sub-agents time out and compact like their parent and share its trace settings.
  const subAgentRunner = {
    turnTimeoutMs: loopSettings.turnTimeoutMs,
    toolCallTimeoutMs: loopSettings.toolCallTimeoutMs,
    compaction: loopSettings.compaction,
    tracing: loopSettings.tracing,
    fallback: agent.fallback,
    circuitBreaker: agent.circuitBreaker,
  };
  /** The runner once the session's code execution (if any) is known: at once without sub-agents. */
  const runnerWith = (
    context: RequestContext,
    bundle: CodeExecutionBundle | undefined,
  ): ChatRunner | Promise<ChatRunner> => {
    const onToolResult =
      bundle === undefined ? hooks.onToolResult : withImageSanitizer(bundle, hooks.onToolResult);
    const clientToolSetup = withRequestClientTools(
      bundle === undefined ? toolSetup : withCodeExecution(toolSetup, bundle),
      context.clientTools,
    );
    // `server.authorize` sees each tool call first (`tool.call`).
    const setup =
      toolAuthorizer === undefined
        ? clientToolSetup
        : {
            ...clientToolSetup,
            interceptors: [
              authorizeToolCalls(toolAuthorizer, context.session),
              ...(clientToolSetup.interceptors ?? []),
            ],
          };
    const costAccumulator = new CostAccumulator(maxBudgetUsd);
    /** The run's gateway budgets once it runs: its sub-agents spend under them. */
    const gatewayBudget: { current?: RunBudget | undefined } = {};
    const toolContext: RunToolContext = {
      provider,
      defaultModel: model,
      allowedModels,
      sessionId: context.session.sessionId,
      signal: context.signal,
      costAccumulator,
      gatewayBudget: () => gatewayBudget.current,
      requestApproval: context.requestApproval,
      approvedToolTypes: context.approvedToolTypes,
      requestClientResult: context.requestClientToolResult,
      runApprovedOnce: context.runApprovedOnce,
      onSubAgentEvent: hooks.onEvent,
      subAgentRunner,
    };
    // Only sub-agent tools are built later: the common chat takes no promise here.
    const local = buildLocalRunTools(setup, toolContext);
    const runnerOf = (runTools: RunTools): AgentChatRunner =>
      new AgentChatRunner(loop, context, runTools, costAccumulator, onToolResult, gatewayBudget);
    if (local !== undefined) return runnerOf(local);
    return buildRunTools(setup, toolContext).then(runnerOf);
  };
  const createRunner = (context: RequestContext): ChatRunner | Promise<ChatRunner> => {
    // Waits only with code execution: without it, no turn of the microtask queue per chat.
    if (codeExecution === undefined) return runnerWith(context, undefined);
    return codeExecution.forSession(context.session.sessionId).then((bundle) => runnerWith(context, bundle));
  };
  // How a budget prices the chat's calls: its first is admitted before the response starts.
  const modelCalls = { provider: provider.name, maxTokens: loop.settings.maxTokens };
  const runtimeOf = (chatModel: string): ChatRuntime =>
    maxTurns === undefined
      ? { systemPrompt, model: chatModel, modelCalls, createRunner }
      : { systemPrompt, model: chatModel, maxTurns, modelCalls, createRunner };
  // Nothing in it depends on the request but its model: a chat on the agent's model (most) gets
  // the same runtime, made once.
  const agentModelRuntime = runtimeOf(model);
  return ({ request }) =>
    request.model === undefined || request.model === null ? agentModelRuntime : runtimeOf(request.model);
}

/** The runner of one chat over its tools, closed when its run ends. */
class AgentChatRunner implements ChatRunner {
  constructor(
    private readonly loop: AgentChatSettings['loop'],
    private readonly context: RequestContext,
    private readonly runTools: RunTools,
    /** The run's budget (shared with its sub-agents). */
    private readonly costAccumulator: CostAccumulator,
    private readonly onToolResult: OnToolResult | undefined,
    /** Where the run's gateway budgets are lent to its sub-agents. */
    private readonly gatewayBudget: { current?: RunBudget | undefined },
  ) {}

  run(input: RunOptions): Promise<unknown> {
    const { context, runTools } = this;
    this.gatewayBudget.current = input.budget;
    const { dispatcher } = runTools;
    // The run's model and turn limit, when it has its own, win over the loop's.
    const running = this.loop.run({
      ...input,
      tools: dispatcher,
      eventLog: context.eventLog,
      sessionId: context.session.sessionId,
      costAccumulator: this.costAccumulator,
      getToolDefinitions: () => dispatcher.getToolDefinitions(),
      backgroundTasksReminder: runTools.backgroundTasksReminder,
      onToolResult: this.onToolResult,
      onCheckpoint: context.onCheckpoint,
    });
    // Without sub-agents there is nothing to close: the loop's own promise, no wrapper per chat.
    return closesNothing(runTools) ? running : closedAfter(running, runTools, input.signal);
  }
}

/** The run, then its tools closed (sub-agents: background ones get 30 s unless the run was cancelled). */
async function closedAfter(
  running: Promise<unknown>,
  runTools: RunTools,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  try {
    return await running;
  } finally {
    await runTools.close({ cancel: signal?.aborted === true });
  }
}
