import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryDatabase } from '../database/memory/memory-database.js';
import { createMemoryThreadStore } from '../database/memory/memory-thread-store.js';
import { CARRIED_STORES_WARNING_CODE } from './database-stores-of.js';
import type * as Adapter from './database-stores-of.js';

/** A fresh copy of the adapter, so that its once-per-process warning starts unsent. */
async function freshAdapter(): Promise<typeof Adapter> {
  vi.resetModules();
  return import('./database-stores-of.js');
}

/** The codes of the warnings the process emits; warnings are emitted on the next tick. */
const warnings: string[] = [];
const onWarning = (warning: Error & { code?: string }): void => {
  warnings.push(warning.code ?? warning.name);
};
const emitted = async (): Promise<string[]> => {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.filter((code) => code === CARRIED_STORES_WARNING_CODE);
};

beforeEach(async () => {
  // A warning an earlier test caused is emitted on a later tick: let it pass first.
  await new Promise((resolve) => setImmediate(resolve));
  warnings.length = 0;
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

describe('databaseStoresOf, the adapter from the deprecated shape of a database', () => {
  it('returns an aggregate as it is, without a warning', async () => {
    const { databaseStoresOf } = await freshAdapter();
    const database = createMemoryDatabase();
    expect(databaseStoresOf(database)).toBe(database);
    expect(await emitted()).toEqual([]);
  });

  it('reads a thread store carrying the other stores as the aggregate, the inbox as approvals', async () => {
    const { databaseStoresOf } = await freshAdapter();
    const carrying = createMemoryThreadStore();
    const database = databaseStoresOf(carrying);
    expect(database.threads).toBe(carrying);
    expect(database.suspendedRuns).toBe(carrying.suspendedRuns);
    expect(database.approvals).toBe(carrying.approvalInbox);
    expect(database.approvals).toBeDefined();
    expect('approvalInbox' in database).toBe(false);
  });

  it('warns once per process that the carrying shape is deprecated', async () => {
    const { databaseStoresOf } = await freshAdapter();
    databaseStoresOf(createMemoryThreadStore());
    databaseStoresOf(createMemoryThreadStore());
    expect(await emitted()).toEqual([CARRIED_STORES_WARNING_CODE]);
  });

  it('does not warn of a thread store that carries nothing', async () => {
    const { databaseStoresOf } = await freshAdapter();
    const { threads } = createMemoryDatabase();
    expect(databaseStoresOf(threads).threads).toBe(threads);
    expect(await emitted()).toEqual([]);
  });

  it('closes the thread store when the aggregate it read is closed', async () => {
    const { databaseStoresOf } = await freshAdapter();
    const carrying = createMemoryThreadStore();
    await databaseStoresOf(carrying).close();
    await expect(carrying.listThreads({ apiKeyHash: 'k' }, { limit: 1 })).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });
});
