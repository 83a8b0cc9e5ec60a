import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { GatewayEvent, LogEntry } from '../../core/events.js';
import { isTerminalEvent } from '../../core/events.js';
import { streamTruncatedEvent } from '../../core/stream-truncated.js';
import type { RunEventLogStore } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { ttlSecondsOf } from './redis-ttl.js';

/**
 * Appends entries whose seq is above the stream's last id; the stream id is `0-<seq>`, so the
 * sequence number is the id and a retried batch is ignored instead of failing. With a fence
 * epoch (ARGV[2] not empty) nothing is written when the run's lease (KEYS[2]) is at another
 * epoch (the script then returns -1); a lease Redis lost (restarted empty) does not fence.
 * ARGV: live expiry (s), fence epoch or '', then seq/json pairs.
 */
const APPEND_SCRIPT = `
if ARGV[2] ~= '' then
  local epoch = redis.call('HGET', KEYS[2], 'epoch')
  if epoch and epoch ~= ARGV[2] then return -1 end
end
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then last = tonumber(string.sub(top[1][1], 3)) end
for index = 3, #ARGV, 2 do
  local seq = tonumber(ARGV[index])
  if seq > last then
    redis.call('XADD', KEYS[1], '0-' .. ARGV[index], 'e', ARGV[index + 1])
    last = seq
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return last`;

/**
 * Drops the oldest entries of a run's log (KEYS[1]) until the event JSON of the rest takes at
 * most ARGV[1] bytes: walks from the newest entry back, in batches, and trims everything from
 * the first entry that does not fit. Returns how many entries were dropped.
 */
const TRIM_SCRIPT = `
local max = tonumber(ARGV[1])
local total = 0
local from = '+'
while true do
  local batch = redis.call('XREVRANGE', KEYS[1], from, '-', 'COUNT', 100)
  if #batch == 0 then return 0 end
  for _, item in ipairs(batch) do
    total = total + string.len(item[2][2])
    if total > max then
      local seq = tonumber(string.sub(item[1], 3))
      return redis.call('XTRIM', KEYS[1], 'MINID', '0-' .. (seq + 1))
    end
  end
  local oldest = tonumber(string.sub(batch[#batch][1], 3))
  if oldest <= 1 then return 0 end
  from = '0-' .. (oldest - 1)
end`;

/**
 * How long a run's log lives while the run is going (refreshed on every append): a safety net
 * when its instance dies before `expire()`.
 */
const LIVE_EXPIRY_SECONDS = 86_400;
/** Entries fetched per XRANGE / XREAD call. */
const READ_BATCH = 500;

type StreamEntries = Array<[id: string, fields: string[]]>;

const toLogEntries = (entries: StreamEntries): LogEntry[] =>
  entries.map(([id, fields]) => ({
    seq: Number(id.slice(id.indexOf('-') + 1)),
    event: JSON.parse(fields[1] ?? 'null') as GatewayEvent,
  }));

/** Options of `createRedisRunEventLogStore`. */
export interface RedisRunEventLogStoreOptions {
  client: RedisClient;
  keys: RedisKeySpace;
  /** How long one blocking XREAD waits before the reader checks that the log still exists (`readBlockMs`). */
  blockMs: number;
}

/**
 * Creates the Redis `RunEventLogStore` on Redis Streams. Each live reader blocks on its own
 * duplicate connection (a blocked connection can do nothing else), opened when it has caught up
 * and dropped when it ends or its signal aborts. The shared client is borrowed.
 */
export function createRedisRunEventLogStore(options: RedisRunEventLogStoreOptions): RunEventLogStore {
  const { client, keys } = options;
  const { blockMs } = options;
  const readers = new Set<RedisClient>();
  let closed = false;

  async function* read(runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const key = keys.runEvents(runId);
    const from = Math.max(0, Math.floor(afterSeq));
    let lastId = `0-${from}`;
    // Catch up with XRANGE on the shared connection (exclusive start: `(`).
    for (let first = true; ; first = false) {
      if (signal.aborted) return;
      const batch = toLogEntries(await client.xrange(key, `(${lastId}`, '+', 'COUNT', READ_BATCH));
      // A log has no gaps but those `trimToBytes` made: the reader's next entry is gone.
      const next = batch[0];
      if (first && next !== undefined && next.seq > from + 1) {
        const last = (await lastSeqOf(runId)) || next.seq;
        yield { seq: last, event: streamTruncatedEvent() };
        return;
      }
      for (const entry of batch) {
        lastId = `0-${entry.seq}`;
        yield entry;
        if (isTerminalEvent(entry.event)) return;
      }
      if (batch.length < READ_BATCH) break;
    }
    if (closed || signal.aborted) return;
    const blocking = client.duplicate();
    readers.add(blocking);
    const onAbort = (): void => blocking.disconnect();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted && !closed) {
        let reply: Array<[string, StreamEntries]> | null;
        try {
          reply = await blocking.xread('COUNT', READ_BATCH, 'BLOCK', blockMs, 'STREAMS', key, lastId);
        } catch (error) {
          if (signal.aborted || closed) return;
          throw error;
        }
        if (reply === null) {
          if ((await client.exists(key)) === 0) return;
          continue;
        }
        for (const entry of toLogEntries(reply[0]?.[1] ?? [])) {
          lastId = `0-${entry.seq}`;
          yield entry;
          if (isTerminalEvent(entry.event)) return;
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      readers.delete(blocking);
      blocking.disconnect();
    }
  }

  const lastSeqOf = async (runId: string): Promise<number> => {
    const top = (await client.xrevrange(keys.runEvents(runId), '+', '-', 'COUNT', 1)) as StreamEntries;
    const id = top[0]?.[0];
    return id === undefined ? 0 : Number(id.slice(id.indexOf('-') + 1));
  };

  return {
    async append(runId, entries, fence) {
      if (entries.length === 0) return true;
      const pairs: string[] = [];
      for (const entry of entries) pairs.push(String(entry.seq), JSON.stringify(entry.event));
      const last = await runLuaScript(
        client,
        APPEND_SCRIPT,
        2,
        keys.runEvents(runId),
        keys.runLease(runId),
        String(LIVE_EXPIRY_SECONDS),
        fence === undefined ? '' : String(fence.epoch),
        ...pairs,
      );
      return last !== -1;
    },

    lastSeq: lastSeqOf,

    read,

    async expire(runId, ttlMs) {
      await client.expire(keys.runEvents(runId), ttlSecondsOf(ttlMs));
    },

    async trimToBytes(runId, maxBytes) {
      await runLuaScript(
        client,
        TRIM_SCRIPT,
        1,
        keys.runEvents(runId),
        String(Math.max(0, Math.floor(maxBytes))),
      );
    },

    close() {
      closed = true;
      for (const reader of readers) reader.disconnect();
      readers.clear();
      return Promise.resolve();
    },
  };
}
