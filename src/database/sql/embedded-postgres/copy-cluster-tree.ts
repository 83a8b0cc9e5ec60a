import { chown, constants, copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerAccount } from './server-account.js';

/**
 * Files copied at once. A cluster is ~1,000 mostly small files: the time goes into creating
 * them, not into their bytes, and a few copies in flight keep libuv's four threads busy.
 */
const COPIES_IN_FLIGHT = 8;

/** Options of `copyClusterTree`. */
export interface CopyClusterTreeOptions {
  /** Files copied at once (default 8; fewer leaves libuv's threads to others). */
  inFlight?: number | undefined;
  /** Stops the copy between files; the call then rejects and the caller removes the rest. */
  signal?: AbortSignal | undefined;
}

/**
 * Copies the cluster folder `source` to `target` (which must not exist) in one pass: folders
 * 0700, files with their modes (a template's are 0600), given to `account` as they are made when
 * the server runs as another account. File contents are cloned where the file system can
 * (`copy_file_range`, reflinks on Btrfs, XFS and APFS), else copied. Anything but folders and
 * regular files (a link planted in a template) is refused. Not flushed to disk here.
 */
export async function copyClusterTree(
  source: string,
  target: string,
  account: ServerAccount | undefined,
  options: CopyClusterTreeOptions = {},
): Promise<void> {
  const files: Array<readonly [string, string]> = [];
  const makeFolder = async (from: string, to: string): Promise<void> => {
    await mkdir(to, { mode: 0o700 });
    if (account !== undefined) await chown(to, account.uid, account.gid);
    const entries = await readdir(from, { withFileTypes: true });
    const folders: Array<Promise<void>> = [];
    for (const entry of entries) {
      const pair = [join(from, entry.name), join(to, entry.name)] as const;
      if (entry.isDirectory()) folders.push(makeFolder(...pair));
      else if (entry.isFile()) files.push(pair);
      else throw new Error(`${pair[0]} is neither a folder nor a file: not copied`);
    }
    await Promise.all(folders);
  };
  await makeFolder(source, target);
  let next = 0;
  const copyNext = async (): Promise<void> => {
    for (let pair = files[next++]; pair !== undefined; pair = files[next++]) {
      options.signal?.throwIfAborted();
      await copyFile(pair[0], pair[1], constants.COPYFILE_FICLONE);
      if (account !== undefined) await chown(pair[1], account.uid, account.gid);
    }
  };
  await Promise.all(Array.from({ length: options.inFlight ?? COPIES_IN_FLIGHT }, copyNext));
}
