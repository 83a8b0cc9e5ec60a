import { createAgentLoop } from '../../src/agent/create-agent-loop.js';
import type { ToolDefinition, ToolHandler } from '../../src/core/tool.js';
import type {
  ChatRequestInfo,
  ChatRuntime,
  GatewayServerConfig,
} from '../../src/server/contracts/gateway-config.js';
import type { ScriptedProvider } from '../../src/testing/scripted-provider.js';
import { toolsOf } from '../../src/tools/__fixtures__/dispatch-fixtures.js';
import { createToolDispatcher } from '../../src/tools/tool-dispatcher.js';

/** Options of `scriptedRuntime`. */
export interface ScriptedRuntimeOptions {
  /** Local tools the model may call. */
  handlers?: Record<string, ToolHandler>;
  definitions?: ToolDefinition[];
  /** Model of the runtime (default: the request's, else `scripted-model`). */
  model?: string;
  /** Sees every `buildChatRuntime` call (to check what the gateway hands over). */
  onBuild?: (info: ChatRequestInfo) => void;
  /** The output cap of each model call, told to the gateway's budgets as `modelCalls` too. */
  maxTokens?: number;
}

/**
 * A `buildChatRuntime` for `createGatewayApp` whose runner plays a scripted provider in
 * process: for tests of the gateway itself, where the provider's wire format does not matter.
 */
export function scriptedRuntime(
  provider: ScriptedProvider,
  options: ScriptedRuntimeOptions = {},
): GatewayServerConfig['buildChatRuntime'] {
  const loop = createAgentLoop({
    provider,
    model: 'scripted-model',
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  });
  const modelCalls = { provider: provider.name, maxTokens: loop.settings.maxTokens };
  return (info): ChatRuntime => {
    options.onBuild?.(info);
    const model = options.model ?? info.request.model ?? 'scripted-model';
    return {
      systemPrompt: 'You are a scripted test agent.',
      model,
      modelCalls,
      createRunner(context) {
        const dispatcher = createToolDispatcher({
          ...(options.handlers === undefined
            ? {}
            : { tools: toolsOf(options.handlers, options.definitions) }),
          requestApproval: context.requestApproval,
          approvedToolTypes: context.approvedToolTypes,
          requestClientResult: context.requestClientToolResult,
        });
        return {
          run: (input) =>
            loop.run({
              ...input,
              model: input.model ?? model,
              tools: dispatcher,
              eventLog: context.eventLog,
              sessionId: context.session.sessionId,
              getToolDefinitions: () => dispatcher.getToolDefinitions(),
            }),
        };
      },
    };
  };
}
