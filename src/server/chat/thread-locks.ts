import { randomBytes } from 'node:crypto';
import type { SlotCounter } from '../../core/slot-counter.js';
import type { GatewayStores } from '../../core/stores.js';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { ChurnMap } from '../../core/churn-map.js';

/** The run that holds a thread's lock, and the session it runs in. */
export interface ThreadLockHolder {
  readonly runId: string;
  readonly sessionId: string;
}

/** A thread's lock as its run holds it. */
export interface ThreadLock {
  /** Gives the lock back, once (later calls resolve at once); never rejects. */
  release(): Promise<void>;
  /**
   * The run ended: gives the lock back once `written` (its messages' write) has settled, and
   * meanwhile lets a message of this instance wait for that (`finishingHere`). Never rejects.
   */
  releaseAfter(written: Promise<unknown>): void;
  /** The run goes on at another instance, which takes the lock over: stops renewing only. */
  standDown(): void;
}

/** One run per thread at a time, across sessions and (with shared stores) instances. */
export interface ThreadLocks {
  /**
   * Takes the thread's lock for `holder`'s run: undefined while another run (or an earlier
   * acquisition by the same run: a suspended run being resumed) holds it. Each acquisition is
   * its own holding, so that a late release of an earlier one never frees this one.
   */
  acquire(threadId: string, holder: ThreadLockHolder): Promise<ThreadLock | undefined>;
  /**
   * Takes the thread's lock for a run taken over from another instance: the holding that run
   * has there is renewed (not taken anew); undefined when another run holds the thread.
   */
  retake(threadId: string, holder: ThreadLockHolder): Promise<ThreadLock | undefined>;
  /** The run holding the thread's lock now, or undefined when it is free. */
  holder(threadId: string): Promise<ThreadLockHolder | undefined>;
  /**
   * When a run of this instance that ended holds the thread's lock until its messages are
   * written (`releaseAfter`): settles once it is given back. Undefined otherwise. The next
   * message of the run's session waits for it instead of answering 409.
   */
  finishingHere(threadId: string): Promise<void> | undefined;
  /**
   * The thread was deleted: whichever run holds its lock loses it (that run writes nothing into
   * a thread created again under the id), so that the id's next owner is not refused for it.
   */
  evict(threadId: string): Promise<void>;
}

/** Options of `createThreadLocks`. */
export interface ThreadLocksOptions {
  /** The lock's slots: one per thread, limit 1 (in-process, or shared across instances). */
  counter: SlotCounter;
  /**
   * Lease of a lock in a shared counter, renewed every third of it while its run lasts, so that
   * the lock of a run whose instance died lapses. Undefined: no lease (in-process counter).
   */
  leaseMs?: number;
  report: (error: unknown, where: string) => void;
}

const holderOf = (member: string): ThreadLockHolder | undefined => {
  const [sessionId, runId] = member.split(' ');
  return sessionId === undefined || runId === undefined ? undefined : { sessionId, runId };
};

/** Whether the stored `member` is a holding of `holder`'s run (whatever its token). */
const namesRunOf = (member: string, holder: ThreadLockHolder): boolean => {
  const named = holderOf(member);
  return named?.sessionId === holder.sessionId && named.runId === holder.runId;
};

/**
 * Creates the thread locks over a slot counter: each thread is a key with one slot, named by
 * the holding run's session and id and the acquisition's own token (a fenced release). Taken
 * after the session's lock and before the thread is read, so that a run reads the thread as the
 * run before it left it and writes where nobody else does.
 */
export function createThreadLocks(options: ThreadLocksOptions): ThreadLocks {
  const { counter, report } = options;
  const leaseMs = options.leaseMs ?? Number.POSITIVE_INFINITY;
  /** Locks of runs of this instance that ended, held until their writes settle: their release. */
  const finishing = new ChurnMap<string, Promise<void>>();
  /** Members of this instance's runs holding a lock, and those whose lock was evicted (their
   * renewal must not take it back). */
  const held = new Set<string>();
  const evicted = new Set<string>();
  /** Names these locks' acquisitions apart from every other instance's. */
  const tag = randomBytes(6).toString('base64url');
  let acquisitions = 0;
  /**
   * The member one acquisition is stored as: its holder's session and run, and a token of its
   * own (none holds a space), so that a release, which names its member, frees only its own
   * acquisition: never a later one by the same run (a suspended run resumed).
   */
  const newMemberOf = (holder: ThreadLockHolder): string => {
    acquisitions += 1;
    return `${holder.sessionId} ${holder.runId} ${tag}.${acquisitions}`;
  };

  /** Takes (or renews) the slot `member` of the thread, and holds it until given back. */
  const hold = async (threadId: string, member: string): Promise<ThreadLock | undefined> => {
    const take = (): Promise<boolean> => counter.acquire(threadId, member, { limit: 1, leaseMs });
    if (!(await take())) return undefined;
    held.add(member);
    const renewal =
      options.leaseMs === undefined
        ? undefined
        : setInterval(() => {
            if (evicted.has(member)) return;
            take().catch((error: unknown) => report(error, 'thread lock renewal'));
          }, options.leaseMs / 3);
    renewal?.unref();
    let ended = false;
    const stop = (): boolean => {
      if (ended) return false;
      ended = true;
      clearInterval(renewal);
      held.delete(member);
      evicted.delete(member);
      return true;
    };
    const giveBack = (): Promise<void> =>
      counter.release(threadId, member).catch((error: unknown) => report(error, 'thread lock release'));
    return {
      release: () => (stop() ? giveBack() : Promise.resolve()),
      releaseAfter(written) {
        if (ended) return;
        ended = true;
        // Renewed until given back: the lock must not lapse while the write is retried.
        const released = written
          .catch(() => undefined)
          .then(giveBack)
          .finally(() => {
            clearInterval(renewal);
            held.delete(member);
            evicted.delete(member);
            if (finishing.get(threadId) === released) finishing.delete(threadId);
          });
        finishing.set(threadId, released);
      },
      standDown() {
        stop();
      },
    };
  };

  return {
    acquire: (threadId, holder) => hold(threadId, newMemberOf(holder)),
    async retake(threadId, holder) {
      const members = await counter.holders(threadId);
      return hold(threadId, members.find((member) => namesRunOf(member, holder)) ?? newMemberOf(holder));
    },
    async holder(threadId) {
      const [member] = await counter.holders(threadId);
      return member === undefined ? undefined : holderOf(member);
    },
    finishingHere: (threadId) => finishing.get(threadId),
    async evict(threadId) {
      const members = await counter.holders(threadId);
      await Promise.all(
        members.map((member) => {
          if (held.has(member)) evicted.add(member);
          return counter.release(threadId, member);
        }),
      );
    },
  };
}

/**
 * The app's thread locks: over the stores' shared slot counters when they offer them (leased
 * like runs, so that a dead instance's locks lapse), else in-process.
 */
export function createAppThreadLocks(settings: {
  stores: Pick<GatewayStores, 'createSlotCounter'>;
  leaseMs: number | undefined;
  report: (error: unknown, where: string) => void;
}): ThreadLocks {
  const shared = settings.stores.createSlotCounter?.('thread-locks');
  return createThreadLocks({
    counter: shared ?? createMemorySlotCounter(),
    ...(shared === undefined || settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
    report: settings.report,
  });
}
