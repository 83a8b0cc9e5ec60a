import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A gateway (sessions in memory, restored from their tokens) whose `server.jwtSecret` is `jwtSecret`. */
const gatewayWith = async (jwtSecret: string | string[]): Promise<GatewayClient> =>
  cleanup.add(
    await startGatewayClient(createAgent({ systemPrompt: 'You are a test agent.', server: { jwtSecret } })),
    (client) => client.close(),
  );

/** The status of a route behind a session, reached with `token`. */
const statusWith = async (client: GatewayClient, token: string): Promise<number> =>
  (await client.get('/health/details', { token })).status;

describe('server.jwtSecret as a list (rotation)', () => {
  it('accepts a token signed with the previous secret and refuses one signed with neither', async () => {
    const before = await gatewayWith('previous-secret');
    const stranger = await gatewayWith('unrelated-secret');
    const oldToken = (await before.openSession()).token;
    const strangerToken = (await stranger.openSession()).token;

    const rotated = await gatewayWith(['next-secret', 'previous-secret']);
    expect(await statusWith(rotated, oldToken)).toBe(200);
    expect(await statusWith(rotated, strangerToken)).toBe(401);
  });

  it('signs new tokens with the first secret only', async () => {
    const rotated = await gatewayWith(['next-secret', 'previous-secret']);
    const newToken = (await rotated.openSession()).token;
    const afterRotation = await gatewayWith('next-secret');
    const stillOld = await gatewayWith('previous-secret');
    expect(await statusWith(afterRotation, newToken)).toBe(200);
    expect(await statusWith(stillOld, newToken)).toBe(401);
  });

  it('refuses an empty list with a message that says what it takes', () => {
    expect(() => createAgent({ systemPrompt: 'x', server: { jwtSecret: [] } })).toThrow(
      /server\.jwtSecret: must list at least one secret/,
    );
  });
});
