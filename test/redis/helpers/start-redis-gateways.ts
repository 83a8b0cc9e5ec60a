import { randomBytes } from 'node:crypto';
import { createAgentLoop } from '../../../src/agent/create-agent-loop.js';
import type { GatewayEvent } from '../../../src/core/events.js';
import type { ToolDefinition, ToolHandler } from '../../../src/core/tool.js';
import {
  createRedisStores,
  type RedisStores,
  type RedisStoresOptions,
} from '../../../src/stores/redis/create-redis-stores.js';
import { createGatewayApp } from '../../../src/server/create-gateway-app.js';
import type { ServerSpec } from '../../../src/server/contracts/server-spec.js';
import { createScriptedProvider, type ScriptedProvider } from '../../../src/testing/scripted-provider.js';
import type { ScriptedTurn } from '../../../src/testing/scripted-turn.js';
import { createToolDispatcher } from '../../../src/tools/tool-dispatcher.js';
import { toolsOf } from '../../../src/tools/__fixtures__/dispatch-fixtures.js';
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
  /** This instance's Redis stores (the test may cut its connection to simulate a partition). */
  stores: RedisStores;
  /** The key prefix the instances share (fresh per call). */
  keyPrefix: string;
}

/** A tool the test adds to every instance. */
export interface ExtraTool {
  definition: ToolDefinition;
  /** Runs the call on the instance; absent: a client-side tool, whose client posts the result. */
  handler?: ToolHandler;
  /** Whether a call waits for a person's approval first (as `delete_file` does). */
  needsApproval?: boolean;
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
  options: {
    url: string;
    /** The topology, when not one server: `{ cluster: true }` or `{ sentinel: ... }`. */
    topology?: Pick<RedisStoresOptions, 'cluster' | 'sentinel'>;
    turns: ScriptedTurn[][];
    /** Server settings over the defaults below (jwtSecret and store are the shared ones). */
    server?: ServerSpec;
    /** More tools, built per instance index (so each instance can record its own calls). */
    extraTools?: (index: number) => ExtraTool[];
    /**
     * `server.store` as the README shows it, `{ redis: url, keyPrefix }`: each app makes and
     * owns its stores. `stores` is then a connection of the test's own under the same prefix.
     */
    storeAsReadme?: boolean;
    /** Each model call's output cap (the loop's default unless given): what a budget holds for it. */
    maxTokens?: number;
  },
): Promise<RedisGateway[]> {
  const keyPrefix = `e2e${randomBytes(4).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const gateways: RedisGateway[] = [];
  for (const [index, turns] of options.turns.entries()) {
    const provider = createScriptedProvider({ turns });
    const events = new Map<string, GatewayEvent[]>();
    const deleted: string[] = [];
    const extraTools = options.extraTools?.(index) ?? [];
    const approvalNeeded = new Set(
      extraTools.filter((extra) => extra.needsApproval === true).map((extra) => extra.definition.name),
    );
    const stores = createRedisStores({
      url: options.url,
      ...options.topology,
      keyPrefix,
      connectTimeoutMs: 2_000,
      readBlockMs: 500,
      onError: () => undefined,
    });
    cleanup.add(stores, (owned) => owned.close());
    const loop = createAgentLoop({
      provider,
      model: 'scripted-model',
      ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    });
    // How `server.budgets` prices a chat's calls: its first is admitted before the response starts.
    const modelCalls = { provider: provider.name, maxTokens: loop.settings.maxTokens };
    const app = createGatewayApp({
      buildChatRuntime: () => ({
        systemPrompt: 'You delete files when asked.',
        model: 'scripted-model',
        modelCalls,
        createRunner(context) {
          const dispatcher = createToolDispatcher({
            tools: [
              ...toolsOf(
                {
                  delete_file: (input) => {
                    deleted.push(String(input['path']));
                    return { deleted: input['path'] };
                  },
                  ...Object.fromEntries(
                    extraTools.flatMap((extra) =>
                      extra.handler === undefined ? [] : [[extra.definition.name, extra.handler]],
                    ),
                  ),
                },
                [deleteFileDefinition, ...extraTools.map((extra) => extra.definition)],
              ),
              ...extraTools.flatMap((extra) =>
                extra.handler === undefined
                  ? [{ definition: extra.definition, runsOn: 'client' as const }]
                  : [],
              ),
            ],
            needsApproval: (toolName) => toolName === 'delete_file' || approvalNeeded.has(toolName),
            requestApproval: context.requestApproval,
            approvedToolTypes: context.approvedToolTypes,
            requestClientResult: context.requestClientToolResult,
          });
          return {
            run: (input) =>
              loop.run({
                ...input,
                tools: dispatcher,
                eventLog: context.eventLog,
                sessionId: context.session.sessionId,
                getToolDefinitions: () => dispatcher.getToolDefinitions(),
                onCheckpoint: context.onCheckpoint,
              }),
          };
        },
      }),
      hooks: {
        onEvent: (event, sessionId) => {
          const list = events.get(sessionId) ?? [];
          list.push(event);
          events.set(sessionId, list);
        },
      },
      server: {
        jwtSecret,
        allowedModels: [],
        heartbeatIntervalMs: 60_000,
        disconnectGraceMs: 60_000,
        store:
          options.storeAsReadme === true
            ? { redis: options.url, ...options.topology, keyPrefix, connectTimeoutMs: 2_000 }
            : stores,
        instanceId: `instance-${index}`,
        onError: () => undefined,
        ...options.server,
      },
    });
    const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
    gateways.push({ client, provider, events, deleted, stores, keyPrefix });
  }
  return gateways;
}
