import type { SessionRecord } from '../../core/stores.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { runLuaScript } from './run-lua-script.js';
import { parseApprovedList, parseStored } from './redis-session-record.js';

/**
 * KEYS: session expiries. Removes up to ARGV[2] session ids due by ARGV[1] from the index and
 * returns them. One script, so that each expired session is taken by exactly one instance and
 * its hook runs once.
 */
const TAKE_EXPIRED_SCRIPT = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZREM', KEYS[1], id) end
return ids`;

/**
 * KEYS: session, approved list, run lock (one hash slot). Deletes a session taken from the
 * index; returns {record or '', approved keys JSON}.
 */
const TAKE_SESSION_SCRIPT = `
local record = redis.call('GET', KEYS[1]) or ''
local approved = cjson.encode(redis.call('LRANGE', KEYS[2], 0, -1))
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {record, approved}`;

/** Most sessions one sweep call takes; the sweep calls again until none is left. */
const SWEEP_BATCH = 500;

/**
 * Takes the sessions expired by `nowSeconds` out of Redis and returns them: the index of expiries
 * is drained by a script (so any instance may sweep and each expired session is handed to
 * exactly one of them), then each taken session is deleted by a script on its own keys.
 */
export async function takeExpiredSessions(
  client: RedisClient,
  keys: RedisKeySpace,
  nowSeconds: number,
): Promise<SessionRecord[]> {
  const expired: SessionRecord[] = [];
  for (;;) {
    const ids = (await runLuaScript(
      client,
      TAKE_EXPIRED_SCRIPT,
      1,
      keys.sessionExpiries(),
      String(nowSeconds),
      String(SWEEP_BATCH),
    )) as string[];
    const taken = await Promise.all(
      ids.map(
        async (id) =>
          (await runLuaScript(
            client,
            TAKE_SESSION_SCRIPT,
            3,
            keys.session(id),
            keys.approvedToolTypes(id),
            keys.runLock(id),
          )) as [string, string],
      ),
    );
    for (const [text, approved] of taken) {
      if (text !== '') expired.push(parseStored(text, parseApprovedList(approved)));
    }
    if (ids.length < SWEEP_BATCH) break;
  }
  return expired;
}
