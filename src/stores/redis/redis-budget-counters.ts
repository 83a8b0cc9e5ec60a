import type {
  BudgetCounterStore,
  BudgetOverride,
  CounterDrift,
  CounterState,
  LedgerContext,
  LedgerRow,
} from '../../core/budget-counter-store.js';
import type { TurnUsage } from '../../core/provider.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeySpace } from './redis-key-space.js';
import { FINISH_SCRIPT, RESERVE_SCRIPT } from './redis-budget-scripts.js';
import { runLuaScript } from './run-lua-script.js';
import { matchesLedgerFilter, parseLedgerEntry, parseOverride } from './redis-budget-rows.js';

/** Options of `createRedisBudgetCounters`. */
export interface RedisBudgetCountersOptions {
  client: RedisClient;
  keys: RedisKeySpace;
}

const PAGE = 500;

/**
 * Budget counters on Redis, shared by every instance on it: one Lua script holds on all of a
 * call's budgets or none, another ends a reservation once (settle, release or an expired lease).
 * The ledger is a stream (`budgets:ledger`), append-only; the call ids it holds make settling
 * idempotent. Counters are hashes (`spent`, `held`) kept after their window, for reconcile.
 */
export function createRedisBudgetCounters(options: RedisBudgetCountersOptions): BudgetCounterStore {
  const { client, keys } = options;
  const counterKey = (id: string): string => keys.budget(`counter:${id}`);
  const reservationKey = (callId: string): string => keys.budget(`reservation:${callId}`);
  const leases = keys.budget('leases');
  const settledCalls = keys.budget('settled-calls');
  const counterIds = keys.budget('counter-ids');
  const ledgerKey = keys.budget('ledger');
  const overridesKey = keys.budget('overrides');

  const finish = async (
    callId: string,
    mode: 'settle' | 'release' | 'expire',
    row: Omit<LedgerRow, keyof LedgerContext | 'callId' | 'counterIds' | 'costMicros'> | undefined,
    costMicros: number,
    before = 0,
  ): Promise<boolean> => {
    const stored = await client.hmget(reservationKey(callId), 'counters', 'entry');
    const [countersJson, entryJson] = stored;
    if (
      countersJson === null ||
      countersJson === undefined ||
      entryJson === null ||
      entryJson === undefined
    ) {
      return false;
    }
    const ids = JSON.parse(countersJson) as string[];
    const entry = JSON.parse(entryJson) as LedgerContext;
    const ledgerRow = JSON.stringify({ ...entry, ...row, callId, counterIds: ids });
    const ended = await runLuaScript(
      client,
      FINISH_SCRIPT,
      4 + ids.length,
      reservationKey(callId),
      leases,
      settledCalls,
      ledgerKey,
      ...ids.map(counterKey),
      callId,
      mode,
      ledgerRow,
      String(costMicros),
      String(before),
    );
    return Number(ended) === 1;
  };

  const zero: TurnUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

  async function* ledger(filter: Parameters<BudgetCounterStore['ledger']>[0]): AsyncIterable<LedgerRow> {
    let start = '-';
    for (;;) {
      const page = await client.xrange(ledgerKey, start, '+', 'COUNT', PAGE);
      for (const [, fields] of page) {
        const row = parseLedgerEntry(fields);
        if (row !== undefined && matchesLedgerFilter(row, filter)) yield row;
      }
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) return;
      start = `(${last[0]}`;
    }
  }

  const readStates = async (ids: readonly string[]): Promise<Map<string, CounterState>> => {
    const states = new Map<string, CounterState>();
    for (const id of ids) {
      const [spent, held] = await client.hmget(counterKey(id), 'spent', 'held');
      if (spent === null && held === null) continue;
      states.set(id, { spentMicros: Number(spent ?? 0), reservedMicros: Number(held ?? 0) });
    }
    return states;
  };

  return {
    async reserve(request) {
      const ids = request.holds.map((hold) => hold.counterId);
      const reply = (await runLuaScript(
        client,
        RESERVE_SCRIPT,
        4 + ids.length,
        reservationKey(request.callId),
        leases,
        settledCalls,
        counterIds,
        ...ids.map(counterKey),
        request.callId,
        String(request.amountMicros),
        String(Math.ceil(request.leaseUntil)),
        JSON.stringify(request.entry),
        JSON.stringify(ids),
        ...request.holds.flatMap((hold) => [String(hold.limitMicros), hold.counterId]),
      )) as string[];
      if (reply[0] === 'duplicate') return { reserved: false, reason: 'duplicate_call' };
      if (reply[0] === 'over') {
        const counterId = ids[Number(reply[1]) - 1] ?? '';
        return {
          reserved: false,
          reason: 'over_limit',
          counterId,
          state: { spentMicros: Number(reply[2]), reservedMicros: Number(reply[3]) },
        };
      }
      const counters = new Map<string, CounterState>();
      ids.forEach((id, index) => {
        counters.set(id, {
          spentMicros: Number(reply[1 + index * 2]),
          reservedMicros: Number(reply[2 + index * 2]),
        });
      });
      return { reserved: true, counters };
    },
    settle: (callId, cost) =>
      finish(
        callId,
        'settle',
        { usage: cost.usage, priceVersion: cost.priceVersion, kind: 'settled', at: cost.at },
        cost.costMicros,
      ),
    release: (callId) => finish(callId, 'release', undefined, 0),
    async sweepExpired(now, limit) {
      const expired = await client.zrangebyscore(leases, '-inf', `(${Math.floor(now)}`, 'LIMIT', 0, limit);
      let swept = 0;
      for (const callId of expired) {
        const row = { usage: zero, priceVersion: 'lease_expired', kind: 'lease_expired' as const, at: now };
        if (await finish(callId, 'expire', row, 0, Math.floor(now))) swept += 1;
      }
      return swept;
    },
    read: (ids) => readStates(ids),
    async overrides(scopes) {
      const all = await client.hgetall(overridesKey);
      const found: BudgetOverride[] = [];
      for (const value of Object.values(all)) {
        const override = parseOverride(value);
        if (override !== undefined && scopes.includes(override.scope)) found.push(override);
      }
      return found;
    },
    async setOverride(change) {
      const field = `${change.scope}|${change.window}`;
      if (change.limitUsd === null) await client.hdel(overridesKey, field);
      else await client.hset(overridesKey, field, JSON.stringify(change));
    },
    ledger,
    async reconcile({ repair }) {
      const computed = new Map<string, CounterState>();
      const of = (id: string): CounterState => {
        let state = computed.get(id);
        if (state === undefined) computed.set(id, (state = { spentMicros: 0, reservedMicros: 0 }));
        return state;
      };
      for await (const row of ledger({}))
        for (const id of row.counterIds) of(id).spentMicros += row.costMicros;
      for (const callId of await client.zrange(leases, 0, -1)) {
        const [amount, countersJson] = await client.hmget(reservationKey(callId), 'amount', 'counters');
        if (amount == null || countersJson == null) continue;
        for (const id of JSON.parse(countersJson) as string[]) of(id).reservedMicros += Number(amount);
      }
      const ids = new Set([...(await client.smembers(counterIds)), ...computed.keys()]);
      const stored = await readStates([...ids]);
      const drifts: CounterDrift[] = [];
      for (const id of ids) {
        const before = stored.get(id) ?? { spentMicros: 0, reservedMicros: 0 };
        const after = computed.get(id) ?? { spentMicros: 0, reservedMicros: 0 };
        if (before.spentMicros === after.spentMicros && before.reservedMicros === after.reservedMicros)
          continue;
        drifts.push({ counterId: id, stored: before, computed: after });
        if (repair)
          await client.hset(counterKey(id), 'spent', after.spentMicros, 'held', after.reservedMicros);
      }
      return drifts;
    },
    close: () => Promise.resolve(),
  };
}
