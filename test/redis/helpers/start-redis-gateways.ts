import { randomBytes } from 'node:crypto';
import { AgentRunner } from '../../../src/agent/agent-runner.js';
import type { GatewayEvent } from '../../../src/core/events.js';
import type { ToolDefinition } from '../../../src/core/tool.js';
import { createGatewayApp } from '../../../src/server/create-gateway-app.js';
import type { GatewayServerConfig } from '../../../src/server/gateway-config.js';
import { createScriptedProvider, type ScriptedProvider } from '../../../src/testing/scripted-provider.js';
import type { ScriptedTurn } from '../../../src/testing/scripted-turn.js';
import { createToolDispatcher } from '../../../src/tools/tool-dispatcher.js';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from '../../helpers/gateway-client.js';

/** One gateway instance of a Redis-backed deployment. */
export interface RedisGateway {
  client: GatewayClient;
  provider: ScriptedProvider;
  /** Every event this instance's runs appended, per session (the ground truth of a run). */
  events: Map<string, GatewayEvent[]>;
  /** Paths `delete_file` removed on this instance. */
  deleted: string[];
}

const deleteFileDefinition: ToolDefinition = {
  name: 'delete_file',
  description: 'Deletes a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/**
 * Starts `count` gateway apps in this process, each with its own Redis clients, run registry
 * and listener on 127.0.0.1, sharing one Redis (under a fresh key prefix) and one JWT secret:
 * the deployment a load balancer would see. `turns[i]` scripts the model of instance i.
 * `delete_file` needs approval.
 */
export async function startRedisGateways(
  cleanup: CleanupStack,
  options: { url: string; turns: ScriptedTurn[][]; config?: Partial<GatewayServerConfig> },
): Promise<RedisGateway[]> {
  const keyPrefix = `e2e${randomBytes(4).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const gateways: RedisGateway[] = [];
  for (const [index, turns] of options.turns.entries()) {
    const provider = createScriptedProvider({ turns });
    const events = new Map<string, GatewayEvent[]>();
    const deleted: string[] = [];
    const app = createGatewayApp({
      jwtSecret,
      allowedModels: [],
      heartbeatIntervalMs: 60_000,
      disconnectGraceMs: 60_000,
      store: { type: 'redis', url: options.url, keyPrefix, connectTimeoutMs: 2_000 },
      instanceId: `instance-${index}`,
      onEvent: (event, sessionId) => {
        const list = events.get(sessionId) ?? [];
        list.push(event);
        events.set(sessionId, list);
      },
      onError: () => undefined,
      ...options.config,
      buildChatRuntime: () => ({
        systemPrompt: 'You delete files when asked.',
        model: 'scripted-model',
        createRunner(context) {
          const dispatcher = createToolDispatcher({
            handlers: {
              delete_file: (input) => {
                deleted.push(String(input['path']));
                return { deleted: input['path'] };
              },
            },
            definitions: [deleteFileDefinition],
            needsApproval: (toolName) => toolName === 'delete_file',
            requestApproval: context.requestApproval,
            approvedToolTypes: context.approvedToolTypes,
            requestClientResult: context.requestClientToolResult,
          });
          return new AgentRunner({
            provider,
            tools: dispatcher,
            eventLog: context.eventLog,
            sessionId: context.session.sessionId,
            model: 'scripted-model',
            getToolDefinitions: () => dispatcher.getToolDefinitions(),
          });
        },
      }),
    });
    const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
    gateways.push({ client, provider, events, deleted });
  }
  return gateways;
}
