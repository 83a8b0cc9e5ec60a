import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  keepSessionSecret,
  readKeptSessionSecret,
  SESSION_SECRET_FILE,
  sessionSecretOf,
} from './session-secret.js';

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
  it('is made once, written 0600 into a 0700 folder only when kept, and read back the same after', async () => {
    const folder = join(await tempFolder(), 'nested', 'data');
    const made = sessionSecretOf(undefined, { embedded: { dir: folder } });
    expect(made.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(made.source).toBe('data');
    // Building an app writes nothing; starting it keeps the secret.
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
    made.keep?.();
    made.keep?.();
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const file = join(folder, SESSION_SECRET_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(made.secret);
    expect(sessionSecretOf(undefined, { embedded: { dir: folder } })).toEqual({
      secret: made.secret,
      source: 'data',
    });
  });

  it('keeps the first of two secrets kept at once, and refuses to start the second', async () => {
    const folder = await tempFolder();
    const first = sessionSecretOf(undefined, { embedded: { dir: folder } });
    const second = sessionSecretOf(undefined, { embedded: { dir: folder } });
    first.keep?.();
    expect(() => second.keep?.()).toThrow(/another process kept a session secret/);
    expect(keepSessionSecret(folder, 'f'.repeat(64))).toBe(first.secret);
  });

  it('makes a kept secret that others could read private again', async () => {
    const folder = await tempFolder();
    const secret = keepSessionSecret(folder, 'a'.repeat(64));
    await chmod(join(folder, SESSION_SECRET_FILE), 0o644);
    expect(readKeptSessionSecret(folder)).toBe(secret);
    expect((await stat(join(folder, SESSION_SECRET_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged secret with invalid_option, naming the file and not its content', async () => {
    const folder = await tempFolder();
    await writeFile(join(folder, SESSION_SECRET_FILE), 'short-and-wrong\n', { mode: 0o600 });
    let caught: unknown;
    try {
      readKeptSessionSecret(folder);
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
    kept.keep?.();
    expect(sessionSecretOf(undefined, { embedded: { dir: folder } }).secret).toBe(kept.secret);
    const first = sessionSecretOf(undefined, { postgres: 'postgres://127.0.0.1/db' });
    expect(first.source).toBe('process');
    expect(sessionSecretOf(undefined, false).secret).not.toBe(first.secret);
  });
});
