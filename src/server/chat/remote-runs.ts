import { randomUUID } from 'node:crypto';
import { isTerminalEvent, type LogEntry } from '../../core/events.js';
import { BusChannel, type GatewayStores, type RunLocation, type Unsubscribe } from '../../core/stores.js';
import type { RunRegistry } from './run-registry.js';
import type { ChatRun } from './chat-run.js';
import { publishUntilHeard } from './publish-until-heard.js';

/** Shared stores with their run directory and event log store present. */
export type SharedStores = GatewayStores & Required<Pick<GatewayStores, 'runEvents' | 'runDirectory'>>;

/** Whether the stores are shared (carry a run directory and an event log store). */
export const isSharedStores = (stores: GatewayStores): stores is SharedStores =>
  stores.runEvents !== undefined && stores.runDirectory !== undefined;

/**
 * What an instance that took a run over publishes on `BusChannel.runFollowers`: every instance
 * with a follower of the run answers with that follower's join notice again, so the new owner
 * counts the followers that joined before it held the run.
 */
const CENSUS = { census: true } as const;

const isCensus = (payload: unknown): boolean =>
  typeof payload === 'object' && payload !== null && 'census' in payload && payload.census === true;

/** A follower notice: who joined (+1) or left (-1); `follower` is absent from older instances. */
const followerNotice = (payload: unknown): { delta: number; follower: string | undefined } => {
  if (typeof payload !== 'object' || payload === null || !('delta' in payload)) {
    return { delta: 0, follower: undefined };
  }
  const { delta } = payload;
  const follower =
    'follower' in payload && typeof payload.follower === 'string' ? payload.follower : undefined;
  return { delta: delta === 1 || delta === -1 ? delta : 0, follower };
};

/**
 * Counts followers on other instances as followers of a local run: each `{delta: 1}` on
 * `BusChannel.runFollowers` joins the registry's count and each `{delta: -1}` leaves it, so the
 * disconnect grace period does not cancel a run that a client follows through another instance.
 * Notices name their follower, so a leave is matched with its own join, and a join repeated
 * (an answer to a census) counts once.
 *
 * A run this instance `tookOver` starts with a census: the instances serving its followers
 * announce them again, so the disconnect grace period works across a takeover (a follower that
 * joined through another instance before the takeover is counted, and its leave starts the
 * grace period). Until an answer arrives the run counts as unfollowed, so a run that nobody
 * follows any more is cancelled after the grace period, as it would have been on its first
 * instance. Stops listening when the run ends.
 */
export async function trackRemoteFollowers(
  run: ChatRun,
  stores: GatewayStores,
  runs: RunRegistry,
  report: (error: unknown, where: string) => void,
  tookOver = false,
): Promise<void> {
  const named = new Map<string, () => void>();
  /** Joins of followers without a name (notices from older instances), matched in any order. */
  const unnamed: Array<() => void> = [];
  let unsubscribe: Unsubscribe;
  try {
    unsubscribe = await stores.bus.subscribe(BusChannel.runFollowers(run.runId), (payload) => {
      if (isCensus(payload)) return;
      const { delta, follower } = followerNotice(payload);
      if (follower === undefined) {
        if (delta === 1) unnamed.push(runs.follow(run));
        if (delta === -1) unnamed.pop()?.();
        return;
      }
      if (delta === 1 && !named.has(follower)) named.set(follower, runs.follow(run));
      if (delta === -1) {
        named.get(follower)?.();
        named.delete(follower);
      }
    });
  } catch (error) {
    report(error, 'remote follower subscription');
    return;
  }
  if (tookOver) {
    runs.follow(run)();
    stores.bus
      .publish(BusChannel.runFollowers(run.runId), CENSUS)
      .catch((error: unknown) => report(error, 'remote follower census'));
  }
  run.onDone(() => {
    for (const leave of [...named.values(), ...unnamed.splice(0)]) leave();
    named.clear();
    unsubscribe().catch((error: unknown) => report(error, 'remote follower subscription'));
  });
}

/**
 * Follows a run held by another instance from the shared event log store, telling its
 * instance on the bus that a follower joined, and (once) that it left. While it follows, it
 * answers every census (an instance that took the run over asking who follows) with its join
 * notice again.
 */
export function followRemoteRun(
  stores: SharedStores,
  location: RunLocation,
  afterSeq: number,
  report: (error: unknown, where: string) => void,
): { entries: (signal: AbortSignal) => AsyncIterable<LogEntry>; leave: () => void } {
  const channel = BusChannel.runFollowers(location.runId);
  const follower = randomUUID();
  const announce = (delta: number): void => {
    stores.bus
      .publish(channel, { delta, follower })
      .catch((error: unknown) => report(error, 'remote follower notice'));
  };
  let left = location.finished;
  let stopAnswering: Promise<Unsubscribe | undefined> = Promise.resolve(undefined);
  if (!left) {
    announce(1);
    stopAnswering = stores.bus
      .subscribe(channel, (payload) => {
        if (!left && isCensus(payload)) announce(1);
      })
      .catch((error: unknown) => {
        report(error, 'remote follower census subscription');
        return undefined;
      });
  }
  return {
    entries: (signal) => stores.runEvents.read(location.runId, afterSeq, signal),
    leave() {
      if (left) return;
      left = true;
      announce(-1);
      void stopAnswering.then((unsubscribe) =>
        unsubscribe?.().catch((error: unknown) => report(error, 'remote follower census subscription')),
      );
    },
  };
}

/**
 * Asks the instance holding a run to cancel it (`BusChannel.cancelRun`) and waits, bounded by
 * `timeoutMs`, until the run's terminal event reached the shared log. True when it did. The
 * request is published again until the owner's subscription received it (after a Redis
 * outage the owner may not have subscribed again yet).
 */
export async function cancelRemoteRun(
  stores: SharedStores,
  location: RunLocation,
  timeoutMs: number,
): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const afterSeq = await stores.runEvents.lastSeq(location.runId);
    // Start reading before publishing, so the terminal event cannot slip past unseen.
    const entries = stores.runEvents.read(location.runId, Math.max(0, afterSeq - 1), controller.signal);
    const iterator = entries[Symbol.asyncIterator]();
    const first = iterator.next();
    void publishUntilHeard(stores.bus, BusChannel.cancelRun(location.sessionId), {}, controller.signal);
    for (let step = await first; step.done !== true; step = await iterator.next()) {
      if (isTerminalEvent(step.value.event)) {
        await iterator.return?.();
        return true;
      }
    }
    return false;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** The shared log's entry `seq` of a run, or undefined when it is not stored. */
export async function sharedLogEntry(
  stores: SharedStores,
  runId: string,
  seq: number,
): Promise<LogEntry | undefined> {
  if (seq < 1) return undefined;
  const controller = new AbortController();
  try {
    for await (const entry of stores.runEvents.read(runId, seq - 1, controller.signal)) {
      return entry.seq === seq ? entry : undefined;
    }
    return undefined;
  } finally {
    controller.abort();
  }
}

/** Whether the shared log of a run ends, at `lastSeq`, with its terminal event. */
export async function endsWithTerminal(
  stores: SharedStores,
  runId: string,
  lastSeq: number,
): Promise<boolean> {
  const last = await sharedLogEntry(stores, runId, lastSeq);
  return last !== undefined && isTerminalEvent(last.event);
}
