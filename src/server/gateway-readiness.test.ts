import { describe, expect, it } from 'vitest';
import type { DatabaseUnreadiness } from './database/database-readiness.js';
import { createGatewayReadiness } from './gateway-readiness.js';

/** The readiness of an app in `state`, its Redis `available` and its database answering `database`. */
const readinessOf = (
  state: Partial<{ draining: boolean; closing: Promise<void>; started: boolean; startFailed: boolean }>,
  available: boolean | undefined,
  database: DatabaseUnreadiness | undefined,
) =>
  createGatewayReadiness({
    state: { draining: false, closing: undefined, started: true, startFailed: false, ...state },
    stores: available === undefined ? {} : { isAvailable: () => available },
    database: { unready: () => Promise.resolve(database) },
  })();

describe('createGatewayReadiness', () => {
  it('is ready when started with every store answering', async () => {
    expect(await readinessOf({}, true, undefined)).toEqual({ status: 'ready' });
    expect(await readinessOf({}, undefined, undefined)).toEqual({ status: 'ready' });
  });

  it('says draining from the first moment of a shutdown, whatever else is true', async () => {
    expect(await readinessOf({ draining: true }, false, 'database')).toEqual({ status: 'draining' });
    expect(await readinessOf({ closing: Promise.resolve() }, true, undefined)).toEqual({
      status: 'draining',
    });
  });

  it('names redis when the shared store is out of reach, before asking the database', async () => {
    expect(await readinessOf({}, false, 'database')).toEqual({ status: 'unavailable', component: 'redis' });
  });

  it('names the database when it does not answer', async () => {
    expect(await readinessOf({}, true, 'database')).toEqual({ status: 'unavailable', component: 'database' });
  });

  it('says starting before the start completed, and names migrations while it waits for them', async () => {
    expect(await readinessOf({ started: false }, true, 'database')).toEqual({ status: 'starting' });
    expect(await readinessOf({ started: false }, true, 'migrations')).toEqual({
      status: 'unavailable',
      component: 'migrations',
    });
  });

  it('names startup once the start failed', async () => {
    expect(await readinessOf({ started: false, startFailed: true }, true, undefined)).toEqual({
      status: 'unavailable',
      component: 'startup',
    });
  });
});
