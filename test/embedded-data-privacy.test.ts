import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmbeddedEngineChoice } from '../src/database/sql/open-embedded-engine.js';
import { openSqlDatabase, openThreadStore } from '../src/database/sql/open-thread-store.js';
import { runEndedPayload } from '../src/server/background/webhook-sender.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';

const serverUnavailable = await embeddedPostgresUnavailableReason();
if (serverUnavailable !== undefined) console.warn(serverUnavailable);

const folders: string[] = [];
const scratch = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-privacy-'));
  folders.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Every folder and file under `dir`, with its mode. */
async function walk(dir: string): Promise<{ path: string; folder: boolean; mode: number }[]> {
  const found: { path: string; folder: boolean; mode: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    found.push({ path, folder: entry.isDirectory(), mode: (await stat(path)).mode & 0o777 });
    if (entry.isDirectory()) found.push(...(await walk(path)));
  }
  return found;
}

/** The files under `dir` whose bytes contain `text`. */
async function filesContaining(dir: string, text: string): Promise<string[]> {
  const needle = Buffer.from(text);
  const hits: string[] = [];
  for (const entry of await walk(dir)) {
    if (!entry.folder && (await readFile(entry.path)).includes(needle)) hits.push(entry.path);
  }
  return hits;
}

/**
 * Writes a thread with a background run (its metadata, its answer, its `run.ended` notification)
 * and an approval request (tool input), a schedule and a queued run, each with text of its own;
 * deletes the thread and the schedule, cancels the queued run, and closes the database: what of
 * each text its files still hold (file paths, comma-joined).
 */
