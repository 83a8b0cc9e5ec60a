import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';

/** Mode of an embedded data folder and of every folder in it: its owner only. */
export const PRIVATE_FOLDER_MODE = 0o700;
/** Mode of every file in an embedded data folder: its owner only. */
export const PRIVATE_FILE_MODE = 0o600;

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/**
 * Makes `dir` the private home of an embedded database: created 0700 when missing (missing
 * parents with the usual mode); refused with `invalid_option` when another user could write into it (they could
 * plant or swap the database's files); tightened to 0700 when others could only read it. Run
 * before the engine touches the folder, so nothing in it is ever open to other users.
 */
export async function preparePrivateFolder(dir: string): Promise<void> {
  // Missing parents get the usual mode, so that a server account can still pass through them.
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { mode: PRIVATE_FOLDER_MODE }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const info = await stat(dir);
  if (!info.isDirectory()) {
    throw new GatewayError(
      GatewayErrorCode.InvalidOption,
      `the embedded database folder ${dir} is not a folder`,
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw new GatewayError(
      GatewayErrorCode.InvalidOption,
      `the embedded database folder ${dir} can be written by other users (mode ${octal(info.mode)}): ` +
        `another user could read or replace the database; make it private (chmod 700 ${dir}) or choose another folder`,
    );
  }
  if ((info.mode & 0o077) !== 0) await chmod(dir, PRIVATE_FOLDER_MODE);
}

/**
 * Sets every folder under `dir` to 0700 and every file to 0600 (symbolic links are left alone,
 * never followed). The in-process engine creates its files with the process's umask (0666 under
 * the usual 022); they are unreachable for other users inside the 0700 folder anyway, and this
 * makes them private on their own too, so copying the folder elsewhere does not open them.
 */
export async function tightenFolderContents(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await chmod(path, PRIVATE_FOLDER_MODE).catch(() => undefined);
      await tightenFolderContents(path);
    } else if (entry.isFile()) {
      const info = await lstat(path).catch(() => undefined);
      if (info !== undefined && (info.mode & 0o077) !== 0) {
        await chmod(path, PRIVATE_FILE_MODE).catch(() => undefined);
      }
    }
  }
}
