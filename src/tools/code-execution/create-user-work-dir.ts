import { randomInt } from 'node:crypto';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The ids one session's code runs as. */
export interface SessionUser {
  uid: number;
  gid: number;
}

/**
 * Creates a session's work dir owned by an id of its own from `range` (uid and gid alike),
 * mode 0700, so no other session's code may list, read, write or import from it.
 *
 * The dir is named after the id (`<prefix>u<uid>`) and made with an exclusive `mkdir`: an
 * existing name (a live session of this or another gateway sharing `root`, a leftover of a
 * crash, or a name someone else made first) means the id is taken, and the next one is tried,
 * from a random start. So two live sessions never get the same id, and no session is given a
 * directory it did not create. The dir stays root's until it is ready, then is handed over.
 */
export async function createUserWorkDir(options: {
  root: string;
  prefix: string;
  range: { first: number; count: number };
}): Promise<{ dir: string; user: SessionUser }> {
  const { first, count } = options.range;
  const start = randomInt(count);
  for (let step = 0; step < count; step += 1) {
    const uid = first + ((start + step) % count);
    const dir = join(options.root, `${options.prefix}u${uid}`);
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EEXIST') continue;
      throw error;
    }
    try {
      await chmod(dir, 0o700);
      await chown(dir, uid, uid);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return { dir, user: { uid, gid: uid } };
  }
  throw new Error(
    `every id of sessionUidRange (${first}-${first + count - 1}) is taken: one is needed per live session`,
  );
}
