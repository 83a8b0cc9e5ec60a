import type { RunStartRecord, ThreadStore } from '../../core/thread-store.js';
import type { DeferredRunStart, GatewayDatabase } from '../database/gateway-database.js';

/** A promise settled already: what a start written, released or never held resolves to. */
export const settledAlready: Promise<void> = Promise.resolve();

/**
 * A run's start record written alongside its run: held back while the run is young
 * (`writeLater`), written at once when something needs it (`writeNow`, `whenRecorded`, and the
 * database's `runStarted`), or never written on its own when the run ends first (`release`: the
 * end writes the whole record). Tracked by the database from construction until it is written
 * or released. One object per run, with no closure, timer or promise until the write goes out:
 * most chats against a fast model end before that.
 */
export class DeferredRunStartWrite implements DeferredRunStart {
  readonly #database: GatewayDatabase;
  readonly #store: ThreadStore;
  readonly #start: RunStartRecord;
  #state: 'held' | 'writing' | 'done' = 'held';
  /** The write, once it went out; settles (never rejects) when it landed or was given up. */
  #written: Promise<void> | undefined;
  /** When it is due to be written (`writeLater`), ms since the epoch. */
  #dueAt: number | undefined;

  constructor(database: GatewayDatabase, store: ThreadStore, start: RunStartRecord) {
    this.#database = database;
    this.#store = store;
    this.#start = start;
    database.trackRunStart(start.id, this);
  }

  /** Writes the start now if it is still held back (once; retried through an outage). */
  writeNow(): void {
    if (this.#state !== 'held') return;
    this.#state = 'writing';
    const store = this.#store;
    const start = this.#start;
    this.#written = this.#database.retries
      .run(`start of run ${start.id}`, () => store.recordRunStart(start))
      .then(() => this.#settle());
  }

  /**
   * Writes the start once the run has gone on for `delayMs`, or up to `DEFERRED_START_TICK_MS` later
   * (unless written or released sooner): the database's one clock for held starts writes it.
   */
  writeLater(delayMs: number): void {
    if (this.#state !== 'held' || this.#dueAt !== undefined) return;
    this.#dueAt = Date.now() + delayMs;
    this.#database.runStartDue(this.#dueAt);
  }

  writeIfDue(now: number): number | undefined {
    if (this.#state !== 'held' || this.#dueAt === undefined) return undefined;
    if (this.#dueAt > now) return this.#dueAt;
    this.writeNow();
    return undefined;
  }

  whenRecorded(): Promise<void> {
    this.writeNow();
    return this.#written ?? settledAlready;
  }

  /**
   * The run ended: a start still held back is never written on its own (the end writes the
   * whole record) and nothing waits for it (undefined); a start under way or written is what
   * the end goes after.
   */
  release(): Promise<void> | undefined {
    if (this.#state !== 'held') return this.#written;
    this.#state = 'done';
    this.#database.forgetRunStart(this.#start.id, this);
    return undefined;
  }

  #settle(): void {
    this.#state = 'done';
    this.#database.forgetRunStart(this.#start.id, this);
  }
}
