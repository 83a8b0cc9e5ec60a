import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../src/core/http-error.js';
import { createAuthManager } from '../src/server/sessions/create-auth-manager.js';
import { createMemorySessionStore } from '../src/stores/memory/memory-session-store.js';
import { createPgliteEngine } from '../src/database/sql/pglite-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createSqlSessionRevocationStore } from '../src/database/sql/sql-session-revocations.js';

/*
 * Revocations (logouts) kept in the database until their tokens expire: a restarted auth manager
 * (a fresh memory store, the same database) refuses a revoked token, and the expiry sweep deletes
 * a revocation once its token has expired, and only then.
 */

const MINUTE = 60_000;
const NOW = 1_700_000_000_000;

const engines: SqlEngine[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openRevocations() {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-revocations-'));
  folders.push(dir);
  const engine = await createPgliteEngine(dir);
  engines.push(engine);
  await runMigrations(engine);
  const rows = async (): Promise<string[]> =>
    (
      await engine.query<{ session_id: string }>('SELECT session_id FROM session_revocations ORDER BY 1')
    ).rows.map((row) => row.session_id);
  return { store: createSqlSessionRevocationStore(engine), rows };
}

/** An auth manager over a fresh memory store (a restart), the database's revocations and `clock`. */
const managerOf = (revocations: ReturnType<typeof createSqlSessionRevocationStore>, clock: { now: number }) =>
  createAuthManager({
    secret: 'revocation-secret',
    sessions: createMemorySessionStore(),
    sessionTtlMs: 60 * MINUTE,
    restoreSessionsFromTokens: true,
    revocations: () => revocations,
    now: () => clock.now,
  });

async function detailOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof HttpError) return error.body;
    throw error;
  }
}

describe('session revocations in the database', () => {
  it('refuse a logged-out token after a restart, and are swept only once the token expired', async () => {
    const { store, rows } = await openRevocations();
    const clock = { now: NOW };
    const first = managerOf(store, clock);
    const early = await first.initSession('key');
    clock.now = NOW + 30 * MINUTE;
    const late = await first.initSession('key');
    await first.logout(`Bearer ${early.session_token}`);
    await first.logout(`Bearer ${late.session_token}`);
    expect(await rows()).toEqual([early.session_id, late.session_id].sort());

    const restarted = managerOf(store, clock);
    expect(await detailOf(restarted.authenticate(`Bearer ${late.session_token}`))).toEqual({
      detail: 'Session ended',
    });

    clock.now = NOW + 61 * MINUTE;
    await restarted.sweepExpiredSessions();
    expect(await rows()).toEqual([late.session_id]);
    expect(await detailOf(managerOf(store, clock).authenticate(`Bearer ${late.session_token}`))).toEqual({
      detail: 'Session ended',
    });

    clock.now = NOW + 91 * MINUTE;
    await restarted.sweepExpiredSessions();
    expect(await rows()).toEqual([]);
  }, 30_000);

  it('keep the later expiry when a session is revoked twice, and answer none once it passed', async () => {
    const { store } = await openRevocations();
    await store.revoke('sess_a', NOW + MINUTE);
    await store.revoke('sess_a', NOW);
    expect(await store.revokedUntil('sess_a', NOW)).toBe(NOW + MINUTE);
    expect(await store.revokedUntil('sess_a', NOW + MINUTE)).toBeUndefined();
    expect(await store.revokedUntil('sess_b', NOW)).toBeUndefined();
    expect(await store.deleteExpired(NOW, 10)).toBe(0);
    expect(await store.deleteExpired(NOW + MINUTE, 10)).toBe(1);
  }, 30_000);
});
