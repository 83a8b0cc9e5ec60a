/**
 * The Lua scripts of the Redis run bookkeeping: each does in one round trip what the separate
 * scripts and commands of the lease, directory, session, pending-tool and event-log stores do in
 * several, with the same writes. Two kinds:
 *
 * - single-server scripts (a single Redis or a Sentinel master), which touch keys of several
 *   hash slots and so must never be sent to a Redis Cluster;
 * - Cluster scripts, each on the keys of one slot (a session's, or a run's).
 *
 * Every key a script touches is declared in KEYS (src/stores/redis/lua-scripts-declare-keys.test.ts).
 */

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * Single server. KEYS: lease hash, lease expiries, runs by owner, latest run. ARGV: owner,
 * lease ms, record JSON, lease hash TTL s, owner as the index spells it, run id, instance id,
 * directory TTL s. `BEGIN_SCRIPT` (epoch 1), `INDEX_PUT_SCRIPT` and `RunDirectory.setLatest`
 * (not finished) in one.
 */
export const OPEN_RUN_SCRIPT = `${NOW}
local expires = now + tonumber(ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'epoch', '1', 'record', ARGV[3], 'expires', expires)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], expires, ARGV[6])
redis.call('ZADD', KEYS[3], 0, ARGV[5] .. '|' .. ARGV[6])
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[4], 'runId', ARGV[6], 'instanceId', ARGV[7], 'finished', '0')
redis.call('EXPIRE', KEYS[4], ARGV[8])
return 1`;

/**
 * Single server. KEYS: lease hash, run lock, the run's pending answers. ARGV: epoch. When the
 * lease is held at that epoch and not ended (`HOLDS_SCRIPT`), releases the lock and answers the
 * pending answer ids (for the caller to withdraw); else false, and nothing changes.
 */
export const FREE_SESSION_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  return false
end
redis.call('DEL', KEYS[2])
return redis.call('SMEMBERS', KEYS[3])`;

/**
 * Cluster (a session's slot). KEYS: run lock, the run's pending answers. Releases the lock and
 * answers the pending answer ids; sent once `HOLDS_SCRIPT` (the run's slot) said the run is held.
 */
export const FREE_SESSION_SLOT_SCRIPT = `
redis.call('DEL', KEYS[1])
return redis.call('SMEMBERS', KEYS[2])`;

/**
 * Single server. KEYS: event stream, lease hash, latest run, lease expiries, runs by owner.
 * ARGV: retention s, run id, epoch, lease tombstone TTL s, owner as the index spells it. The
 * stream's retention (`RunEventLogStore.expire`), `MARK_FINISHED_SCRIPT`, `END_SCRIPT` and
 * `INDEX_DROP_SCRIPT` in one. Idempotent.
 */
export const FINISH_RUN_SCRIPT = `
redis.call('EXPIRE', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[3], 'runId') == ARGV[2] then
  redis.call('HSET', KEYS[3], 'finished', '1')
  redis.call('EXPIRE', KEYS[3], ARGV[1])
end
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[3] then return 0 end
redis.call('HDEL', KEYS[2], 'record', 'checkpoint')
redis.call('HSET', KEYS[2], 'ended', 1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[5] .. '|' .. ARGV[2])
return 1`;

/**
 * Cluster (a run's slot). KEYS: event stream, lease hash. ARGV: retention s, epoch, lease
 * tombstone TTL s. The stream's retention and `END_SCRIPT` in one: the lease's owner when it
 * ended here, else false.
 */
export const FINISH_RUN_SLOT_SCRIPT = `
redis.call('EXPIRE', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[2], 'record', 'checkpoint')
redis.call('HSET', KEYS[2], 'ended', 1)
redis.call('EXPIRE', KEYS[2], ARGV[3])
return redis.call('HGET', KEYS[2], 'owner')`;
