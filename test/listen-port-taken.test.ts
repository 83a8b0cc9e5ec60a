import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { createAgent } from '../src/server/assembly/create-agent.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const occupiedPort = async (): Promise<number> => {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
};

describe('listen() on a port that is taken', () => {
  it('fails before the start-up hooks run and the agent is reported ready', async () => {
    const messages: string[] = [];
    const record = (message: string): void => void messages.push(message);
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    let startupRan = false;
    const app = createAgent({
      systemPrompt: 'You answer.',
      logger,
      server: { onStartup: () => void (startupRan = true) },
    });
    const port = await occupiedPort();
    await expect(app.listen({ port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await app.close();
    expect(startupRan).toBe(false);
    expect(messages).not.toContain('agent ready');
  });
});
