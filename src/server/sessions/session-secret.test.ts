import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
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
/** Another OS user's id (the tests run as root, so files can be given to it). */
const OTHER_UID = 4321;
const asRoot = process.getuid?.() === 0;
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The code and message `run` throws with, or undefined when it throws nothing. */
const refusalOf = (run: () => unknown): { code: unknown; message: string } | undefined => {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: String((error as Error).message) };
  }
  return undefined;
};

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

  it('refuses a kept secret that others could write, naming the file and the fix', async () => {
    const folder = await tempFolder();
    keepSessionSecret(folder, 'a'.repeat(64));
    const file = join(folder, SESSION_SECRET_FILE);
    for (const mode of [0o620, 0o602, 0o666]) {
      await chmod(file, mode);
      const refusal = refusalOf(() => readKeptSessionSecret(folder));
      expect(refusal?.code, mode.toString(8)).toBe('invalid_option');
      expect(refusal?.message).toContain(file);
    }
  });

  it('refuses a kept secret that is a link to another file', async () => {
    const folder = await tempFolder();
    const elsewhere = join(folder, 'elsewhere');
    await writeFile(elsewhere, `${'b'.repeat(64)}\n`, { mode: 0o600 });
    await symlink(elsewhere, join(folder, SESSION_SECRET_FILE));
    expect(refusalOf(() => readKeptSessionSecret(folder))?.code).toBe('invalid_option');
  });

  it.skipIf(!asRoot)('refuses a kept secret another OS user owns (one they wrote)', async () => {
    const folder = await tempFolder();
    keepSessionSecret(folder, 'c'.repeat(64));
    await chown(join(folder, SESSION_SECRET_FILE), OTHER_UID, OTHER_UID);
    const refusal = refusalOf(() => readKeptSessionSecret(folder));
    expect(refusal?.code).toBe('invalid_option');
    expect(refusal?.message).toContain(`uid ${OTHER_UID}`);
  });

  it.skipIf(!asRoot)('refuses to read or keep a secret in a folder another OS user owns', async () => {
    const folder = join(await tempFolder(), 'data');
    keepSessionSecret(folder, 'd'.repeat(64));
    await chown(folder, OTHER_UID, OTHER_UID);
    // The file is still the gateway's, but the folder's owner could have replaced it.
    const refusal = refusalOf(() => readKeptSessionSecret(folder));
    expect(refusal?.code).toBe('invalid_option');
    expect(refusal?.message).toContain(folder);
    const empty = join(await tempFolder(), 'empty');
    await mkdir(empty, { mode: 0o700 });
    await chown(empty, OTHER_UID, OTHER_UID);
    expect(refusalOf(() => keepSessionSecret(empty, 'e'.repeat(64)))?.code).toBe('invalid_option');
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
