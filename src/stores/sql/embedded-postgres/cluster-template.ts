import { createHash } from 'node:crypto';
import { chown, cp, lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { tightenFolderContents } from '../private-data-folder.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import type { ServerAccount } from './server-account.js';

/** The folder of template clusters: the user's cache, private to them. */
const cacheRoot = (): string => join(homedir(), '.cache', 'agent-gateway');

/**
 * The template of these binaries: named after the server program's path, size and time, so
 * another version of the package (another catalog format) never gets an old template.
 */
const templateOf = async (binaries: PostgresBinaries): Promise<string> => {
  const info = await stat(binaries.postgres);
  const key = createHash('sha256')
    .update(`${binaries.postgres}\n${info.size}\n${info.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  return join(cacheRoot(), `postgres-template-${key}`);
};

/** Whether `path` is a folder of this process's user that no one else can write or read. */
const isPrivateFolder = async (path: string): Promise<boolean> => {
  const info = await lstat(path).catch(() => undefined);
  return (
    info !== undefined && info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o077) === 0
  );
};

const chownTree = async (dir: string, account: ServerAccount): Promise<void> => {
  await chown(dir, account.uid, account.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, account);
    else await chown(path, account.uid, account.gid);
  }
};

/**
 * Copies this machine's template cluster (a fresh `initdb` result kept in the user's cache) to
 * `target`, for `account`: a first start then copies 40 MB instead of running the bootstrap.
 * Resolves false when there is no template, or one that is not private to this user (another
 * user could have planted settings in it): the caller runs `initdb` then.
 */
export async function copyTemplate(
  binaries: PostgresBinaries,
  target: string,
  account: ServerAccount | undefined,
): Promise<boolean> {
  const template = await templateOf(binaries);
  if (!(await isPrivateFolder(cacheRoot())) || !(await isPrivateFolder(template))) return false;
  if (
    !(await stat(join(template, 'PG_VERSION')).then(
      () => true,
      () => false,
    ))
  )
    return false;
  await cp(template, target, { recursive: true });
  await tightenFolderContents(target);
  if (account !== undefined) await chownTree(target, account);
  return true;
}

/**
 * Keeps a copy of the fresh cluster in `source` as this machine's template (best effort: a
 * failure is logged and changes nothing else).
 */
export async function saveTemplate(
  binaries: PostgresBinaries,
  source: string,
  logger: Logger,
): Promise<void> {
  try {
    await mkdir(cacheRoot(), { recursive: true, mode: 0o700 });
    if (!(await isPrivateFolder(cacheRoot()))) return;
    const template = await templateOf(binaries);
    const building = `${template}.${process.pid}`;
    await rm(building, { recursive: true, force: true });
    await cp(source, building, { recursive: true });
    await tightenFolderContents(building);
    await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
  } catch (error) {
    logger.debug('embedded PostgreSQL: could not keep a template cluster', { error });
  }
}
