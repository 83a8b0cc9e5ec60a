import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Logger } from '../../../src/core/logger.js';
import type { ToolDefinition } from '../../../src/core/tool.js';
import { createAgent } from '../../../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../../../src/server/contracts/create-agent-options.js';
import { createRedisStores } from '../../../src/stores/redis/create-redis-stores.js';
import {
  createMockUpstream,
  type RecordedUpstreamRequest,
} from '../../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../../../src/testing/scripted-turn.js';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient, type GatewayClient } from '../../helpers/gateway-client.js';
import { toolsFrom } from '../../helpers/tools-from.js';

/** The app's backend key: it opens sessions for its users (`payerSession`). */
export const BACKEND_KEY = 'backend-key';

/** What an instance keeps its threads and suspended runs in. */
export type ChargeCardDatabase = NonNullable<CreateAgentOptions['server']>['database'];

const chargeCard: ToolDefinition = {
  name: 'charge_card',
  description: 'Charges the card (not idempotent)',
  input_schema: { type: 'object', properties: { cents: { type: 'number' } }, required: ['cents'] },
};

/** The model: asks to charge `round` cents for "charge <round>" (call `toolu_<callIdPrefix><round>`), then says it is done. */
const chargeCardModel =
  (callIdPrefix: string) =>
  (request: RecordedUpstreamRequest): ScriptedTurn => {
    const messages = Reflect.get(Object(request.body), 'messages') as { content: unknown }[];
    const last = messages.at(-1)?.content;
    if (typeof last === 'string') {
      const round = Number(/charge (\d+)/.exec(last)?.[1]);
      return toolCallTurn('charge_card', { cents: round }, { id: `toolu_${callIdPrefix}${round}` });
    }
    return textTurn('Done.');
  };

/** Options of `startChargeCardInstances`. */
export interface ChargeCardInstancesOptions {
  /** The Redis the instances share; without it, one instance with its stores in memory. */
  redisUrl?: string | undefined;
  /** The start of the instances' fresh Redis key prefix. */
  keyPrefix: string;
  /** The model's call ids are `toolu_<callIdPrefix><round>`. */
  callIdPrefix: string;
  /** The database of instance 0 and of instance 1. */
  database: (instance: number) => ChargeCardDatabase;
  logger: (instance: number) => Logger;
  suspendAfterMs: number;
  suspendedRunScanIntervalMs: number;
  /** Called for every charge the tool makes, on the instance that made it. */
  onCharge: (instance: number, cents: number) => void;
  /** `server.onError` of an instance, when the test records errors. */
  onError?: (instance: number) => (error: unknown, where: string) => void;
}

/**
 * Two instances on one Redis (a fresh key prefix) whose model charges a card, a tool that waits
 * for the payer's approval and is suspended after `suspendAfterMs`; sessions are opened by the
 * app's backend (`BACKEND_KEY`). Without `redisUrl`, one instance (returned as both `a` and `b`).
 */
export async function startChargeCardInstances(
  cleanup: CleanupStack,
  options: ChargeCardInstancesOptions,
): Promise<{ a: GatewayClient; b: GatewayClient }> {
  const upstream = cleanup.add(
    await createMockUpstream({ respond: chargeCardModel(options.callIdPrefix) }),
    (server) => server.close(),
  );
  const keyPrefix = `${options.keyPrefix}${randomBytes(4).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const gateways: GatewayClient[] = [];
  const { redisUrl } = options;
  for (const instance of redisUrl === undefined ? [0] : [0, 1]) {
    const stores =
      redisUrl === undefined
        ? undefined
        : cleanup.add(
            createRedisStores({
              url: redisUrl,
              keyPrefix,
              connectTimeoutMs: 2_000,
              onError: () => undefined,
            }),
            (owned) => owned.close(),
          );
    const app = createAgent({
      systemPrompt: 'You are a test agent.',
      provider: 'anthropic',
      apiKey: 'test-key',
      providerConfig: { baseURL: upstream.url },
      needsApproval: (toolName) => toolName === 'charge_card',
      logger: options.logger(instance),
      tools: toolsFrom(
        {
          charge_card: (input) => {
            options.onCharge(instance, Number(input['cents']));
            return { charged: input['cents'] };
          },
        },
        [chargeCard],
      ),
      server: {
        jwtSecret,
        ...(stores === undefined ? {} : { store: stores }),
        instanceId: `instance-${instance}`,
        database: options.database(instance),
        validApiKeys: [BACKEND_KEY],
        serverSideApiKeys: [BACKEND_KEY],
        suspendAfterMs: options.suspendAfterMs,
        suspendedRunScanIntervalMs: options.suspendedRunScanIntervalMs,
        sessionRateLimit: { sessions: 100_000, windowMs: 60_000 },
        ...(options.onError === undefined ? {} : { onError: options.onError(instance) }),
      },
    });
    gateways.push(cleanup.add(await startGatewayClient(app), (client) => client.close()));
  }
  const [a, b = a] = gateways;
  if (a === undefined || b === undefined) throw new Error('a gateway expected');
  return { a, b };
}

/** A session of the payer, opened by the app's backend: every such session answers the payer's calls. */
export async function payerSession(gateway: GatewayClient): Promise<string> {
  const response = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user: 'payer' });
  expect(response.status).toBe(200);
  return String((await jsonOf(response))['session_token']);
}
