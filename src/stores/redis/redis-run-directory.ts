import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { RunDirectory, RunLocation } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { ttlSecondsOf } from './redis-ttl.js';

/** Marks the latest run finished only if it is still `ARGV[1]`, and sets its retention. */
const MARK_FINISHED_SCRIPT = `
if redis.call('HGET', KEYS[1], 'runId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'finished', '1')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Options of `createRedisRunDirectory`. */
export interface RedisRunDirectoryOptions {
  client: RedisClient;
  keys: RedisKeySpace;
}

/**
 * Creates the Redis `RunDirectory`: one small hash per session (`runId`, `instanceId`,
 * `finished`) with an expiry, so a forgotten entry disappears on its own. The client is borrowed.
 */
export function createRedisRunDirectory(options: RedisRunDirectoryOptions): RunDirectory {
  const { client, keys } = options;
  return {
    async setLatest(location, ttlMs) {
      const key = keys.latestRun(location.sessionId);
      await client
        .multi()
        .del(key)
        .hset(key, {
          runId: location.runId,
          instanceId: location.instanceId,
          finished: location.finished ? '1' : '0',
        })
        .expire(key, ttlSecondsOf(ttlMs))
        .exec();
    },

    async getLatest(sessionId): Promise<RunLocation | undefined> {
      const fields = await client.hgetall(keys.latestRun(sessionId));
      const { runId, instanceId, finished } = fields;
      if (runId === undefined || instanceId === undefined) return undefined;
      return { runId, sessionId, instanceId, finished: finished === '1' };
    },

    async markFinished(sessionId, runId, ttlMs) {
      await runLuaScript(
        client,
        MARK_FINISHED_SCRIPT,
        1,
        keys.latestRun(sessionId),
        runId,
        String(ttlSecondsOf(ttlMs)),
      );
    },

    close() {
      return Promise.resolve();
    },
  };
}
