import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import { createWriteRetries } from './write-retries.js';

const down = (): GatewayError => new GatewayError('store_unavailable', 'the database is down');

describe('createWriteRetries', () => {
  it('retries a write while the database is unavailable, until it lands', async () => {
    const reports: string[] = [];
    const retries = createWriteRetries({ report: (_error, where) => reports.push(where), firstPauseMs: 1 });
    let attempts = 0;
    const landed = await retries.run('messages', () => {
      attempts += 1;
      return attempts < 4 ? Promise.reject(down()) : Promise.resolve();
    });
    expect(landed).toBe(true);
    expect(attempts).toBe(4);
    expect(reports).toEqual(['database: messages (retrying)']);
    expect(retries.pending).toBe(0);
  });

  it('gives up at once on a failure that is not an outage', async () => {
    const reports: string[] = [];
    const retries = createWriteRetries({ report: (_error, where) => reports.push(where), firstPauseMs: 1 });
    let attempts = 0;
    const landed = await retries.run('end', () => {
      attempts += 1;
      return Promise.reject(new Error('constraint violated'));
    });
    expect([landed, attempts, reports]).toEqual([false, 1, ['database: end']]);
  });

  it('holds at most maxPending writes and gives up the rest, and close() gives up the waiting ones', async () => {
    const reports: string[] = [];
    const retries = createWriteRetries({
      report: (_error, where) => reports.push(where),
      maxPending: 1,
      firstPauseMs: 60_000,
    });
    const first = retries.run('first', () => Promise.reject(down()));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(retries.pending).toBe(1);
    expect(await retries.run('second', () => Promise.reject(down()))).toBe(false);
    expect(reports).toContain('database: second given up (1 writes already waiting)');
    await retries.close(10);
    expect(await first).toBe(false);
    expect(retries.pending).toBe(0);
    expect(await retries.run('after close', () => Promise.reject(down()))).toBe(false);
  });

  it('gives a write up once giveUpMs has passed', async () => {
    let clock = 0;
    const retries = createWriteRetries({
      report: () => undefined,
      firstPauseMs: 1,
      giveUpMs: 100,
      now: () => clock,
    });
    const landed = await retries.run('late', () => {
      clock += 60;
      return Promise.reject(down());
    });
    expect(landed).toBe(false);
  });

  it('lets the writes under way, first attempts and retries, finish within the grace as it closes', async () => {
    const retries = createWriteRetries({ report: () => undefined, firstPauseMs: 5 });
    let landed = 0;
    const slow = retries.run('slow first attempt', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      landed += 1;
    });
    let attempts = 0;
    const retried = retries.run('retried', () => {
      attempts += 1;
      if (attempts < 3) return Promise.reject(down());
      landed += 1;
      return Promise.resolve();
    });
    await retries.close(5_000);
    // Both had settled when close() resolved: it waited for them rather than the grace.
    expect(landed).toBe(2);
    expect(await Promise.all([slow, retried])).toEqual([true, true]);
  });

  it('closes at once when no write is under way, and again idempotently', async () => {
    const retries = createWriteRetries({ report: () => undefined });
    await retries.run('quick', () => Promise.resolve());
    const closing = retries.close(60_000);
    expect(retries.close(60_000)).toBe(closing);
    await closing;
  });
});