async function textLeftAfterDeletes(
  dir: string,
  engine: EmbeddedEngineChoice,
): Promise<Record<string, string>> {
  const owner = { apiKeyHash: 'key' };
  const secret = (what: string): string => `${what}-${randomBytes(8).toString('hex')}`;
  const answer = secret('answer');
  const metadata = secret('metadata');
  const toolInput = secret('tool-input');
  const prompt = secret('prompt');
  const queued = secret('queued');
  const kept = secret('kept');
  const now = Date.now();
  const db = await openSqlDatabase({ embedded: { dir, engine } });
  const { backgroundRuns, approvals, schedules, queuedRuns } = db;
  if (backgroundRuns?.recordOutput === undefined || !approvals || !schedules || !queuedRuns) {
    throw new Error('the embedded database lacks a store this test writes to');
  }
  const gone = (await db.threads.createThread(owner, { title: 'gone' }))?.id ?? '';
  const stays = (await db.threads.createThread(owner, { title: 'stays' }))?.id ?? '';
  await db.threads.appendMessages(stays, 'run_stays', 0, [{ role: 'user', content: `tell ${kept}` }]);
  // A background run of the thread, its answer and an approval it asked for: the thread's delete
  // takes them with it (foreign keys).
  // It ran in the background with a webhook: its record (metadata) and its `run.ended`
  // notification (the answer) go too.
  await db.threads.recordRunStart({ id: 'run_gone', threadId: gone, owner, model: 'm', startedAt: now });
  await backgroundRuns.record({
    runId: 'run_gone',
    owner,
    sessionId: 'session_1',
    threadId: gone,
    metadata: { note: metadata },
    webhook: { url: 'https://hooks.example/runs' },
    createdAt: now,
  });
  await backgroundRuns.recordOutput('run_gone', gone, { text: `the answer is ${answer}`, truncated: false });
  await db.threads.recordRunEnd('run_gone', {
    status: 'completed',
    outcomeCode: null,
    turns: 1,
    usage: null,
    estimatedCostUsd: null,
    endedAt: now + 1,
  });
  await db.threads.flushWrites?.();
  expect(await backgroundRuns.enqueueEnded(now + 2, 10, runEndedPayload)).toBe(1);
  await approvals.request({
    approvalId: 'appr_gone',
    runId: 'run_gone',
    toolCallId: 'call_1',
    threadId: gone,
    sessionId: 'session_1',
    nonce: 'nonce_1',
    toolName: 'send_mail',
    input: { body: toolInput },
    requester: { owner },
    requestedAt: now,
    expiresAt: now + 60_000,
  });
  await schedules.create({
    id: 'sched_gone',
    owner,
    cron: '0 9 * * *',
    timezone: 'UTC',
    threadId: null,
    newThreadEachTime: false,
    message: `every morning: ${prompt}`,
    metadata: {},
    enabled: true,
    endAt: null,
    nextFireAt: now + 3_600_000,
    lastFiredAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await queuedRuns.enqueue(
    {
      runId: 'run_queued',
      owner,
      sessionId: 'session_1',
      threadId: null,
      scheduleId: null,
      request: { messages: [{ role: 'user', content: `later: ${queued}` }] },
      queuedAt: now,
    },
    'instance_1',
    60_000,
    now,
  );
  expect(await db.threads.deleteThread(owner, gone)).toBe(true);
  expect(await schedules.delete(owner, 'sched_gone')).toBe(true);
  expect(await queuedRuns.cancel(owner, 'run_queued')).toBe(true);
  await db.close();

  const left: Record<string, string> = { kept, answer, metadata, toolInput, prompt, queued };
  for (const [what, text] of Object.entries(left)) left[what] = (await filesContaining(dir, text)).join();
  return left;
}

describe('the embedded data folder', () => {
  it('is private to its owner, and a deleted thread leaves no text in it after shutdown', async () => {
    // A folder that does not exist yet, as `serve` finds it on a first start (umask 022).
    const dir = join(await scratch(), 'app', 'data');
    const owner = { apiKeyHash: 'key' };
    const secret = `secret-${randomBytes(8).toString('hex')}`;
    const kept = `kept-${randomBytes(8).toString('hex')}`;
    const store = await openThreadStore({ embedded: { dir } });
    const gone = await store.createThread(owner, { title: `title of ${secret}` });
    const stays = await store.createThread(owner, { title: 'stays' });
    await store.appendMessages(gone?.id ?? '', 'run_gone', 0, [{ role: 'user', content: `tell ${secret}` }]);
    await store.appendMessages(stays?.id ?? '', 'run_stays', 0, [{ role: 'user', content: `tell ${kept}` }]);
    expect(await store.deleteThread(owner, gone?.id ?? '')).toBe(true);
    await store.close();

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const entries = await walk(dir);
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.filter((entry) => entry.folder && entry.mode !== 0o700)).toEqual([]);
    expect(entries.filter((entry) => !entry.folder && entry.mode !== 0o600)).toEqual([]);
    // The search finds what was kept, so finding nothing of the deleted thread means something.
    expect((await filesContaining(dir, kept)).length).toBeGreaterThan(0);
    expect(await filesContaining(dir, secret)).toEqual([]);

    const reopened = await openThreadStore({ embedded: { dir } });
    try {
      expect((await reopened.loadMessages(owner, stays?.id ?? ''))?.map((stored) => stored.message)).toEqual([
        { role: 'user', content: `tell ${kept}` },
      ]);
    } finally {
      await reopened.close();
    }
  }, 600_000);

  // The kept thread's text is found: finding none of the rest means something.
  const nothingLeft = {
    kept: expect.stringMatching(/./) as unknown,
    answer: '',
    metadata: '',
    toolInput: '',
    prompt: '',
    queued: '',
  };

  it("leaves none of a deleted thread's background runs and approval requests, a deleted schedule or a cancelled queued run (PGlite)", async () => {
    expect(await textLeftAfterDeletes(join(await scratch(), 'data'), 'pglite')).toEqual(nothingLeft);
  }, 600_000);

  it.skipIf(serverUnavailable !== undefined)(
    "leaves none of a deleted thread's background runs and approval requests, a deleted schedule or a cancelled queued run (PostgreSQL server)",
    async () => {
      const root = await reachableTempFolder('agent-gateway-privacy-server-');
      folders.push(root);
      expect(await textLeftAfterDeletes(join(root, 'data'), 'postgres')).toEqual(nothingLeft);
    },
    600_000,
  );

  it('refuses a data folder that other users can write, naming the fix', async () => {
    const dir = join(await scratch(), 'shared');
    await mkdir(dir);
    await chmod(dir, 0o777);
    await expect(openThreadStore({ embedded: { dir } })).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining(`chmod 700 ${dir}`) as unknown,
    });
    expect(await readdir(dir)).toEqual([]);
  }, 600_000);
});
