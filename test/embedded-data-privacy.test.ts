import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';

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
