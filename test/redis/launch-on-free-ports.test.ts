import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { killProcess, launchOnFreePorts, spawnRedisServer } from './helpers/redis-process.js';
import { redisUnavailableReason } from './helpers/start-redis-server.js';

const unavailable = redisUnavailableReason();

const listening = (): Promise<{ server: Server; port: number }> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });

const redisOn = (port: number) =>
  spawnRedisServer(
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'Ready to accept connections',
  );

describe.skipIf(unavailable !== undefined)('launching redis-server on a free port', () => {
  it('tries new ports when another process took the first before redis-server bound it', async () => {
    const taken = await listening();
    const tried: number[] = [];
    try {
      const started = await launchOnFreePorts(1, ([port]) => {
        // The first try loses the race: its port is held by another listener.
        const chosen = tried.length === 0 ? taken.port : (port ?? 0);
        tried.push(chosen);
        return redisOn(chosen);
      });
      expect(tried).toHaveLength(2);
      expect(started.ports[0]).toBe(tried[1]);
      await killProcess(started.launched);
    } finally {
      taken.server.close();
    }
  });

  it('gives up on other errors at once, and after five tries on a taken port', async () => {
    let tries = 0;
    await expect(
      launchOnFreePorts(1, () => {
        tries += 1;
        return Promise.reject(new Error('no such option'));
      }),
    ).rejects.toThrow('no such option');
    expect(tries).toBe(1);
    const taken = await listening();
    tries = 0;
    try {
      await expect(
        launchOnFreePorts(1, () => {
          tries += 1;
          return redisOn(taken.port);
        }),
      ).rejects.toThrow('Address already in use');
      expect(tries).toBe(5);
    } finally {
      taken.server.close();
    }
  });
});
