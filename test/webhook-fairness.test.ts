import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackgroundRunStore } from '../src/core/background-run-store.js';
import { webhooksOptionSchema } from '../src/server/contracts/webhooks-option.js';
import { createWebhookSender } from '../src/server/background/webhook-sender.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { openPgliteEngine } from './helpers/counting-sql-store.js';
import { waitFor } from './helpers/wait-for.js';

// One database for the file, emptied before each test.
const fileCleanup = createCleanupStack();
const cleanup = createCleanupStack();
let engine: SqlEngine;
beforeAll(async () => {
  engine = await openPgliteEngine(fileCleanup);
});
afterAll(() => fileCleanup.run());
afterEach(() => cleanup.run());
beforeEach(async () => {
  await engine.query('TRUNCATE webhook_outbox, background_runs');
});

const SECRET = `whsec_${Buffer.from('fair-secret-fair-secret-fair-sec').toString('base64')}`;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A receiver on 127.0.0.1: `hold` never answers (a tarpit), otherwise 204; counts what it got. */
async function startReceiver(mode: 'hold' | 'answer') {
  const held: ServerResponse[] = [];
  let received = 0;
  let onRequest: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => {
    onRequest = resolve;
  });
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      onRequest();
      if (mode === 'hold') held.push(response);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(server, (open) => {
    open.closeAllConnections();
    return new Promise<void>((resolve) => open.close(() => resolve()));
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, url: `http://${host}/hook`, firstRequest, received: () => received };
}

/** Puts a notification to `url` into the outbox, due at `dueAt`. */
const enqueue = (id: string, url: string, dueAt: number) =>
  engine.query(
    `INSERT INTO webhook_outbox (id, run_id, url, secret, payload, created_at, next_attempt_at)
     VALUES ($1, $1, $2, $3, $4::json, $5, $5)`,
    [id, url, SECRET, JSON.stringify({ type: 'run.ended', data: { id } }), dueAt],
  );

/** Puts a notification of a background run of `apiKeyHash` (one anonymous session's) into the outbox. */
const enqueueOfOwner = async (id: string, url: string, dueAt: number, apiKeyHash: string) => {
  await engine.query(
    `INSERT INTO background_runs (run_id, api_key_hash, user_id, session_id, created_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [id, apiKeyHash, `session:${id}`, `sess_${id}`, dueAt],
  );
  await enqueue(id, url, dueAt);
};

const rowsOf = async () =>
  (
    await engine.query<{
      id: string;
      attempts: number;
      delivered_at: string | null;
      claimed_by: string | null;
    }>('SELECT id, attempts, delivered_at, claimed_by FROM webhook_outbox ORDER BY id')
  ).rows;

describe('webhook delivery lanes', () => {
  it("delivers another target's notification while a tarpit's older backlog is still pending", async () => {
    const tarpit = await startReceiver('hold');
    const other = await startReceiver('answer');
    const now = Date.now();
    // The tarpit's backlog is older, so every claim meets it first.
    for (let index = 0; index < 30; index += 1) {
      await enqueue(`tarpit_${String(index).padStart(2, '0')}`, tarpit.url, now - 60_000 + index);
    }
    await enqueue('other', other.url, now);
    const store = createSqlThreadStore(engine).backgroundRuns as BackgroundRunStore;
    const sender = createWebhookSender({
      store: () => store,
      // An attempt's timeout far beyond the test's: the tarpit's deliveries stay pending throughout.
      settings: webhooksOptionSchema.parse({ allowedHosts: [tarpit.host, other.host], timeoutMs: 3_600_000 }),
      claimer: 'fair',
      logger: silent,
      report: (error) => {
        throw error;
      },
    });
    cleanup.add(sender, (open) => open.close());

    await sender.round();
    await other.firstRequest;
    const delivered = await waitFor(async () =>
      (await rowsOf()).find((row) => row.id === 'other' && row.delivered_at !== null),
    );
    expect(delivered.attempts).toBe(1);

    const tarpitRows = (await rowsOf()).filter((row) => row.id.startsWith('tarpit_'));
    expect(tarpitRows.every((row) => row.delivered_at === null)).toBe(true);
    const inFlight = tarpitRows.filter((row) => row.claimed_by === 'fair');
    // The tarpit holds its own lane (eight deliveries in flight), not the instance.
    expect(inFlight.length).toBe(8);
    await waitFor(() => (tarpit.received() === 8 ? true : undefined));
    // The ones put back were not attempted: their attempts are unchanged, their claims gone.
    const putBack = tarpitRows.filter((row) => row.claimed_by === null);
    expect(putBack.length).toBe(30 - inFlight.length);
    expect(putBack.every((row) => row.attempts === 0)).toBe(true);
  });

  // Issue 75, item 9: lanes per host alone let one owner with nine receiver hosts fill the 64
  // places of the instance (9 x 8); another owner's notification then waited for a place.
  it("delivers another owner's notification while one owner's tarpits on nine hosts are pending", async () => {
    const tarpits = await Promise.all(Array.from({ length: 9 }, () => startReceiver('hold')));
    const other = await startReceiver('answer');
    const now = Date.now();
    // The first owner's backlog is older, so every claim meets it first; each of its runs is
    // one of its key's anonymous sessions, which count as one owner.
    for (const [host, tarpit] of tarpits.entries()) {
      for (let index = 0; index < 10; index += 1) {
        await enqueueOfOwner(
          `t${host}_${String(index).padStart(2, '0')}`,
          tarpit.url,
          now - 60_000 + index,
          'key-a',
        );
      }
    }
    await enqueueOfOwner('other', other.url, now, 'key-b');
    const store = createSqlThreadStore(engine).backgroundRuns as BackgroundRunStore;
    const sender = createWebhookSender({
      store: () => store,
      settings: webhooksOptionSchema.parse({
        allowedHosts: [...tarpits.map((tarpit) => tarpit.host), other.host],
        timeoutMs: 3_600_000,
      }),
      claimer: 'fair',
      logger: silent,
      report: (error) => {
        throw error;
      },
    });
    cleanup.add(sender, (open) => open.close());

    await sender.round();
    const delivered = await waitFor(async () =>
      (await rowsOf()).find((row) => row.id === 'other' && row.delivered_at !== null),
    );
    expect(delivered.attempts).toBe(1);
    const inFlight = (await rowsOf()).filter((row) => row.id.startsWith('t') && row.claimed_by === 'fair');
    // The first owner holds its share of the instance (a quarter of 64), not the instance.
    expect(inFlight.length).toBe(16);
  });
});
