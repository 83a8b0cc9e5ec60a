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

describe.skipIf(skipReason !== undefined)('Lua scripts as defined commands', () => {
  let server: RedisServerProcess;
  let client: Redis;
  let monitor: Redis;
  const seen: string[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
    monitor = await new Redis(server.url).monitor();
    monitor.on('monitor', (_time: string, args: string[]) => void seen.push(String(args[0]).toLowerCase()));
  });
  afterAll(async () => {
    monitor.disconnect();
    client.disconnect();
    await server.stop();
  });

  it('sends the source once, then EVALSHA, and recovers after SCRIPT FLUSH', async () => {
    expect(await runLuaScript(client, INCREMENT_BY, 1, 'counter', '2')).toBe(2);
    expect(await runLuaScript(client, INCREMENT_BY, 1, 'counter', '3')).toBe(5);
    await client.script('FLUSH');
    expect(await runLuaScript(client, INCREMENT_BY, 1, 'counter', '4')).toBe(9);
    await client.ping();
    await new Promise((resolve) => setImmediate(resolve));
    const scriptCalls = seen.filter((command) => command === 'eval' || command === 'evalsha');
    // The source travels once per connection, then only the hash; after the flush the server
    // answers NOSCRIPT to the hash and the source is sent once more.
    expect(scriptCalls).toEqual(['eval', 'evalsha', 'evalsha', 'eval']);
  });
});
