import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUserWorkDir } from './create-user-work-dir.js';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('work dirs of sessions with users of their own', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'user-work-dirs-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('never gives an id whose directory already exists (another gateway, a crash, a squatter)', async () => {
    const range = { first: 2_100_000_100, count: 2 };
    // Someone else holds the first id's name (here: a directory the gateway did not make).
    await mkdir(join(root, 'code_exec_u2100000100'));
    const first = await createUserWorkDir({ root, prefix: 'code_exec_', range });
    expect(first.user).toEqual({ uid: 2_100_000_101, gid: 2_100_000_101 });
    const info = await stat(first.dir);
    expect([info.uid, info.gid, info.mode & 0o777]).toEqual([2_100_000_101, 2_100_000_101, 0o700]);
    await expect(createUserWorkDir({ root, prefix: 'code_exec_', range })).rejects.toThrow(
      'every id of sessionUidRange (2100000100-2100000101) is taken',
    );
  });
});
