/**
 * The Lua scripts of the Redis run lease store. Two kinds, so that no script touches keys of
 * more than one hash slot (Redis Cluster) and every key a script touches is declared in KEYS:
 *
 * - per-run scripts, on the run's lease hash alone (`owner`, `epoch`, `expires`, `record`,
 *   `checkpoint`, `ended`): the truth about who holds a run. Every claim and every fenced
 *   write is decided here, atomically.
 * - index scripts, on three index keys: lease expiries (sorted set, run id -> expiry ms),
 *   owners (sorted set, owner -> last heartbeat ms) and runs by owner (sorted set of
 *   `<owner>|<run id>` members, read by lex range). The index only tells a scanning instance
 *   where to look; a stale entry costs a claim attempt that the lease hash refuses.
 *
 * Owners in the index are URL-encoded by the caller, so `|` never appears inside one.
 */

/**
 * Every script reads the Redis server's clock (`TIME`), never the instances' clocks: lease
 * expiry is then one timeline for the whole deployment even when the machines' clocks drift.
 */
const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * KEYS: lease hash. ARGV: owner, lease ms, record JSON, hash TTL s, epoch, '1' to create only
 * when absent (a restore). 1 written, 0 not (it exists).
 */
export const BEGIN_SCRIPT = `${NOW}
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'epoch', ARGV[5], 'record', ARGV[3], 'expires', now + tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

/** KEYS: lease hash. ARGV: owner, epoch, lease ms, hash TTL s. 1 renewed, 0 lost, -1 missing. */
export const RENEW_SCRIPT = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'expires', now + tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

/** KEYS: lease hash. ARGV: epoch, checkpoint JSON. 1 saved, 0 lost, -1 missing (not saved). */
export const CHECKPOINT_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return -1 end
if epoch ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'checkpoint', ARGV[2])
return 1`;

/** KEYS: lease hash. ARGV: epoch. The owner when the lease now lapsed, false when not current. */
export const RELINQUISH_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  return false
end
redis.call('HSET', KEYS[1], 'expires', 0)
return redis.call('HGET', KEYS[1], 'owner')`;

/**
 * KEYS: lease hash. ARGV: epoch, tombstone TTL s. The hash stays as a tombstone (without its
 * record and checkpoint) so that a late renewal is refused. The owner, or false when `epoch`
 * is not current.
 */
export const END_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return false end
redis.call('HDEL', KEYS[1], 'record', 'checkpoint')
redis.call('HSET', KEYS[1], 'ended', 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('HGET', KEYS[1], 'owner')`;

/** KEYS: lease hash. ARGV: epoch. 1 when held at that epoch and not ended. */
export const HOLDS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  return 0
end
return 1`;

/**
 * KEYS: lease hash. ARGV: claiming owner, lease ms, hash TTL s, silent owner ('' when none).
 * Claims the run when its lease lapsed, or when it is still held by the silent owner (one
 * whose heartbeat stopped: its lease need not have lapsed). Returns one of
 * `{'gone'}` (no hash), `{'ended', owner}`, `{'held', owner, ms left}` or
 * `{'claimed', previous owner, new epoch, record JSON, checkpoint JSON or ''}`.
 */
export const CLAIM_RUN_SCRIPT = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return {'ended', owner} end
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires') or '0') or 0
if (ARGV[4] == '' or owner ~= ARGV[4]) and expires > now then
  return {'held', owner, expires - now}
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'expires', now + tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[3])
local fields = redis.call('HMGET', KEYS[1], 'record', 'checkpoint')
return {'claimed', owner, epoch, fields[1] or '', fields[2] or ''}`;

/**
 * KEYS: expiries, runs by owner. ARGV: run id, owner, ms until the lease expires, stale owner
 * ('' when none). Indexes the run as held by `owner` (dropping the stale owner's entry).
 */
export const INDEX_PUT_SCRIPT = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
if ARGV[4] ~= '' and ARGV[4] ~= ARGV[2] then redis.call('ZREM', KEYS[2], ARGV[4] .. '|' .. ARGV[1]) end
redis.call('ZADD', KEYS[2], 0, ARGV[2] .. '|' .. ARGV[1])
return 1`;

/** KEYS: expiries, runs by owner. ARGV: run id, then the owners whose entries go ('' skipped). */
export const INDEX_DROP_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
for index = 2, #ARGV do
  if ARGV[index] ~= '' then redis.call('ZREM', KEYS[2], ARGV[index] .. '|' .. ARGV[1]) end
end
return 1`;

/**
 * KEYS: owners, expiries. ARGV: owner, silent ms ('' to judge no owner). The heartbeat: records
 * the owner alive now, and answers 1 when a scan may find work (a lapsed lease, or another
 * owner silent for that long), else 0.
 */
export const BEAT_SCRIPT = `${NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
if #redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1) > 0 then return 1 end
if ARGV[2] ~= '' then
  local silent = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, 2)
  for _, other in ipairs(silent) do
    if other ~= ARGV[1] then return 1 end
  end
end
return 0`;

/**
 * KEYS: owners. ARGV: owner, silent ms. 1 when the owner has not beaten for that long, left
 * (score 0) or is unknown (never beat, or forgotten once silent with no run left), else 0.
 */
export const OWNER_SILENT_SCRIPT = `${NOW}
local beaten = redis.call('ZSCORE', KEYS[1], ARGV[1])
if beaten and tonumber(beaten) > now - tonumber(ARGV[2]) then return 0 end
return 1`;

/** KEYS: owners. ARGV: owner. Marks the owner gone: its remaining runs are claimable at once. */
export const LEAVE_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 0, ARGV[1]) end
return 1`;

/**
 * KEYS: expiries, owners, runs by owner. ARGV: scanning owner, silent ms ('' to judge no
 * owner), most lapsed leases listed. Lists the runs to try to claim: `{run id, silent owner or
 * ''}` pairs, every run of every silent owner (however many) and the lapsed leases. A silent
 * owner with no run left is forgotten.
 */
export const SCAN_SCRIPT = `${NOW}
local found = {}
local seen = {}
if ARGV[2] ~= '' then
  local silent = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
  for _, owner in ipairs(silent) do
    if owner ~= ARGV[1] then
      local members = redis.call('ZRANGEBYLEX', KEYS[3], '[' .. owner .. '|', '(' .. owner .. '}')
      if #members == 0 then redis.call('ZREM', KEYS[2], owner) end
      for _, member in ipairs(members) do
        local id = string.sub(member, #owner + 2)
        if not seen[id] then
          seen[id] = true
          table.insert(found, {id, owner})
        end
      end
    end
  end
end
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(lapsed) do
  if not seen[id] then
    seen[id] = true
    table.insert(found, {id, ''})
  end
end
return found`;
