import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { MIGRATIONS, type Migration } from '../migrations.js';
import { tightenFolderContents } from '../private-data-folder.js';
import { copyClusterTree } from './copy-cluster-tree.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import type { ServerAccount } from './server-account.js';

/** The folder of template clusters by default: the user's cache, private to them. */
export const defaultTemplateCacheDir = (): string => join(homedir(), '.cache', 'agent-gateway');

/**
 * How a template is made: bumped when that changes (`initdb` options, what is baked in), so an
 * older template is never taken for a new one.
 */
const TEMPLATE_FORMAT = 2;

/** Where templates are kept and which schema they hold (tests give their own). */
export interface TemplateOptions {
  /** Default `defaultTemplateCacheDir()`. */
  cacheDir?: string | undefined;
  /** The migrations baked into the template. Default `MIGRATIONS`. */
  migrations?: readonly Migration[] | undefined;
}

/**
 * The template of these binaries and this schema: named after the server program's path, size
 * and time (another version of the package, another catalog format, never gets an old
 * template), the migrations baked into it and how it was made. A gateway of another schema
 * version finds no template of its own, makes one, and leaves the other's in place.
 */
export const templateOf = async (
  binaries: PostgresBinaries,
  options: TemplateOptions = {},
): Promise<string> => {
  const info = await stat(binaries.postgres);
  const hash = createHash('sha256').update(
    `${TEMPLATE_FORMAT}\n${binaries.postgres}\n${info.size}\n${info.mtimeMs}\n`,
  );
  for (const migration of options.migrations ?? MIGRATIONS) {
    hash.update(`${migration.version}\n${migration.name}\n${migration.sql}\n`);
  }
  return join(
    options.cacheDir ?? defaultTemplateCacheDir(),
    `postgres-template-${hash.digest('hex').slice(0, 16)}`,
  );
};

/**
 * Whether `path` is a folder (not a link) of `uid` (default this process's user) that no one
 * else can write or read.
 */
export const isPrivateFolder = async (path: string, uid = process.getuid?.()): Promise<boolean> => {
  const info = await lstat(path).catch(() => undefined);
  return info !== undefined && info.isDirectory() && info.uid === uid && (info.mode & 0o077) === 0;
};

/**
 * The folder `path` is built in before it is renamed into place: of this process (its pid first,
 * so an abandoned one can be told) and of this call (one process may make two at once).
 */
export const buildingFolderOf = (path: string): string =>
  `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the building folders of `<cacheDir>/<name>` left by processes that are gone. */
export async function removeAbandoned(cacheDir: string, name: string): Promise<void> {
  for (const entry of await readdir(cacheDir)) {
    if (!entry.startsWith(`${name}.`)) continue;
    const pid = Number(entry.slice(name.length + 1).split('.')[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && !isAlive(pid)) {
      await rm(join(cacheDir, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Copies this machine's template cluster (a fresh `initdb` result with the schema migrated,
 * cleanly stopped, kept in the user's cache) to `target`, for `account`: a first start then
 * copies ~25 MB instead of running the bootstrap and the migrations. Resolves false when there
 * is no template, or one that is not private to this user (another user could have planted
 * settings in it): the caller makes one then.
 */
export async function copyTemplate(
  binaries: PostgresBinaries,
  target: string,
  account: ServerAccount | undefined,
  options: TemplateOptions = {},
): Promise<boolean> {
  const cacheDir = options.cacheDir ?? defaultTemplateCacheDir();
  const template = await templateOf(binaries, options);
  if (!(await isPrivateFolder(cacheDir)) || !(await isPrivateFolder(template))) return false;
  if (
    !(await stat(join(template, 'PG_VERSION')).then(
      () => true,
      () => false,
    ))
  )
    return false;
  // The template's files are private (see `saveTemplate`), and the copy keeps their modes.
  await copyClusterTree(template, target, account);
  return true;
}

/**
 * Keeps a copy of the fresh, migrated and stopped cluster in `source` as this machine's template
 * (best effort: a failure is logged and changes nothing else). It is copied into a folder of
 * this process and renamed into place once complete, so a gateway never copies a half-made
 * template; when two gateways make one at once, the first rename wins and the other's copy is
 * removed (both are the same).
 */
export async function saveTemplate(
  binaries: PostgresBinaries,
  source: string,
  logger: Logger,
  options: TemplateOptions = {},
): Promise<void> {
  const cacheDir = options.cacheDir ?? defaultTemplateCacheDir();
  let building: string | undefined;
  try {
    const template = await templateOf(binaries, options);
    building = buildingFolderOf(template);
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    if (!(await isPrivateFolder(cacheDir))) return;
    await removeAbandoned(cacheDir, basename(template));
    await copyClusterTree(source, building, undefined);
    await tightenFolderContents(building);
    // Fails when another gateway's template got there first: the same, and it stays.
    await rename(building, template);
  } catch (error) {
    logger.debug('embedded PostgreSQL: could not keep a template cluster', { error });
  } finally {
    if (building !== undefined) await rm(building, { recursive: true, force: true }).catch(() => undefined);
  }
}
