import { describe, expect, it, vi } from 'vitest';
import type { DatabaseStores } from '../../core/database-stores.js';
import { createDatabaseReadiness } from './database-readiness.js';

/** Stores whose ping runs `ping`. */
const storesPinging = (ping: () => Promise<void>): DatabaseStores =>
  ({ threads: {}, ping, close: () => Promise.resolve() }) as unknown as DatabaseStores;

describe('createDatabaseReadiness', () => {
  it('answers nothing to say when no database is configured', async () => {
    const unready = createDatabaseReadiness({
      configured: false,
      current: () => undefined,
      waitingForMigrations: () => false,
    });
    expect(await unready(100)).toBeUndefined();
  });

  it('names migrations while opening waits for them, and the database while it is not open', async () => {
    let waiting = true;
    const unready = createDatabaseReadiness({
      configured: true,
      current: () => undefined,
      waitingForMigrations: () => waiting,
    });
    expect(await unready(100)).toBe('migrations');
    waiting = false;
    expect(await unready(100)).toBe('database');
  });

  it('names the database when its ping fails, and nothing once it answers again', async () => {
    let up = false;
    const stores = storesPinging(() => (up ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))));
    const unready = createDatabaseReadiness({
      configured: true,
      current: () => stores,
      waitingForMigrations: () => false,
    });
    expect(await unready(100)).toBe('database');
    up = true;
    expect(await unready(100)).toBeUndefined();
  });

  it('names the database when its ping does not answer within the timeout', async () => {
    vi.useFakeTimers();
    try {
      const stores = storesPinging(() => new Promise<void>(() => undefined));
      const unready = createDatabaseReadiness({
        configured: true,
        current: () => stores,
        waitingForMigrations: () => false,
      });
      const answer = unready(800);
      await vi.advanceTimersByTimeAsync(800);
      expect(await answer).toBe('database');
    } finally {
      vi.useRealTimers();
    }
  });

  it('shares one ping between probes asked at the same time', async () => {
    let pings = 0;
    let answer: () => void = () => undefined;
    const stores = storesPinging(() => {
      pings += 1;
      return new Promise<void>((resolve) => {
        answer = resolve;
      });
    });
    const unready = createDatabaseReadiness({
      configured: true,
      current: () => stores,
      waitingForMigrations: () => false,
    });
    const both = Promise.all([unready(5_000), unready(5_000)]);
    answer();
    expect(await both).toEqual([undefined, undefined]);
    expect(pings).toBe(1);
  });
});
