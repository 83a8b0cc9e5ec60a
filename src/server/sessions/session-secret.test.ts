import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keptSessionSecret, SESSION_SECRET_FILE, sessionSecretOf } from './session-secret.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const tempFolder = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'session-secret-'));
  folders.push(dir);
  return dir;
};

describe('the session secret kept with the data', () => {
  it('is made once, 0600, in a 0700 folder made for it, and read back the same after', async () => {
    const folder = join(await tempFolder(), 'nested', 'data');
    const secret = keptSessionSecret(folder);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const file = join(folder, SESSION_SECRET_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(secret);
    expect(keptSessionSecret(folder)).toBe(secret);
  });

  it('makes a kept secret that others could read private again', async () => {
    const folder = await tempFolder();
    const secret = keptSessionSecret(folder);
    await chmod(join(folder, SESSION_SECRET_FILE), 0o644);
    expect(keptSessionSecret(folder)).toBe(secret);
    expect((await stat(join(folder, SESSION_SECRET_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged secret with invalid_option, naming the file and not its content', async () => {
    const folder = await tempFolder();
    await writeFile(join(folder, SESSION_SECRET_FILE), 'short-and-wrong\n', { mode: 0o600 });
    let caught: unknown;
    try {
      keptSessionSecret(folder);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'invalid_option' });
    expect(String((caught as Error).message)).toContain(join(folder, SESSION_SECRET_FILE));
    expect(String((caught as Error).message)).not.toContain('short-and-wrong');
  });

  it('prefers jwtSecret, keeps one only for the embedded database, and else makes one per process', async () => {
    const folder = await tempFolder();
    expect(sessionSecretOf('fixed', { embedded: { dir: folder } })).toEqual({
      secret: 'fixed',
      source: 'configured',
    });
    const kept = sessionSecretOf(undefined, { embedded: { dir: folder } });
    expect(kept.source).toBe('data');
    expect(sessionSecretOf(undefined, { embedded: { dir: folder } }).secret).toBe(kept.secret);
    const first = sessionSecretOf(undefined, { postgres: 'postgres://127.0.0.1/db' });
    expect(first.source).toBe('process');
    expect(sessionSecretOf(undefined, false).secret).not.toBe(first.secret);
  });
});
