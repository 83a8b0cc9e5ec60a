import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLuaScript } from '../../src/stores/redis/run-lua-script.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
const INCREMENT_BY = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

/** How many times the server ran EVAL, EVALSHA, and how many EVALSHAs it refused (NOSCRIPT). */
async function scriptCommandCounts(
  client: Redis,
): Promise<{ eval: number; evalsha: number; refused: number }> {
  const info = await client.info('commandstats');
  const read = (command: string, field: string): number => {
    const line = info.split('\r\n').find((entry) => entry.startsWith(`cmdstat_${command}:`));
    const match = line === undefined ? null : new RegExp(`${field}=(\\d+)`).exec(line);
    return match === null ? 0 : Number(match[1]);
  };
  return {
    eval: read('eval', 'calls'),
    evalsha: read('evalsha', 'calls'),
    refused: read('evalsha', 'failed_calls'),
  };
}

describe.skipIf(skipReason !== undefined)('Lua scripts as defined commands', () => {
  let server: RedisServerProcess;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('sends the source once, then EVALSHA, and recovers after SCRIPT FLUSH', async () => {
    // Counted by the server itself (INFO commandstats): a MONITOR connection raced ioredis's
    // command queue under load.
    await client.config('RESETSTAT');
    expect(await runLuaScript(client, INCREMENT_BY, 1, 'counter', '2')).toBe(2);
    expect(await runLuaScript(client, INCREMENT_BY, 1, 'counter', '3')).toBe(5);
    expect(await scriptCommandCounts(client)).toEqual({ eval: 1, evalsha: 1, refused: 0 });
    await client.script('FLUSH');
    expect(await runLuaScript(client, INCREMENT_BY, 1, 'counter', '4')).toBe(9);
    // After the flush the server answers NOSCRIPT to the hash and the source is sent once more.
    expect(await scriptCommandCounts(client)).toEqual({ eval: 2, evalsha: 2, refused: 1 });
  });
});
