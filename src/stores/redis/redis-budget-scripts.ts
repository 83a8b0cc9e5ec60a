/**
 * The Lua scripts of the Redis budget counters. Every key a script touches is in KEYS (one hash
 * slot under Redis Cluster: `RedisKeySpace.budget`). Amounts are integer micro-dollars, exact in
 * Lua's doubles up to 2^53.
 */

/**
 * Reserve. KEYS: reservation, lease index, settled call ids, counter id set, then the counters.
 * ARGV: call id, amount, lease end, entry JSON, counter ids JSON, then each counter's limit and
 * id. Checks every counter before it holds on any, so the hold is all or nothing. Returns
 * `{'duplicate'}`, `{'over', index, spent, held}` or `{'ok', spent1, held1, ...}`.
 */
export const RESERVE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then
  return {'duplicate'}
end
local amount = tonumber(ARGV[2])
for i = 5, #KEYS do
  local state = redis.call('HMGET', KEYS[i], 'spent', 'held')
  local spent = tonumber(state[1] or '0')
  local held = tonumber(state[2] or '0')
  if spent + held + amount > tonumber(ARGV[6 + (i - 5) * 2]) then
    return {'over', tostring(i - 4), tostring(spent), tostring(held)}
  end
end
local out = {'ok'}
for i = 5, #KEYS do
  local held = redis.call('HINCRBY', KEYS[i], 'held', amount)
  local spent = redis.call('HGET', KEYS[i], 'spent') or '0'
  redis.call('SADD', KEYS[4], ARGV[7 + (i - 5) * 2])
  table.insert(out, tostring(spent))
  table.insert(out, tostring(held))
end
redis.call('HSET', KEYS[1], 'amount', ARGV[2], 'counters', ARGV[5], 'entry', ARGV[4], 'leaseUntil', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return out`;

/**
 * Finish (settle, release, or settle an expired lease). KEYS: reservation, lease index, settled
 * call ids, ledger stream, then the reservation's counters (read before). ARGV: call id, mode
 * (`settle`, `release`, `expire`), the ledger row JSON without its amounts, the cost, and (for
 * `expire`) the time before which the lease must have ended. Returns 1 when it ended the
 * reservation, 0 when there was none (ended already) or its lease had not ended.
 */
export const FINISH_SCRIPT = `
local state = redis.call('HMGET', KEYS[1], 'amount', 'leaseUntil')
if not state[1] then return 0 end
if ARGV[2] == 'expire' and tonumber(state[2]) >= tonumber(ARGV[5]) then return 0 end
local amount = tonumber(state[1])
local cost = 0
if ARGV[2] == 'settle' then cost = tonumber(ARGV[4]) end
if ARGV[2] == 'expire' then cost = amount end
for i = 5, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'held', -amount)
  redis.call('HINCRBY', KEYS[i], 'spent', cost)
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] ~= 'release' then
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('XADD', KEYS[4], '*', 'row', ARGV[3], 'cost', tostring(cost))
end
return 1`;
