import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReachable, findAccount, resolveServerAccount } from './server-account.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'postgres:x:101:104:PostgreSQL administrator:/var/lib/postgresql:/bin/bash',
].join('\n');

const folders: string[] = [];
afterAll(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));
const passwdFile = async (text: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'server-account-'));
  folders.push(dir);
  await writeFile(join(dir, 'passwd'), text);
  return join(dir, 'passwd');
};

describe('the account the embedded server runs as', () => {
  it('is the gateway’s own when the gateway is not root', async () => {
    expect(await resolveServerAccount({ uid: 1000, passwdFile: await passwdFile(PASSWD) })).toBeUndefined();
  });

  it('is postgres for root, else nobody, never root itself', async () => {
    expect(await resolveServerAccount({ uid: 0, passwdFile: await passwdFile(PASSWD) })).toEqual({
      name: 'postgres',
      uid: 101,
      gid: 104,
    });
    const withoutPostgres = PASSWD.split('\n').slice(0, 2).join('\n');
    expect(
      await resolveServerAccount({ uid: 0, passwdFile: await passwdFile(withoutPostgres) }),
    ).toMatchObject({
      name: 'nobody',
    });
    expect(findAccount(PASSWD, 'root')).toBeUndefined();
  });

  it('is refused for root without such an account, saying what to do', async () => {
    await expect(
      resolveServerAccount({ uid: 0, passwdFile: await passwdFile('root:x:0:0::/root:/bin/sh') }),
    ).rejects.toThrow(/PostgreSQL refuses.*run the gateway as an ordinary user, or create one/);
  });

  it('must be able to pass through every folder above the data folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'server-account-reach-'));
    folders.push(dir);
    await mkdir(join(dir, 'open', 'data'), { recursive: true });
    await chmod(dir, 0o755);
    await chmod(join(dir, 'open'), 0o755);
    const stranger = { name: 'stranger', uid: 54_321, gid: 54_321 };
    await expect(checkReachable(join(dir, 'open', 'data'), stranger)).resolves.toBeUndefined();
    await chmod(join(dir, 'open'), 0o700);
    await expect(checkReachable(join(dir, 'open', 'data'), stranger)).rejects.toThrow(
      /"stranger", which cannot enter .*open \(mode 0700\): keep the data folder where/,
    );
  });

  it("must be able to reach the server's programs, and is told where to install the app", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'server-account-programs-'));
    folders.push(dir);
    const stranger = { name: 'stranger', uid: 54_321, gid: 54_321 };
    const program = join(dir, 'node_modules', 'bin', 'postgres');
    await mkdir(join(dir, 'node_modules', 'bin'), { recursive: true });
    await chmod(dir, 0o700);
    await expect(checkReachable(program, stranger, 'programs')).rejects.toThrow(
      /cannot enter .*server-account-programs-\w+ \(mode 0700\): its programs are in the app's node_modules: install the app where "stranger" can reach it \(in a container, a WORKDIR such as \/app rather than \/root\)/,
    );
  });
});
